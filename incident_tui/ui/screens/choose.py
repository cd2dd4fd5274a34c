"""A picker: one question and a list of lines to choose from (which attachment to download,
which comment to delete). Enter picks the highlighted line, escape cancels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option


class ChooseScreen(ModalScreen[int | None]):
    """Dismissed with the index of the chosen line, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    ChooseScreen #choose-list {
        height: auto;
        max-height: 16;
        border: none;
        padding: 0;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="choose_cancel"),
    ]

    def __init__(self, question: Content, choices: Sequence[Content]) -> None:
        """``question`` and ``choices`` are built from cleaned text by the caller."""
        super().__init__()
        self.question = question
        self.choices = list(choices)

    def compose(self) -> ComposeResult:
        """The question, the lines and the keys."""
        with Vertical(id="choose-dialog", classes="dialog"):
            yield Static(self.question, classes="dialog-heading")
            yield OptionList(
                *(Option(choice, id=str(index)) for index, choice in enumerate(self.choices)),
                id="choose-list",
            )
            yield Static(
                Content.styled("↑ ↓ move · enter choose · escape cancel", "$foreground-muted"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Arrow keys move in the list straight away."""
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a line chooses it."""
        event.stop()
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
