"""Wrapped comment lines stay inside their comment: a long line continues under its indent,
not at the left edge under the comment's header, at any terminal width."""

from __future__ import annotations

from typing import Any

from textual.content import Content

from incident_tui.clock import fixed_clock
from incident_tui.store.actions import Actions
from incident_tui.ui.widgets.hanging_text import HangingText, hang
from tests.ui.conftest import NOW
from tests.ui.helpers import open_detail

WORDS = "the pump room floods again after the valve was closed by the night shift " * 3


def test_continuation_lines_keep_the_lines_indent() -> None:
    content = Content("12:00  alice\n  " + WORDS.strip() + "\n    step one\n\nno indent")
    lines = hang(content, 30).plain.split("\n")
    assert lines[0] == "12:00  alice"
    body = lines[1 : lines.index("    step one")]
    assert len(body) > 3 and all(line.startswith("  ") and line[2] != " " for line in body)
    assert all(len(line.rstrip()) <= 30 for line in body)
    assert " ".join(line.strip() for line in body) == WORDS.strip()
    # Short lines, blank lines and lines without indent are left as they are.
    assert lines[-3:] == ["    step one", "", "no indent"]


def test_an_indent_of_half_the_width_or_more_is_not_kept() -> None:
    line = Content(" " * 10 + "word " * 10)
    assert hang(line, 20).plain == line.plain  # one line, for Textual to wrap
    assert hang(line, 40).plain.split("\n")[1].startswith(" " * 10 + "word")


async def test_detail_comment_wraps_inside_the_comment(make_app: Any, db_path: Any) -> None:
    actions = Actions.open(db_path, clock=fixed_clock(NOW))
    actions.comment("school:r001", WORDS.strip())
    actions.engine.dispose()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, "school:r001")
        comments = screen.query_one("#detail-comments", HangingText)
        for width in (80, 50):
            await pilot.resize_terminal(width, 24)
            await pilot.pause()
            lines = comments.render().plain.split("\n")
            start = next(n for n, line in enumerate(lines) if line.startswith("  the pump"))
            body = lines[start : start + 4]
            assert all(line.startswith("  ") and line[2] != " " for line in body), body
            assert max(len(line.rstrip()) for line in lines) <= comments.size.width
            # The section is as tall as the lines it shows: none cut off, none left blank.
            assert comments.size.height == len(lines)
