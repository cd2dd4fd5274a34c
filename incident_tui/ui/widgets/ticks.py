"""Check boxes that read without colour: an unticked box is empty.

Textual draws every box with an ``X`` and tells ticked from unticked by colour alone, which
is lost on a monochrome terminal, under ``NO_COLOR`` and to colour-blind eyes."""

from __future__ import annotations

from rich.segment import Segment
from textual.strip import Strip
from textual.widgets import Checkbox, SelectionList
from textual.widgets.option_list import OptionDoesNotExist
from textual.widgets.selection_list import SelectionType

EMPTY = " "
"""What an unticked box holds instead of the ``X``."""


class TickBox(Checkbox):
    """A checkbox whose box is empty when unticked."""

    def on_mount(self) -> None:
        """Follow the value with the box's mark (Textual's ``BUTTON_INNER``)."""
        self.watch(self, "value", self._mark, init=True)

    def _mark(self, value: bool) -> None:
        # An instance attribute over the class's: the box is drawn from it on every render.
        self.BUTTON_INNER = Checkbox.BUTTON_INNER if value else EMPTY


class TickList(SelectionList[SelectionType]):
    """A selection list whose boxes are empty when unticked."""

    def render_line(self, y: int) -> Strip:
        """The line as the selection list draws it, with the mark blanked when unticked."""
        line = super().render_line(y)
        try:
            option = self.get_option_at_index(self.scroll_offset.y + y)
        except OptionDoesNotExist:
            return line
        if option.value in self.selected:
            return line
        # SelectionList puts the box first: left edge, mark, right edge, then the prompt.
        segments = list(line)
        text, style, control = segments[1]
        segments[1] = Segment(EMPTY * len(text), style, control)
        return Strip(segments, line.cell_length)
