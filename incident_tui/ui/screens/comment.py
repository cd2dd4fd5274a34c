"""The comment dialog: a multi-line box; ctrl+s sends, escape cancels, empty is refused."""

from __future__ import annotations

from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from incident_tui.domain.text import clean
from incident_tui.ui.context import UiContext


class CommentScreen(ModalScreen[str | None]):
    """Write one comment; dismissed with the text, or ``None`` when cancelled."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Send", id="submit"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, incident_id: str, title: str, *, blink: bool = True) -> None:
        super().__init__()
        self.incident_id = incident_id
        self.incident_title = title
        self.blink = blink

    def compose(self) -> ComposeResult:
        """Heading, text box and a key hint."""
        with Vertical(id="comment-dialog", classes="dialog"):
            yield Static(
                Content.assemble(
                    ("Comment on ", "bold"),
                    (clean(self.incident_id, single_line=True), "bold $primary"),
                    "  ",
                    clean(self.incident_title, single_line=True)[:120],
                ),
                classes="dialog-heading",
            )
            area = TextArea(id="comment-body", tab_behavior="focus", soft_wrap=True)
            area.cursor_blink = self.blink
            yield area
            yield Static(
                Content.styled("ctrl+s send · escape cancel", "$foreground-muted"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type straight away."""
        self.query_one(TextArea).focus()

    def action_submit(self) -> None:
        """Send the comment, unless it is empty."""
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("A comment cannot be empty.", severity="warning", markup=False)
            return
        self.dismiss(text)

    def action_cancel(self) -> None:
        """Close without sending."""
        self.dismiss(None)


def open_comment(app: App[Any], ctx: UiContext, incident_id: str, title: str) -> None:
    """Show the dialog; a sent comment is queued through the intents."""

    def sent(body: str | None) -> None:
        if body is not None:
            ctx.intents.comment(incident_id, body)

    blink = bool(getattr(app, "cursor_blink", True))
    app.push_screen(CommentScreen(incident_id, title, blink=blink), sent)
