"""The comment dialog: a multi-line box; ctrl+s sends, escape cancels, empty is refused.
Unsent text is kept as a draft (:mod:`incident_tui.ui.drafts`) and comes back next time.

Where the remote tells internal notes from public ones (OneUptime's status-page notes) a
checkbox under the box chooses; it starts unticked, so nothing goes public by accident.
"""

from __future__ import annotations

from typing import Any, ClassVar, NamedTuple

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Checkbox, Static, TextArea

from incident_tui.domain.capabilities import Capability
from incident_tui.domain.text import clean
from incident_tui.ui.context import UiContext
from incident_tui.ui.draft_keeper import DraftKeeper
from incident_tui.ui.drafts import Drafts, Fields
from incident_tui.ui.gone import kept_from_cancel, send_target
from incident_tui.ui.services import Services
from incident_tui.ui.widgets.text_box import WRAP_OFF_NOTE, TextBox
from incident_tui.ui.widgets.ticks import TickBox


class NewComment(NamedTuple):
    """What the dialog returns: the text and whether it is a public note."""

    body: str
    public: bool = False


class CommentScreen(ModalScreen[NewComment | None]):
    """Write one comment; dismissed with it, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    CommentScreen #comment-public {
        margin-top: 1;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Send", id="submit"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(
        self,
        incident_id: str,
        title: str,
        *,
        blink: bool = True,
        public_option: bool = False,
        drafts: Drafts | None = None,
        name: str = "",
        services: Services | None = None,
    ) -> None:
        """``name`` is what the heading calls the incident (``Services.name_of``), the
        cleaned id when not given. With ``services``, sending first checks that the
        incident is still in the cache (:mod:`incident_tui.ui.gone`)."""
        super().__init__()
        self.incident_id = incident_id
        """The incident to send to: the remote's id once a create made here was sent."""
        self.services = services
        self.gone = False
        """The incident went from the cache while the dialog was open: nothing can be sent."""
        self.incident_title = title
        self.incident_name = name or clean(incident_id, single_line=True)
        self.blink = blink
        self.public_option = public_option
        """Whether to offer the public / internal choice."""
        # A draft written while the incident had its local id is found under the remote's.
        former = services.reader.former_ids(incident_id) if services is not None else []
        self.keeper = DraftKeeper(
            self, drafts, comment_draft_key(incident_id), self._fields,
            former=[comment_draft_key(old) for old in former],
        )

    def compose(self) -> ComposeResult:
        """Heading, text box, the public toggle where it applies, and a key hint."""
        # Heading and hint are docked and the rest scrolls (see the form dialogs): on a short
        # terminal the hint stays in view.
        with VerticalScroll(id="comment-dialog", classes="dialog scroll-dialog", can_focus=False):
            yield Static(
                Content.assemble(
                    ("Comment on ", "bold"),
                    (self.incident_name, "bold $primary"),
                    "  ",
                    clean(self.incident_title, single_line=True)[:120],
                ),
                classes="dialog-heading",
            )
            area = TextBox(id="comment-body", tab_behavior="focus", soft_wrap=True)
            area.cursor_blink = self.blink
            yield area
            hint = "ctrl+s send · escape keep draft"
            if self.public_option:
                yield TickBox(
                    "Public note (shown on the status page)", id="comment-public", compact=True
                )
                hint += " · tab, then space: public"
            yield Static(Content.styled(hint, "$foreground-muted"), classes="dialog-hint")

    def on_mount(self) -> None:
        """Type straight away, after the draft kept from last time if there is one."""
        area = self.query_one(TextArea)
        area.focus()
        saved = self.keeper.saved()
        if saved:
            area.text = str(saved.get("body") or "")
            area.move_cursor(area.document.end)
            if self.public_option:
                self.query_one("#comment-public", TickBox).value = bool(saved.get("public"))
            self.notify("Your unsent comment is back.", markup=False, timeout=3)

    @on(TextBox.WrapChanged)
    def _note_wrap(self, event: TextBox.WrapChanged) -> None:
        event.box.border_subtitle = "" if event.wrapped else WRAP_OFF_NOTE

    def _fields(self) -> Fields:
        return {"body": self.query_one(TextArea).text, "public": self.public}

    @on(TextArea.Changed)
    @on(Checkbox.Changed)
    def _field_changed(self) -> None:
        self.keeper.changed()

    @property
    def public(self) -> bool:
        """Whether the comment is to be a public note."""
        if not self.public_option:
            return False
        return bool(self.query_one("#comment-public", TickBox).value)

    def action_submit(self) -> None:
        """Send the comment, unless it is empty."""
        text = self.query_one(TextArea).text
        if not text.strip():
            self.notify("A comment cannot be empty.", severity="warning", markup=False)
            return
        if self.services is not None:
            now = send_target(
                self, self.services, self.incident_id, self.incident_name, "the comment"
            )
            if now is None:
                # Kept open: closing would take the text out of sight for good.
                self.gone = True
                return
            self.incident_id = now
        self.keeper.sent()
        self.dismiss(NewComment(text, self.public))

    def action_cancel(self) -> None:
        """Close without sending (what was typed stays as a draft; said unless the
        incident is gone, when no dialog can bring it back). Text written on an incident
        that went meanwhile keeps the dialog open once, saying so: it cannot come back."""
        if (
            not self.gone
            and self.services is not None
            and self.query_one(TextArea).text.strip()
            and kept_from_cancel(
                self, self.services, self.incident_id, self.incident_name, "the comment"
            )
        ):
            self.gone = True
            return
        self.keeper.cancelled(say=not self.gone)
        self.dismiss(None)


def comment_draft_key(incident_id: str) -> str:
    """Where a comment on ``incident_id`` waits in the drafts."""
    return f"comment:{incident_id}"


def open_comment(app: App[Any], ctx: UiContext, incident_id: str, title: str) -> None:
    """Show the dialog; a sent comment is queued through the intents."""

    services = ctx.services
    drafts = services.drafts

    def sent(comment: NewComment | None) -> None:
        if comment is not None:
            ctx.intents.comment(
                screen.incident_id,
                comment.body,
                public=comment.public,
                done=lambda: drafts.drop(comment_draft_key(incident_id)),
            )

    blink = bool(getattr(app, "cursor_blink", True))
    public_option = services.can(services.kind_of(incident_id), Capability.PUBLIC_NOTES)
    screen = CommentScreen(
        incident_id, title, blink=blink, public_option=public_option, drafts=drafts,
        name=services.name_of(incident_id), services=services,
    )
    app.push_screen(screen, sent)
