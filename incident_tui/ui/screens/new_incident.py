"""The new-incident dialog: remote, title, description, severity."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App, ComposeResult
from textual.content import Content
from textual.widgets import Label, Select

from incident_tui.domain.capabilities import Capability, can
from incident_tui.domain.model import Draft
from incident_tui.ui.context import UiContext
from incident_tui.ui.screens.incident_form import FormScreen


@dataclass(frozen=True, slots=True)
class NewIncident:
    """What the dialog returns: where to create it and what."""

    remote: str
    kind: str
    draft: Draft


class NewIncidentScreen(FormScreen[NewIncident]):
    """Create an incident on one of the configured remotes."""

    HEADING = "New incident"

    def __init__(self, remotes: list[tuple[str, str]], *, blink: bool = True) -> None:
        super().__init__(blink=blink)
        self.remotes = remotes
        """(name, kind) of every configured remote that can create incidents."""

    def compose_extra(self) -> ComposeResult:
        """The remote to create it on."""
        yield Label("Remote")
        options = [(Content(f"{name} ({kind})"), name) for name, kind in self.remotes]
        yield Select(options, id="form-remote", allow_blank=False, compact=True)

    def on_mount(self) -> None:
        """Start in the title field (the remote defaults to the first one)."""
        self.query_one("#form-title").focus()

    def action_submit(self) -> None:
        """Check the title, then return the draft."""
        title, description, severity = self.values()
        if not title:
            self.notify("A new incident needs a title.", severity="warning", markup=False)
            return
        remote = str(self.query_one("#form-remote", Select).value)
        kind = dict(self.remotes).get(remote, "")
        draft = Draft(title=title, description=description.strip() or None, severity=severity)
        self.dismiss(NewIncident(remote, kind, draft))


def open_new_incident(app: App[Any], ctx: UiContext) -> None:
    """Show the dialog for the configured remotes; a result is queued through the intents."""
    remotes = [
        (remote.name, str(getattr(remote, "kind", "")))
        for remote in ctx.services.settings.remotes
        if can(str(getattr(remote, "kind", "")), Capability.CREATE)
    ]
    if not remotes:
        app.notify(
            "No remote is configured to create incidents on.", severity="warning", markup=False
        )
        return

    def created(result: NewIncident | None) -> None:
        if result is not None:
            ctx.intents.create(result.remote, result.kind, result.draft)

    blink = bool(getattr(app, "cursor_blink", True))
    app.push_screen(NewIncidentScreen(remotes, blink=blink), created)
