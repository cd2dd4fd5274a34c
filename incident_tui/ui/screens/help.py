"""The help screen: every key in force (the user's overrides included) and what it does."""

from __future__ import annotations

from collections.abc import Mapping
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from incident_tui.keymap import keys_of
from incident_tui.ui.keys import BY_ID, HELP_TEXT, KEYS, effective_keys

KEY_NAMES = {"question_mark": "?", "slash": "/", "escape": "esc", "enter": "enter"}


def key_label(keys: str) -> str:
    """Keys as people write them (``question_mark`` is ``?``)."""
    return ", ".join(KEY_NAMES.get(k, k) for k in keys_of(keys))


def help_content(keymap: Mapping[str, str]) -> Content:
    """The table of keys: key, what it does, where it works."""
    keys = effective_keys(keymap)
    rows = [
        Content.assemble(
            (key_label(keys[key.id]).ljust(10), "bold $accent"),
            HELP_TEXT[key.id].ljust(44),
            (key.where, "$foreground-muted"),
        )
        for key in KEYS
    ]
    rows += [
        Content(""),
        Content.assemble(("ctrl+p".ljust(10), "bold $accent"), "command palette: actions, themes"),
        Content.assemble(("↑ ↓ pgup pgdn home end".ljust(24), "bold $accent"), "move in the list"),
    ]
    return Content("\n").join(rows)


class HelpScreen(ModalScreen[None]):
    """Keys and what they do; escape, q or the help key (? unless rebound) closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="help_close"),
        # The App's help binding does not reach a modal screen; this one has its id, so the
        # user's keymap moves it too and the key that opened the help also closes it.
        Binding(BY_ID["help"].key, "close", "Close", show=False, id="help"),
    ]

    def __init__(self, keymap: Mapping[str, str]) -> None:
        super().__init__()
        self.keymap = dict(keymap)

    def compose(self) -> ComposeResult:
        """Heading and the scrollable table."""
        with Vertical(id="help-dialog", classes="dialog"):
            yield Static(Content.styled("Keys", "bold"), classes="dialog-heading")
            with VerticalScroll(id="help-body"):
                yield Static(help_content(self.keymap), id="help-table")
            yield Static(Content.styled("escape close", "$foreground-muted"),
                         classes="dialog-hint")

    def on_mount(self) -> None:
        """Arrow keys scroll the table."""
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss(None)
