"""The detail screen: one incident with every field, its timeline and its local state.

Read in a worker thread (``Reader.detail``) and re-read when the incident changes; actions
(acknowledge, resolve, reopen, comment, edit, delete) work here as on the list.
"""

from __future__ import annotations

from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Footer, Static
from textual.worker import Worker

from incident_tui.domain.capabilities import Capability
from incident_tui.domain.text import clean
from incident_tui.store.reader import Detail
from incident_tui.ui import keys
from incident_tui.ui.context import UiContext
from incident_tui.ui.messages import Changed, forward_worker_failure
from incident_tui.ui.screens import detail_content as render

CAPABILITY: dict[str, Capability] = {
    "acknowledge": Capability.ACKNOWLEDGE,
    "resolve": Capability.RESOLVE,
    "reopen": Capability.REOPEN,
    "comment": Capability.COMMENT,
    "edit": Capability.EDIT,
    "delete": Capability.DELETE,
}

SECTIONS: tuple[tuple[str, str], ...] = (
    ("detail-title", ""),
    ("detail-fields", "Incident"),
    ("detail-description", "Description"),
    ("detail-conflict", "Conflict"),
    ("detail-changes", "Queued changes"),
    ("detail-comments", "Comments"),
    ("detail-attachments", "Attachments"),
    ("detail-custom", "Custom fields"),
    ("detail-extra", "Remote fields"),
)


class DetailScreen(Screen[None]):
    """Everything about one incident."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings("acknowledge", "resolve", "comment", "reopen", "edit", "delete", "back")
    ]

    def __init__(self, ctx: UiContext, incident_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.incident_id = incident_id
        self.detail: Detail | None = None

    def compose(self) -> ComposeResult:
        """A heading, the scrolling sections and the keys."""
        yield Static(
            Content.assemble(("Incident ", "bold"), clean(self.incident_id)), id="detail-heading"
        )
        with VerticalScroll(id="detail-body"):
            for section_id, heading in SECTIONS:
                section = Static(id=section_id, classes="section")
                if heading:
                    section.border_title = heading
                yield section
        yield Footer()

    def on_mount(self) -> None:
        """Read the incident and follow changes to it."""
        self.ctx.incidents_changed.subscribe(self, self._changed)
        self.query_one("#detail-body").focus()
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of this node's workers go to the App's one error handler."""
        forward_worker_failure(self, event)

    def _changed(self, changed: Changed) -> None:
        if not changed.ids or self.incident_id in changed.ids:
            self.load()

    @work(thread=True, group="detail", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Read the incident (worker thread)."""
        detail = self.ctx.services.reader.detail(self.incident_id)
        self.app.call_from_thread(self._show, detail)

    def _show(self, detail: Detail | None) -> None:
        self.detail = detail
        self.refresh_bindings()
        if detail is None:
            self._set(
                "detail-title",
                Content.styled("This incident is no longer in the cache.", "$warning"),
            )
            for section_id, _ in SECTIONS[1:]:
                self._set(section_id, Content(""))
            return
        incident = detail.incident
        self._set("detail-title", render.title(incident))
        self._set("detail-fields", render.fields(incident))
        self._set("detail-description", render.description(incident))
        self._set("detail-conflict", render.conflict(incident))
        self._set("detail-changes", render.changes(detail.changes))
        self._set(
            "detail-comments",
            render.comments(detail.comments),
            f"Comments ({len(detail.comments)})",
        )
        self._set("detail-attachments", render.attachments(detail.attachments))
        self._set("detail-custom", render.mapping(incident.get("custom_fields")))
        self._set("detail-extra", render.mapping(incident.get("extra")))

    def _set(self, section_id: str, content: Content, heading: str | None = None) -> None:
        section = self.query_one(f"#{section_id}", Static)
        section.update(content)
        # Empty optional sections take no room; comments always show (even "No comments.").
        section.display = bool(content.plain.strip())
        if heading is not None:
            section.border_title = heading

    # Keys ---------------------------------------------------------------------------------

    @property
    def kind(self) -> str | None:
        """The remote kind of the incident, once read."""
        return str(self.detail.incident.get("kind")) if self.detail else None

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what this incident's remote kind cannot do (or everything while loading)."""
        capability = CAPABILITY.get(action)
        if capability is None:
            return True
        if self.detail is None:
            return None
        return True if self.ctx.services.can(self.kind, capability) else None

    def action_acknowledge(self) -> None:
        """Acknowledge this incident."""
        self.ctx.intents.acknowledge([self.incident_id])

    def action_resolve(self) -> None:
        """Resolve this incident."""
        self.ctx.intents.resolve([self.incident_id])

    def action_reopen(self) -> None:
        """Reopen this incident."""
        self.ctx.intents.reopen([self.incident_id])

    def action_comment(self) -> None:
        """Write a comment."""
        from incident_tui.ui.screens.comment import open_comment

        title = str(self.detail.incident.get("title") or "") if self.detail else ""
        open_comment(self.app, self.ctx, self.incident_id, render.body_text(title)[:200])

    def action_edit(self) -> None:
        """Edit title, description and severity."""
        from incident_tui.ui.screens.edit import open_edit

        open_edit(self.app, self.ctx, self.incident_id)

    def action_delete(self) -> None:
        """Delete this incident, after asking; back to the list when done."""
        from incident_tui.ui.screens.confirm import confirm_delete

        title = str(self.detail.incident.get("title") or "") if self.detail else ""
        confirm_delete(self.app, self.ctx, self.incident_id, title, done=self._deleted)

    def _deleted(self) -> None:
        if self.is_current:
            self.app.pop_screen()

    def action_back(self) -> None:
        """Back to the list."""
        self.app.pop_screen()
