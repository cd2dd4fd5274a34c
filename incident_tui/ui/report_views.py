"""The App's way to its two report views, the dashboard (``d``) and the handover (``h``):
built over the list's filters and the remotes that have their own summaries, opened from
anywhere, and jumped between without piling up screens.

A mixin of ``IncidentApp`` (Textual finds ``action_*`` methods by name on the App's class
and its bases). The screens themselves are imported when first opened, off the first paint.
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from incident_tui.domain.capabilities import Capability
from incident_tui.domain.query import ListQuery
from incident_tui.ui.screens.list_screen import ListScreen

if TYPE_CHECKING:
    from textual.app import App
    from textual.screen import Screen

    from incident_tui.ui.context import UiContext
    from incident_tui.ui.services import Services

    # What the mixin is mixed into, for the type checker; at run time a plain class.
    AppBase = App[None]
else:
    AppBase = object


class ReportViews(AppBase):
    """Opening the dashboard and the handover, for the App that holds the services."""

    services: Services
    ctx: UiContext

    def _list_query(self) -> ListQuery:
        """The list's filters and search, which the dashboard applies too."""
        for screen in self.screen_stack:
            if isinstance(screen, ListScreen):
                return screen.incidents.list_query
        return ListQuery()

    def _summary_remotes(self) -> list[str]:
        """Remotes with their own dashboard figures and handover stream."""
        services = self.services
        return [
            name
            for name, kind in services.remote_kinds().items()
            if services.can(kind, Capability.REMOTE_SUMMARIES)
        ]

    def _back_to(self, kind: type[Screen[Any]]) -> bool:
        """Return to an open screen of ``kind`` (closing what is above it), if there is one.

        Jumping between the dashboard, the handover and incidents opened from them would
        otherwise pile up screens that escape has to unwind one by one."""
        for screen in reversed(self.screen_stack):
            if isinstance(screen, kind):
                while self.screen is not screen:
                    self.pop_screen()
                return True
        return False

    def _open_view(self, screen: Screen[Any]) -> None:
        """Open the dashboard or the handover: in place of the other one, if that is on top."""
        from incident_tui.ui.screens.dashboard import DashboardScreen
        from incident_tui.ui.screens.handover import HandoverScreen

        if isinstance(self.screen, DashboardScreen | HandoverScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_dashboard(self) -> None:
        """Charts of the cached incidents under the list's filters."""
        from incident_tui.ui.screens.dashboard import DashboardScreen

        if self._back_to(DashboardScreen):
            return
        services = self.services
        fetchers = {
            name: partial(services.remote_dashboard, name) for name in self._summary_remotes()
        }
        self._open_view(
            DashboardScreen(
                services.background(),
                query=self._list_query(),
                clock=services.clock,
                kitehouse=fetchers,
                changes=self.ctx.incidents_changed,
                # As the handover: a remote taken out of the config is left out.
                remotes=list(services.remote_kinds()),
            )
        )

    def action_handover(self) -> None:
        """The shift handover summary (and a Kitehouse server's own, streamed)."""
        from incident_tui.ui.screens.handover import HandoverScreen

        if self._back_to(HandoverScreen):
            return
        services = self.services
        settings = services.settings_if_valid()
        if settings is None:
            return
        self._open_view(
            HandoverScreen(
                services.background(),
                clock=services.clock,
                stale_hours=settings.stale_hours,
                remotes=[remote.name for remote in settings.remotes],
                disabled=[remote.name for remote in settings.remotes if not remote.enabled],
                save_dir=settings.downloads(),
                streams={
                    name: partial(services.remote_handover, name)
                    for name in self._summary_remotes()
                },
                changes=self.ctx.incidents_changed,
            )
        )
