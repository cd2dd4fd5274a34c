"""A picker: one question and a list of lines to choose from (which attachment to download,
which comment to delete). Enter picks the highlighted line, escape cancels."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from textual import events
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
        border: none;
        padding: 0;
    }
    """

    LIST_ROWS = 16
    """The most lines the list shows at once (it scrolls); fewer when the terminal is short."""
    AROUND = 6
    """Lines the dialog takes around its list: borders, the question, the keys and the gaps
    between them."""

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
        self._fit(self.app.size.height)
        self.query_one(OptionList).focus()

    def on_resize(self, event: events.Resize) -> None:
        """A terminal made shorter (or taller) refits the list."""
        self._fit(event.size.height)

    def _fit(self, height: int) -> None:
        # The list scrolls by itself: below LIST_ROWS + AROUND lines it gives up lines, so
        # the question and the keys' line stay in view (cut off at 60x20 otherwise).
        rows = max(1, min(self.LIST_ROWS, height - self.AROUND))
        self.query_one(OptionList).styles.max_height = rows

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        """Enter (or a click) on a line chooses it."""
        event.stop()
        self.dismiss(event.option_index)

    def action_cancel(self) -> None:
        """Close without choosing."""
        self.dismiss(None)
