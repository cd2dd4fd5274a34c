"""The edit dialog: change title, description and (where the remote has one) severity."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import App
from textual.content import Content
from textual.worker import Worker

from incident_tui.domain.capabilities import Capability
from incident_tui.domain.model import EDITABLE_FIELDS
from incident_tui.domain.text import clean
from incident_tui.store.reader import Detail
from incident_tui.ui.context import UiContext
from incident_tui.ui.drafts import Fields
from incident_tui.ui.messages import forward_worker_failure
from incident_tui.ui.screens.incident_form import FormScreen


class EditScreen(FormScreen[dict[str, Any]]):
    """Edit one incident; returns only the fields that changed."""

    HEADING = "Edit incident"

    def __init__(self, ctx: UiContext, incident_id: str, *, blink: bool = True) -> None:
        kind = ctx.services.kind_of(incident_id)
        super().__init__(
            blink=blink,
            severity=ctx.services.can(kind, Capability.EDIT_SEVERITY),
            drafts=ctx.services.drafts,
            draft_key=edit_draft_key(incident_id),
        )
        self.ctx = ctx
        self.incident_id = incident_id
        self.incident_name = ctx.services.name_of(incident_id)
        self.before: dict[str, Any] | None = None
        """The fields as shown when the dialog was filled (cleaned): what counts as changed."""
        self.read: dict[str, Any] = {}
        """The same fields as the cache held them then: the values the edit is made against,
        so a sync that brings someone else's value meanwhile makes saving a conflict."""

    def heading(self) -> Content:
        """``Edit kitehouse 1061``: which incident is being edited."""
        return Content.assemble(("Edit ", "bold"), (self.incident_name, "bold $primary"))

    def on_mount(self) -> None:
        """Read the current values."""
        self.query_one("#form-title").focus()
        self.load()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of this node's workers go to the App's one error handler."""
        forward_worker_failure(self, event)

    @work(thread=True, exit_on_error=False)
    def load(self) -> None:
        """Read the incident (worker thread)."""
        detail = self.ctx.services.reader.detail(self.incident_id)
        self.app.call_from_thread(self._fill, detail)

    def _fill(self, detail: Detail | None) -> None:
        if detail is None:
            self.notify("This incident is no longer in the cache.", severity="error", markup=False)
            self.dismiss(None)
            return
        incident = detail.incident
        self.read = {name: incident.get(name) for name in EDITABLE_FIELDS}
        # Shown cleaned: what the user edits is what they saw; saving writes the clean text.
        self.before = {
            "title": clean(incident.get("title"), single_line=True),
            "description": clean(incident.get("description")) or None,
            "severity": incident.get("severity"),
        }
        before = self.before
        self.fill(before["title"], before["description"] or "", before["severity"])
        saved = self.keeper.saved()
        if saved:
            self.restore(saved)
            self.notify("Your unsaved edit is back.", markup=False, timeout=3)

    def draft_fields(self) -> Fields | None:
        """The fields while they differ from the incident (``None`` until it is read)."""
        if self.before is None:
            return None
        fields = self.fields()
        same = (
            fields["title"].strip() == self.before["title"]
            and (fields["description"] or None) == self.before["description"]
            and fields.get("severity", self.before["severity"]) == self.before["severity"]
        )
        return {} if same else fields

    def action_submit(self) -> None:
        """Return the changed fields (nothing changed closes the dialog quietly)."""
        if self.before is None:
            return
        title, description, severity = self.values()
        if not title:
            self.notify("The title cannot be empty.", severity="warning", markup=False)
            return
        after: dict[str, Any] = {"title": title, "description": description or None}
        if self.with_severity:
            after["severity"] = severity.value if severity else None
        self.keeper.sent()
        self.dismiss({k: v for k, v in after.items() if v != self.before[k]})


def open_edit(app: App[Any], ctx: UiContext, incident_id: str) -> None:
    """Show the dialog; changes are queued through the intents."""

    blink = bool(getattr(app, "cursor_blink", True))
    screen = EditScreen(ctx, incident_id, blink=blink)

    def saved(changes: dict[str, Any] | None) -> None:
        if changes:
            drafts = ctx.services.drafts
            ctx.intents.edit(
                incident_id,
                changes,
                read=screen.read,
                done=lambda: drafts.drop(edit_draft_key(incident_id)),
            )

    app.push_screen(screen, saved)


def edit_draft_key(incident_id: str) -> str:
    """Where an unsaved edit of ``incident_id`` waits in the drafts."""
    return f"edit:{incident_id}"
