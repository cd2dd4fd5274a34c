"""The detail screen's kind-specific actions: attachments (download, upload, delete) and PDF
export for Kitehouse, attributes for AOH IMS, deleting comments where the remote allows it.

They form a mixin of ``DetailScreen`` (Textual finds ``action_*`` methods by name on the
screen's class and its bases), together with the dialogs only they use: picking one of
several items, confirming, reporting a failure.

Queued changes (upload, deletions, attributes) go through the intents and work offline;
downloads and exports need the remote now and run as the App's transfers
(:mod:`incident_tui.ui.transfers`), so that they finish (and say so) after the screen is
closed, and quitting asks before it drops one. Their failures become error notifications,
never crashes, and never a half-written file (the connectors write to a temporary name
first).
"""

from __future__ import annotations

import mimetypes
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.content import Content

from incident_tui.domain.capabilities import Capability, no_download_route
from incident_tui.domain.sizes import DownloadProgress
from incident_tui.domain.text import clean
from incident_tui.ui.screens import detail_content as render
from incident_tui.ui.transfers import Transfers

if TYPE_CHECKING:
    from textual.screen import Screen

    from incident_tui.store.reader import Detail
    from incident_tui.ui.context import UiContext

    # What the mixin is mixed into, for the type checker; at run time a plain class.
    ScreenBase = Screen[None]
else:
    ScreenBase = object

FEATURES: dict[str, Capability] = {
    "download_attachment": Capability.DOWNLOAD,
    "upload_attachment": Capability.ATTACHMENTS,
    "delete_attachment": Capability.DELETE_ATTACHMENT,
    "delete_comment": Capability.DELETE_COMMENT,
    "set_attribute": Capability.ATTRIBUTES,
    "export_pdf": Capability.PDF_REPORT,
}
"""Kind-specific actions: hidden entirely where the kind lacks them (an AOH incident has no
attachments to speak of), greyed out when there is nothing to act on yet."""


def online_errors() -> tuple[type[Exception], ...]:
    """What a download, export or look-up may fail with, short of a bug."""
    from incident_tui.config_error import ConfigError
    from incident_tui.remote.errors import RemoteError
    from incident_tui.store.actions import ActionError

    return (RemoteError, ActionError, ConfigError, OSError, ValueError)


def possible(action: str, detail: Detail) -> bool:
    """Whether there is something to act on now (a file to download, a comment...)."""
    on_remote = not detail.incident.get("local_only")
    if action == "download_attachment":
        return on_remote and bool(downloadable(detail.attachments, detail.incident.get("kind")))
    if action == "delete_attachment":
        return bool(detail.attachments)
    if action == "delete_comment":
        return bool(detail.comments)
    if action == "export_pdf":
        return on_remote
    return True


def nothing_to(action: str, detail: Detail) -> str | None:
    """Why ``action`` has nothing to act on now (:func:`possible` is false), for the user."""
    not_sent = "This incident is not on the remote yet."
    if action == "download_attachment":
        if detail.incident.get("local_only"):
            return not_sent
        if sent := on_remote_files(detail.attachments):
            # Each is on the remote, and none has a route to download it by.
            return no_download_route(detail.incident.get("kind"), sent[0])
        if detail.attachments:
            return "No attachment of this incident is on the remote yet."
        return "This incident has no attachments."
    if action == "delete_attachment":
        return "This incident has no attachments."
    if action == "delete_comment":
        return "This incident has no comments."
    if action == "export_pdf":
        return not_sent
    return None


def on_remote_files(items: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Attachments the remote has (a queued upload has no remote id yet)."""
    return [a for a in items if a.get("remote_id") and not a.get("pending")]


def downloadable(items: Sequence[Mapping[str, Any]], kind: str | None) -> list[Mapping[str, Any]]:
    """Attachments of an incident of ``kind`` that can be downloaded: those the remote has,
    but not a OneUptime note's file, which has no download route (asking would only fail)."""
    return [a for a in on_remote_files(items) if no_download_route(kind, a) is None]


class FeatureActions(ScreenBase):
    """The kind-specific actions of the detail screen, which holds the incident they act on."""

    ctx: UiContext
    incident_id: str
    detail: Detail | None

    # Attachments and export (Kitehouse) ---------------------------------------------------

    def action_download_attachment(self) -> None:
        """Save an attachment (chosen if there are several) in the download folder."""
        detail = self.detail
        items = downloadable(detail.attachments, detail.incident.get("kind")) if detail else []
        if not items:
            why = nothing_to("download_attachment", detail) if detail else None
            self.notify(why or "No attachment of this incident is on the remote yet.",
                        markup=False)
            return
        self._pick(
            self._question("Download which attachment of "),
            items,
            render.attachment_choice,
            self._download,
        )

    def _download(self, item: Mapping[str, Any]) -> None:
        """Download one attachment, unless it is still downloading."""
        name = clean(item.get("name"), single_line=True)[:120]
        progress = DownloadProgress(name=name, remote=self.incident_id.partition(":")[0])
        self._transfers().start_transfer(
            # Keyed by the full id: the short name of two incidents can be the same.
            f"Downloading attachment {clean(str(item['remote_id']), single_line=True)} of "
            f"{clean(self.incident_id, single_line=True)}",
            f"Already downloading {name}…",
            lambda: self._fetch_attachment(item, progress),
            progress,
        )

    async def _fetch_attachment(self, item: Mapping[str, Any], progress: DownloadProgress) -> None:
        """Fetch one attachment through the remote (async worker on the App's loop)."""
        name = progress.name
        self.notify(f"Downloading {name}…", timeout=2, markup=False)
        try:
            path = await self.ctx.services.online().download(
                self.incident_id, str(item["remote_id"]), progress=progress
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
                self._incident_name(),
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
        progress = DownloadProgress(remote=self.incident_id.partition(":")[0])
        self._transfers().start_transfer(
            f"Saving the PDF report of {clean(self.incident_id, single_line=True)}",
            "Already saving the PDF report…",
            lambda: self._export_pdf(progress),
            progress,
        )

    async def _export_pdf(self, progress: DownloadProgress) -> None:
        """Fetch and save the PDF (async worker on the App's loop)."""
        self.notify("Exporting PDF…", timeout=2, markup=False)
        try:
            path = await self.ctx.services.online().export_pdf(self.incident_id, progress=progress)
        except online_errors() as error:
            self._failed("Cannot export the PDF", error)
            return
        self.notify(clean(str(path)), title="PDF saved", timeout=8, markup=False)

    def _transfers(self) -> Transfers:
        """The App, which runs downloads and exports past this screen's closing."""
        app = self.app
        assert isinstance(app, Transfers)
        return app

    # Comments and attributes --------------------------------------------------------------

    def shown_comments(self) -> Sequence[Mapping[str, Any]]:
        """The comments the screen shows: those a comment is picked from."""
        return self.detail.comments if self.detail else []

    def action_delete_comment(self) -> None:
        """Delete a comment (chosen if there are several of those shown), after asking."""
        items = list(self.shown_comments())
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

    # Dialogs ------------------------------------------------------------------------------

    def _blink(self) -> bool:
        return bool(getattr(self.app, "cursor_blink", True))

    def _incident_name(self) -> str:
        """What dialogs and notices call this incident: ``kitehouse 1061``."""
        return self.ctx.services.name_of(self.incident_id)

    def _question(self, lead: str, tail: str = "?") -> Content:
        return Content.assemble((lead, "bold"), (self._incident_name(), "bold $primary"), tail)

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
