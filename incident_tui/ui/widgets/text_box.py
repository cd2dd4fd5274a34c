"""A multi-line text box that stops wrapping while one of its lines is very long.

Textual's ``TextArea`` wraps the whole line again at every key typed in it, and draws each
row of a wrapped line by cutting up the whole line: with a description of one 1 MB word a
key took 3-4 s and opening the dialog 4-5 s. Unwrapped, a key there costs ~0.1 s. The box
wraps again once no line is that long (the long one deleted, a paste undone).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.message import Message
from textual.widgets import TextArea
from textual.widgets.text_area import Edit, EditResult

LONG_LINE = 10_000
"""Characters in one line past which the box does not wrap. Below it wrapping costs a key
~30 ms at most (Textual 8.2 on a slow machine); past ~30,000 the keys lag."""
WRAP_OFF_NOTE = f"over {LONG_LINE:,} chars: not wrapped, scroll sideways"
"""What the dialogs say beside a box that stopped wrapping."""


def longest_line(text: str) -> int:
    """Characters in the longest line of ``text``, its lines split as a ``TextArea`` does."""
    return max(map(len, text.splitlines()), default=0)


class TextBox(TextArea):
    """A ``TextArea`` that wraps (when asked to) only while every line is at most
    :data:`LONG_LINE` characters; :class:`WrapChanged` tells its screen when that changes."""

    class WrapChanged(Message):
        """The box stopped wrapping because of a long line, or wraps again."""

        def __init__(self, box: TextBox, wrapped: bool) -> None:
            """``wrapped``: whether the box wraps now."""
            super().__init__()
            self.box = box
            self.wrapped = wrapped

        @property
        def control(self) -> TextBox:
            """The box that changed (for ``@on(..., selector)``)."""
            return self.box

    def __init__(self, *, soft_wrap: bool = True, **kwargs: Any) -> None:
        """As ``TextArea``; ``soft_wrap`` is what the box does while no line is too long."""
        super().__init__(soft_wrap=soft_wrap, **kwargs)
        self.wrap_wanted = soft_wrap
        self.long_line = False
        """Whether a line of more than :data:`LONG_LINE` characters keeps it from wrapping."""

    def _fit_wrap(self, longest: int) -> None:
        """Wrap or not, for a longest line of ``longest`` characters."""
        long_line = longest > LONG_LINE
        if long_line == self.long_line:
            return
        self.long_line = long_line
        wrap = self.wrap_wanted and not long_line
        if self.soft_wrap != wrap:
            if self.is_mounted:
                self.soft_wrap = wrap
            else:
                self.set_reactive(TextArea.soft_wrap, wrap)
        self.post_message(self.WrapChanged(self, wrapped=wrap))

    def _longest(self) -> int:
        return max(map(len, self.document.lines), default=0)

    def load_text(self, text: str) -> None:
        """Replace the text, having stopped wrapping first if a line of it is too long
        (wrapping it once would cost as much as several keys)."""
        self._fit_wrap(longest_line(text))
        super().load_text(text)

    def _stop_wrapping_for(self, spans: Iterable[tuple[int, int, str]]) -> None:
        """Stop wrapping before ``text`` replaces rows ``top`` to ``bottom`` (each of
        ``spans``) when the line that makes may be too long."""
        lines = self.document.lines
        reach = 0
        for top, bottom, text in spans:
            put = longest_line(text) if len(text) > LONG_LINE else len(text)
            if bottom < len(lines):
                # What stays of the first and last lines edited joins the text put in.
                put += len(lines[top]) + (len(lines[bottom]) if bottom != top else 0)
            reach = max(reach, put)
        if reach > LONG_LINE:
            self._fit_wrap(reach)

    def edit(self, edit: Edit) -> EditResult:
        """Make the edit; wrapping is turned off before it when the line it makes may be too
        long (a paste), and on again after it when no line is."""
        self._stop_wrapping_for([(edit.top[0], edit.bottom[0], edit.text)])
        result = super().edit(edit)
        self._fit_wrap(self._longest())
        return result

    def undo(self) -> None:
        """Undo, then wrap or not for the text it brought back. Wrapping stops first when
        that text makes a line too long (a huge line deleted comes back): wrapped once, it
        kept the keys waiting 2-3 s."""
        batches = self.history.undo_stack
        if batches:
            self._stop_wrapping_for(
                (edit.top[0], edit._edit_result.end_location[0], edit._edit_result.replaced_text)
                for edit in batches[-1]
                if edit._edit_result is not None
            )
        super().undo()
        self._fit_wrap(self._longest())

    def redo(self) -> None:
        """Redo, then wrap or not for the text it brought back, as :meth:`undo` does (a huge
        paste undone, then redone)."""
        batches = self.history.redo_stack
        if batches:
            self._stop_wrapping_for(
                (edit.top[0], edit.bottom[0], edit.text) for edit in batches[-1]
            )
        super().redo()
        self._fit_wrap(self._longest())
