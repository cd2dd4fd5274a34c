"""The detail screen: one incident with every field, its timeline and its local state.

Read in a worker thread (``Reader.detail``) and re-read when the incident changes; actions
(acknowledge, resolve, reopen, comment, edit, delete) work here as on the list, plus what
only some kinds can do: attachments (download, upload, delete) and PDF export for Kitehouse,
attributes for AOH IMS, deleting comments where the remote allows it.

Queued changes (upload, deletions, attributes) go through the intents and work offline;
downloads and exports need the remote now and run as async workers on the App's loop, where
the connectors live. Their failures become error notifications, never crashes, and never a
half-written file (the connectors write to a temporary name first).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
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
from incident_tui.ui.messages import Changed, deliver_latest, forward_worker_failure
from incident_tui.ui.screens import detail_content as render
from incident_tui.ui.unavailable import capability_keys, explain_key

CAPABILITY: dict[str, Capability] = {
    "acknowledge": Capability.ACKNOWLEDGE,
    "resolve": Capability.RESOLVE,
    "reopen": Capability.REOPEN,
    "comment": Capability.COMMENT,
    "edit": Capability.EDIT,
    "delete": Capability.DELETE,
}
"""Common actions: greyed out (shown dim) where the kind lacks them."""

FEATURES: dict[str, Capability] = {
    "download_attachment": Capability.DOWNLOAD,
    "upload_attachment": Capability.ATTACHMENTS,
    "delete_attachment": Capability.ATTACHMENTS,
    "delete_comment": Capability.DELETE_COMMENT,
    "set_attribute": Capability.ATTRIBUTES,
    "export_pdf": Capability.PDF_REPORT,
}
"""Kind-specific actions: hidden entirely where the kind lacks them (an AOH incident has no
attachments to speak of), greyed out when there is nothing to act on yet."""


SECTIONS: tuple[tuple[str, str], ...] = (
    ("detail-title", ""),
    ("detail-fields", "Incident"),
    ("detail-kind", ""),
    ("detail-description", "Description"),
    ("detail-conflict", "Conflict"),
    ("detail-changes", "Queued changes"),
    ("detail-comments", "Comments"),
    ("detail-attachments", "Attachments"),
    ("detail-custom", "Custom fields"),
    ("detail-extra", "Remote fields"),
)

DUE_REFRESH = 30.0
"""Seconds between redraws of a promised update's countdown (it turns red when late)."""


def online_errors() -> tuple[type[Exception], ...]:
    """What a download, export or look-up may fail with, short of a bug."""
    from incident_tui.config import ConfigError
    from incident_tui.remote.errors import RemoteError
    from incident_tui.store.actions import ActionError

    return (RemoteError, ActionError, ConfigError, OSError, ValueError)


class DetailScreen(Screen[None]):
    """Everything about one incident."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(
            "acknowledge",
            "resolve",
            "comment",
            "reopen",
            "edit",
            "delete",
            "download",
            "upload",
            "delete_attachment",
            "export_pdf",
            "attribute",
            "delete_comment",
            "back",
        )
    ]

    def __init__(self, ctx: UiContext, incident_id: str) -> None:
        super().__init__()
        self.ctx = ctx
        self.incident_id = incident_id
        self.detail: Detail | None = None
        self._capability_keys = capability_keys(ctx.services.view.keys, CAPABILITY)

    def compose(self) -> ComposeResult:
        """A heading, the scrolling sections and the keys."""
        yield Static(self._heading(False), id="detail-heading")
        with VerticalScroll(id="detail-body"):
            for section_id, heading in SECTIONS:
                section = Static(id=section_id, classes="section")
                if heading:
                    section.border_title = heading
                yield section
        yield Footer()

    def _heading(self, overdue: bool) -> Content:
        parts: list[str | tuple[str, str]] = [("Incident ", "bold"), clean(self.incident_id)]
        if overdue:
            parts.append(("  · update overdue", "bold $error"))
        return Content.assemble(*parts)

    def on_mount(self) -> None:
        """Read the incident and follow changes to it."""
        self.ctx.incidents_changed.subscribe(self, self._changed)
        self.query_one("#detail-body").focus()
        self.set_interval(DUE_REFRESH, self._redraw_due)
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
        deliver_latest(self, self._show, detail)

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
        kind = self.kind
        self._set("detail-title", render.title(incident))
        self._set("detail-fields", render.fields(incident))
        self._draw_kind()
        self._set("detail-description", render.description(incident))
        self._set("detail-conflict", render.conflict(incident))
        self._set("detail-changes", render.changes(detail.changes))
        self._set(
            "detail-comments",
            render.comments(detail.comments),
            f"Comments ({len(detail.comments)})",
            self._hint(("delete_comment", "delete")),
        )
        attachments = render.attachments(detail.attachments)
        if not attachments.plain and self._supports("upload_attachment"):
            # Shown even when empty: the section's hint says how to add one.
            attachments = Content.styled("No attachments.", "$foreground-muted")
        self._set(
            "detail-attachments",
            attachments,
            f"Attachments ({len(detail.attachments)})" if detail.attachments else "Attachments",
            self._hint(
                ("download_attachment", "download"),
                ("upload_attachment", "upload"),
                ("delete_attachment", "delete"),
                ("export_pdf", "PDF"),
            ),
        )
        self._set(
            "detail-custom",
            render.attributes(incident),
            render.custom_heading(kind),
            self._hint(("set_attribute", "set")),
        )
        self._set("detail-extra", render.remote_fields(incident))

    def _draw_kind(self) -> None:
        """The kind's own section, against the clock (a promised update may be late)."""
        if self.detail is None:
            return
        now = self.ctx.services.clock()
        incident = self.detail.incident
        self._set(
            "detail-kind",
            render.kind_section(incident, self.detail.comments, now),
            render.kind_title(self.kind),
        )
        self.query_one("#detail-heading", Static).update(
            self._heading(render.overdue(incident, now))
        )

    def _redraw_due(self) -> None:
        if self.detail is not None and render.overdue_known(self.detail.incident):
            self._draw_kind()

    def _set(
        self,
        section_id: str,
        content: Content,
        heading: str | None = None,
        hint: str | None = None,
    ) -> None:
        section = self.query_one(f"#{section_id}", Static)
        section.update(content)
        # Empty optional sections take no room; comments always show (even "No comments.").
        section.display = bool(content.plain.strip())
        if heading is not None:
            section.border_title = heading
        if hint is not None:
            section.border_subtitle = hint

    def _hint(self, *pairs: tuple[str, str]) -> str:
        """``D download · u upload`` for the actions this incident allows now, with the keys
        in force (the user's keymap included)."""
        shown = []
        for action, word in pairs:
            # Only what can be done now: no "delete" under an empty comment list.
            if self.check_action(action, ()) is not True:
                continue
            key = self._key_of(action)
            if key:
                shown.append(f"{key} {word}")
        return " · ".join(shown)

    def _key_of(self, action: str) -> str:
        for active in self.active_bindings.values():
            if active.binding.action == action:
                return self.app.get_key_display(active.binding)
        # Not in the active chain (a dialog is on top): the default key of that command.
        for key in keys.KEYS:
            if key.action == action:
                return self.app.get_key_display(Binding(key.key.split(",")[0], action))
        return ""

    # Keys ---------------------------------------------------------------------------------

    @property
    def kind(self) -> str | None:
        """The remote kind of the incident, once read."""
        return str(self.detail.incident.get("kind")) if self.detail else None

    def _supports(self, action: str) -> bool:
        """Whether this incident's kind has the kind-specific ``action`` at all."""
        return self.ctx.services.can(self.kind, FEATURES[action])

    def on_key(self, event: events.Key) -> None:
        """A greyed-out key says why: this incident's remote kind lacks the action."""
        explain_key(self, event, lambda: self.kind, self._capability_keys)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out what this incident's remote kind cannot do (or everything while loading);
        hide the kind-specific actions of other kinds."""
        capability = CAPABILITY.get(action)
        if capability is None and action not in FEATURES:
            return True
        if self.detail is None:
            return None
        if capability is not None:
            return True if self.ctx.services.can(self.kind, capability) else None
        if not self._supports(action):
            return False
        return True if self._possible(action, self.detail) else None

    def _possible(self, action: str, detail: Detail) -> bool:
        """Whether there is something to act on now (a file to download, a comment...)."""
        on_remote = not detail.incident.get("local_only")
        if action == "download_attachment":
            return on_remote and bool(_downloadable(detail.attachments))
        if action == "delete_attachment":
            return bool(detail.attachments)
        if action == "delete_comment":
            return bool(detail.comments)
        if action == "export_pdf":
            return on_remote
        return True

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
        """Write a comment (a public note, where the remote has them, if ticked)."""
        from incident_tui.ui.screens.comment import open_comment

        open_comment(self.app, self.ctx, self.incident_id, render.body_text(self._title())[:200])

    def action_edit(self) -> None:
        """Edit title, description and severity."""
        from incident_tui.ui.screens.edit import open_edit

        open_edit(self.app, self.ctx, self.incident_id)

    def action_delete(self) -> None:
        """Delete this incident, after asking; back to the list when done."""
        from incident_tui.ui.screens.confirm import confirm_delete

        confirm_delete(self.app, self.ctx, self.incident_id, self._title(), done=self._deleted)

    def _deleted(self) -> None:
        if self.is_current:
            self.app.pop_screen()

    def action_back(self) -> None:
        """Back to the list."""
        self.app.pop_screen()

    # Attachments and export (Kitehouse) ---------------------------------------------------

    def action_download_attachment(self) -> None:
        """Save an attachment (chosen if there are several) in the download folder."""
        items = _downloadable(self.detail.attachments) if self.detail else []
        if not items:
            self.notify("No attachment of this incident is on the remote yet.", markup=False)
            return
        self._pick(
            self._question("Download which attachment of "),
            items,
            render.attachment_choice,
            self._download,
        )

    @work(group="online", exit_on_error=False)
    async def _download(self, item: Mapping[str, Any]) -> None:
        """Fetch one attachment through the remote (async worker on the App's loop)."""
        name = clean(item.get("name"), single_line=True)[:120]
        self.notify(f"Downloading {name}…", timeout=2, markup=False)
        try:
            path = await self.ctx.services.online().download(
                self.incident_id, str(item["remote_id"])
            )
        except online_errors() as error:
            self._failed(f"Cannot download {name}", error)
            return
        self.notify(clean(str(path)), title="Downloaded", timeout=8, markup=False)

    def action_upload_attachment(self) -> None:
        """Ask for a local file and queue uploading it (sent by the next sync)."""
        from incident_tui.ui.screens.path_prompt import PathPromptScreen

        def chosen(path: Path | None) -> None:
            if path is not None:
                content_type = mimetypes.guess_type(path.name)[0]
                self.ctx.intents.attach(self.incident_id, path, content_type)

        heading = self._question("Upload a file to ", "")
        self.app.push_screen(PathPromptScreen(heading, blink=self._blink()), chosen)

    def action_delete_attachment(self) -> None:
        """Delete an attachment (chosen if there are several), after asking."""
        items = list(self.detail.attachments) if self.detail else []
        if not items:
            self.notify("This incident has no attachments.", markup=False)
            return

        def delete(item: Mapping[str, Any]) -> None:
            question = Content.assemble(
                ("Delete the attachment ", "bold"),
                (clean(item.get("name"), single_line=True)[:120] or "?", "bold $error"),
                " of ",
                clean(self.incident_id, single_line=True),
                "?",
            )
            self._confirm(
                question,
                lambda: self.ctx.intents.delete_attachment(self.incident_id, int(item["seq"])),
            )

        self._pick(
            self._question("Delete which attachment of "), items, render.attachment_choice, delete
        )

    def action_export_pdf(self) -> None:
        """Save the remote's PDF report of this incident in the download folder."""
        if self.detail is not None and self.detail.incident.get("local_only"):
            self.notify("This incident is not on the remote yet.", markup=False)
            return
        self._export_pdf()

    @work(group="online", exit_on_error=False)
    async def _export_pdf(self) -> None:
        """Fetch and save the PDF (async worker on the App's loop)."""
        self.notify("Exporting PDF…", timeout=2, markup=False)
        try:
            path = await self.ctx.services.online().export_pdf(self.incident_id)
        except online_errors() as error:
            self._failed("Cannot export the PDF", error)
            return
        self.notify(clean(str(path)), title="PDF saved", timeout=8, markup=False)

    # Comments and attributes --------------------------------------------------------------

    def action_delete_comment(self) -> None:
        """Delete a comment (chosen if there are several), after asking."""
        items = list(self.detail.comments) if self.detail else []
        if not items:
            self.notify("This incident has no comments.", markup=False)
            return

        def delete(item: Mapping[str, Any]) -> None:
            question = Content.assemble(
                ("Delete this comment", "bold $error"),
                " by ",
                (clean(item.get("author"), single_line=True)[:60] or "unknown", "bold"),
                "?\n",
                render.comment_choice(item),
            )
            self._confirm(
                question,
                lambda: self.ctx.intents.delete_comment(self.incident_id, int(item["seq"])),
            )

        self._pick(self._question("Delete which comment of "), items, render.comment_choice, delete)

    def action_set_attribute(self) -> None:
        """Add or change a custom attribute (AOH IMS); queued like every change."""
        from incident_tui.ui.screens.attribute import AttributeScreen

        remote = self.incident_id.partition(":")[0]
        services = self.ctx.services
        current = self.detail.incident.get("custom_fields") if self.detail else None

        def definitions() -> Any:
            return services.online().attribute_definitions(remote)

        def saved(result: tuple[str, Any] | None) -> None:
            if result is not None:
                self.ctx.intents.set_attribute(self.incident_id, *result)

        screen = AttributeScreen(
            self._question("Set an attribute of ", ""),
            current if isinstance(current, Mapping) else {},
            definitions,
            blink=self._blink(),
        )
        self.app.push_screen(screen, saved)

    # Helpers ------------------------------------------------------------------------------

    def _title(self) -> str:
        return str(self.detail.incident.get("title") or "") if self.detail else ""

    def _blink(self) -> bool:
        return bool(getattr(self.app, "cursor_blink", True))

    def _question(self, lead: str, tail: str = "?") -> Content:
        return Content.assemble(
            (lead, "bold"), (clean(self.incident_id, single_line=True), "bold $primary"), tail
        )

    def _pick(
        self,
        question: Content,
        items: Sequence[Mapping[str, Any]],
        line: Callable[[Mapping[str, Any]], Content],
        then: Callable[[Mapping[str, Any]], object],
    ) -> None:
        """``then`` the only item, or the one the user picks from several."""
        from incident_tui.ui.screens.choose import ChooseScreen

        if len(items) == 1:
            then(items[0])
            return

        def chosen(index: int | None) -> None:
            if index is not None:
                then(items[index])

        self.app.push_screen(ChooseScreen(question, [line(item) for item in items]), chosen)

    def _confirm(self, question: Content, yes: Callable[[], None]) -> None:
        from incident_tui.ui.screens.confirm import ConfirmScreen

        def answered(answer: bool | None) -> None:
            if answer:
                yes()

        self.app.push_screen(ConfirmScreen(question), answered)

    def _failed(self, title: str, error: BaseException) -> None:
        # Remote text (an error body, a file name) is never markup and loses its controls.
        self.notify(
            clean(str(error)) or type(error).__name__,
            title=title,
            severity="error",
            timeout=10,
            markup=False,
        )


def _downloadable(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Attachments the remote has (a queued upload has no remote id yet)."""
    return [a for a in items if a.get("remote_id") and not a.get("pending")]
