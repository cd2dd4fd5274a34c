"""The edit dialog: change title, description and (where the remote has one) severity."""

from __future__ import annotations

from typing import Any

from textual import work
from textual.app import App
from textual.content import Content
from textual.worker import Worker

from incident_tui.domain.capabilities import Capability, description_unread
from incident_tui.domain.model import EDITABLE_FIELDS, Severity
from incident_tui.domain.text import clean
from incident_tui.store.reader import Detail
from incident_tui.ui.context import UiContext
from incident_tui.ui.drafts import Fields
from incident_tui.ui.gone import kept_from_cancel, send_target
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
            clearable=ctx.services.can(kind, Capability.CLEAR_SEVERITY),
            drafts=ctx.services.drafts,
            draft_key=edit_draft_key(incident_id),
            # A draft written while the incident had its local id is found under the remote's.
            former_keys=[
                edit_draft_key(old) for old in ctx.services.reader.former_ids(incident_id)
            ],
        )
        self.ctx = ctx
        self.incident_id = incident_id
        """The incident to save to: the remote's id once a create made here was sent."""
        self.incident_name = ctx.services.name_of(incident_id)
        self.gone = False
        """The incident went from the cache while the dialog was open: nothing can be sent."""
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
        current = {name: detail.incident.get(name) for name in EDITABLE_FIELDS}
        self.read = dict(current)
        self.before = shown(current)
        saved = self.keeper.saved()
        back = self._take_draft(saved) if saved else {}
        values = {**self.before, **back}
        self.fill(str(values["title"] or ""), str(values["description"] or ""), values["severity"])
        if description_unread(detail.incident):
            self.note_description_unread()
        if back:
            self.notify(self._back_notice(list(back), shown(current)), markup=False, timeout=6)

    def _take_draft(self, saved: Fields) -> dict[str, Any]:
        """The fields a kept draft changed, as typed, each one's base taken from the draft:
        what it was written against, not what a sync brought since (that is for the user to
        settle when it is sent). The other fields stay as the incident has them now, so a
        colleague's change to them is never sent back over."""
        assert self.before is not None
        kept = saved.get("read")
        # A draft kept without its base: what it differs from now is what it changed.
        base = kept if isinstance(kept, dict) else dict(self.read)
        was = shown(base)
        typed: Fields = {"title": saved.get("title"), "description": saved.get("description")}
        if self.with_severity and "severity" in saved:
            typed["severity"] = saved["severity"] if saved["severity"] in SEVERITIES else None
            if typed["severity"] is None and not self.clearable:
                del typed["severity"]  # kept before "none" was refused here: not offered
        differ = compared(typed)
        back = {name: value for name, value in typed.items() if differ[name] != was[name]}
        for name in back:
            self.read[name] = base.get(name)
            self.before[name] = was[name]
        return back

    def _back_notice(self, changed: list[str], now: dict[str, Any]) -> str:
        """``Your unsaved edit is back.``, and which of its fields the remote changed since
        it was written (saving then asks which to keep)."""
        assert self.before is not None
        moved = [name for name in changed if now[name] != self.before[name]]
        if not moved:
            return "Your unsaved edit is back."
        what = " and ".join(moved)
        return (
            f"Your unsaved edit is back. Its {what} changed on the remote since you wrote it: "
            "saving asks which to keep."
        )

    def draft_fields(self) -> Fields | None:
        """The fields while they differ from what the dialog was filled from (``None`` until
        the incident is read), with the values they were written against (``read``)."""
        if self.before is None:
            return None
        fields = self.fields()
        same = all(value == self.before[name] for name, value in compared(fields).items())
        return {} if same else {**fields, "read": dict(self.read)}

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
        changes = {k: v for k, v in after.items() if v != self.before[k]}
        refused = self._severity_refused(changes.get("severity"))
        if refused:
            # Kept open with the text: queued, the change would only be refused at the sync.
            self.notify(refused, severity="warning", markup=False, timeout=8)
            return
        if changes:
            services = self.ctx.services
            now = send_target(self, services, self.incident_id, self.incident_name, "the edit")
            if now is None:
                # Kept open: closing would take the text out of sight for good.
                self.gone = True
                return
            self.incident_id = now
        self.keeper.sent()
        self.dismiss(changes)

    def _severity_refused(self, severity: str | None) -> str | None:
        """Why the remote cannot be sent ``severity`` (the new one, if it changed), as the
        config tells (a Kitehouse severity without a configured priority id)."""
        if severity is None:
            return None
        settings = self.ctx.services.settings_if_valid()
        config = settings.configured(self.incident_id.partition(":")[0]) if settings else None
        if config is None:
            return None
        from incident_tui.remote.create_refusal import severity_refused

        return severity_refused(config, severity)

    def action_cancel(self) -> None:
        """Close without saving (what was typed stays as a draft; said unless the incident
        is gone, when no dialog can bring it back). A change written on an incident that
        went meanwhile keeps the dialog open once, saying so: it cannot come back."""
        if (
            not self.gone
            and self.draft_fields()
            and kept_from_cancel(
                self, self.ctx.services, self.incident_id, self.incident_name, "the edit"
            )
        ):
            self.gone = True
            return
        self.keeper.cancelled(say=not self.gone)
        self.dismiss(None)


def open_edit(app: App[Any], ctx: UiContext, incident_id: str) -> None:
    """Show the dialog; changes are queued through the intents."""

    blink = bool(getattr(app, "cursor_blink", True))
    screen = EditScreen(ctx, incident_id, blink=blink)

    def saved(changes: dict[str, Any] | None) -> None:
        if changes:
            drafts = ctx.services.drafts
            ctx.intents.edit(
                screen.incident_id,
                changes,
                read=screen.read,
                done=lambda: drafts.drop(edit_draft_key(incident_id)),
            )

    app.push_screen(screen, saved)


def edit_draft_key(incident_id: str) -> str:
    """Where an unsaved edit of ``incident_id`` waits in the drafts."""
    return f"edit:{incident_id}"


SEVERITIES = frozenset(s.value for s in Severity)
"""The severities a kept draft may hold (a damaged one brings back none)."""


def shown(values: dict[str, Any]) -> dict[str, Any]:
    """The editable fields as the dialog shows them: cleaned, because what the user edits is
    what they saw (and saving writes the clean text); an empty description is none."""
    return {
        "title": clean(values.get("title"), single_line=True),
        "description": clean(values.get("description")) or None,
        "severity": values.get("severity"),
    }


def compared(fields: Fields) -> dict[str, Any]:
    """A form's fields as they are compared with what it was filled from (:func:`shown`):
    the title without the spaces around it, an empty description none."""
    values = {
        "title": str(fields.get("title") or "").strip(),
        "description": str(fields.get("description") or "") or None,
    }
    if "severity" in fields:
        values["severity"] = fields["severity"]
    return values
