"""What the terminal shows, row by row, as the App wrote it: so rows an update would write
exactly as they are already shown are not sent down the link.

Textual repaints more than changes. Leaving the detail wrote the list in full twice (once as
the list is back on top, again once the detail is removed) with its footer three times in
between; an idle screen's footer is written again at each rebuild of its hints. Over a slow
SSH link each full frame of an 80x24 list is ~7 KB, and these repeats were about half of what
opening and leaving a screen wrote.

Rows are compared as their segments (text and style, adjacent equal styles merged), so a row
Textual cut into other pieces compares equal all the same. A whole-screen update is cut down
to the rows that differ; a row only partly written by an update is not known any more and is
written again next time.
"""

from __future__ import annotations

from collections.abc import Iterable

from rich.console import Console, ConsoleOptions, RenderableType, RenderResult
from rich.control import Control
from rich.segment import Segment
from textual._compositor import ChopsUpdate, CompositorUpdate, LayoutUpdate
from textual.geometry import Offset
from textual.strip import Strip

Row = tuple[tuple[str, object], ...]
"""A row as shown: each run of text with its style."""


def _row(strips: Iterable[Strip]) -> Row:
    return tuple(
        (segment.text, segment.style)
        for segment in Segment.simplify(segment for strip in strips for segment in strip)
    )


def rows_of(update: object, width: int) -> dict[int, Row | None] | None:
    """The rows ``update`` writes, each as it will show (``None``: written in part only);
    ``None`` for an update of another kind (everything it touches is then unknown)."""
    if isinstance(update, LayoutUpdate):
        region = update.region
        whole = region.x == 0 and region.width >= width
        return {
            y: _row(line) if whole else None
            for y, line in enumerate(update.strips, region.y)
        }
    if isinstance(update, ChopsUpdate):
        rows: dict[int, Row | None] = {}
        for y, x1, x2 in update.spans:
            chops = update.chops[y]
            strips = [chops[x] for x in sorted(chops)]
            whole = x1 == 0 and x2 >= width and all(strip is not None for strip in strips)
            rows[y] = _row(s for s in strips if s is not None) if whole else None
        return rows
    return None


class RowsUpdate(CompositorUpdate):
    """Whole rows of a screen update, the others left as the terminal shows them."""

    def __init__(self, rows: list[tuple[int, list[Strip]]], width: int) -> None:
        self.rows = rows
        self.spans = [(y, 0, width) for y, _ in rows]
        """The rows written, as :class:`ChopsUpdate` gives them."""

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        """The rows as segments, each after a move to its first column."""
        for y, line in self.rows:
            yield Control.move_to(0, y).segment
            for strip in line:
                yield from strip

    def render_segments(self, console: Console) -> str:
        """The rows as terminal output: each from its first column."""
        return "".join(
            Control.move_to(0, y).segment.text + "".join(strip.render(console) for strip in line)
            for y, line in self.rows
        )


class WrittenRows:
    """The rows the terminal shows now, as far as known from what was written."""

    def __init__(self) -> None:
        self._rows: dict[int, Row] = {}
        self._cursor: Offset | None = None

    def forget(self) -> None:
        """The terminal may show anything now (a resize, back from a suspend): every row
        is written again."""
        self._rows.clear()
        self._cursor = None

    def needed(
        self, update: RenderableType, width: int, cursor: Offset
    ) -> RenderableType | None:
        """What of ``update`` must be written: ``None`` when it would leave the terminal
        as it is, the rows that change of a whole-screen update, else all of it. What is
        returned is taken as written."""
        rows = rows_of(update, width)
        if rows is None:
            self.forget()
            return update
        changed = [
            y for y, row in rows.items() if row is None or self._rows.get(y) != row
        ]
        if not changed and cursor == self._cursor:
            return None
        for y, row in rows.items():
            if row is None:
                self._rows.pop(y, None)
            else:
                self._rows[y] = row
        self._cursor = cursor
        if isinstance(update, LayoutUpdate) and len(changed) < len(rows):
            if all(rows[y] is not None for y in changed):
                top = update.region.y
                return RowsUpdate([(y, list(update.strips[y - top])) for y in changed], width)
        return update
