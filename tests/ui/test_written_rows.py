"""Rows written as the terminal already shows them are not written again: a whole-screen
update is cut down to the rows that differ, one that changes nothing is dropped, and after a
resize or back from a suspend every row is written again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from textual._compositor import ChopsUpdate, LayoutUpdate
from textual.driver import Driver
from textual.geometry import Offset, Region
from textual.strip import Strip

from incident_tui.ui.written_rows import RowsUpdate, WrittenRows
from tests.ui.test_terminal_quiet import Terminal, drawn

WIDTH = 10


def screen(*lines: str) -> LayoutUpdate:
    """A whole-screen update of ``lines``, each cut in two strips as Textual may."""
    strips = [
        [Strip([Segment(text[:4], Style(bold=True))]), Strip([Segment(text[4:])])]
        for text in lines
    ]
    return LayoutUpdate(strips, Region(0, 0, WIDTH, len(lines)))  # type: ignore[arg-type]


def test_a_screen_written_again_as_it_shows_is_dropped() -> None:
    written = WrittenRows()
    first = screen("incident 1", "incident 2", "keys     q")
    assert written.needed(first, WIDTH, Offset(0, 0)) is first
    assert written.needed(screen("incident 1", "incident 2", "keys     q"), WIDTH, Offset()) is None


def test_a_screen_with_one_row_changed_writes_that_row_alone() -> None:
    written = WrittenRows()
    written.needed(screen("incident 1", "incident 2", "keys     q"), WIDTH, Offset())
    needed = written.needed(screen("incident 1", "incident 3", "keys     q"), WIDTH, Offset())
    assert isinstance(needed, RowsUpdate)
    assert needed.spans == [(1, 0, WIDTH)]
    text = needed.render_segments(Console())
    assert "dent 3" in text and "dent 1" not in text and "dent 2" not in text
    # Rows are compared as they show: the same row cut in other pieces is the same row.
    whole = LayoutUpdate(
        [[Strip([Segment("inc", Style(bold=True)), Segment("i", Style(bold=True))]),
          Strip([Segment("de"), Segment("nt 1")])]],
        Region(0, 0, WIDTH, 1),  # type: ignore[arg-type]
    )
    assert written.needed(whole, WIDTH, Offset()) is None


def test_a_row_written_in_part_is_written_whole_next_time() -> None:
    written = WrittenRows()
    written.needed(screen("incident 1", "incident 2"), WIDTH, Offset())
    part = ChopsUpdate([{0: Strip([Segment("xx")])}, {}], [(0, 0, 2)], [[2], []])
    assert written.needed(part, WIDTH, Offset()) is part
    needed = written.needed(screen("incident 1", "incident 2"), WIDTH, Offset())
    assert isinstance(needed, RowsUpdate) and needed.spans == [(0, 0, WIDTH)]


def test_a_moved_cursor_is_written_with_no_rows() -> None:
    written = WrittenRows()
    written.needed(screen("incident 1"), WIDTH, Offset(0, 0))
    needed = written.needed(screen("incident 1"), WIDTH, Offset(3, 0))
    assert isinstance(needed, RowsUpdate) and needed.spans == []


def test_forgotten_rows_are_all_written_again() -> None:
    written = WrittenRows()
    written.needed(screen("incident 1", "incident 2"), WIDTH, Offset())
    written.forget()
    again = screen("incident 1", "incident 2")
    assert written.needed(again, WIDTH, Offset()) is again


async def test_back_from_a_suspend_the_whole_screen_is_written(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        terminal = Terminal(app)
        for _ in range(5):
            # A row last written in part (the footer's hints, rebuilt at a moment of their
            # own) is not known: a repaint writes it once, then nothing.
            terminal.reset()
            app.screen.refresh()
            await drawn(pilot)
            if not terminal.rows:
                break
        assert terminal.rows == set(), sorted(terminal.rows)  # nothing on screen changed
        # What the driver sends once it starts again after Ctrl-Z and fg, when the terminal
        # may show anything.
        app.post_message(Driver.SignalResume())
        await drawn(pilot)
        assert terminal.rows == set(range(30))
