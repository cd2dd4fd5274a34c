"""Wrapped lines stay where they belong: a long comment line continues under its indent, not
at the left edge under the comment's header, and a long value of a labelled line (the
detail's fields, conflict, kind and remote fields) continues under the value, not under
the labels, at any terminal width."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from textual.content import Content

from incident_tui.clock import fixed_clock
from incident_tui.store.actions import Actions
from incident_tui.ui.screens.detail_content import LABEL_WIDTH, field_line, lines
from incident_tui.ui.widgets.hanging_text import HangingText, hang, indent_of
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


REASON = (
    "HTTP 422: Status transition not allowed by the school's workflow policy for this "
    "category of incident"
)


def continued(shown: list[str], label: str, value: str) -> list[str]:
    """The line of ``shown`` labelled ``label`` (leading spaces and all) and the lines its
    ``value`` continues on."""
    start = next(n for n, line in enumerate(shown) if line.startswith(label + " "))
    words, end = len(label.split()) + len(value.split()), start
    while words > 0:
        words -= len(shown[end].split())
        end += 1
    assert " ".join(" ".join(shown[start:end]).split()) == " ".join(f"{label} {value}".split())
    return shown[start:end]


def test_a_labelled_line_continues_under_its_value() -> None:
    person = "Mei Chen  student · Year 9 · Boarding · flags: SEN  welfare flag"
    content = lines([
        field_line("ID", "r010"),
        field_line("Refused", REASON),
        field_line("People involved", person, 17),
    ])
    assert [indent_of(line) for line in content.split("\n")] == [LABEL_WIDTH, LABEL_WIDTH, 17]

    shown = hang(content, 50).plain.split("\n")

    for label, value, column in (("Refused", REASON, LABEL_WIDTH),
                                 ("People involved", person, 17)):
        value_lines = continued(shown, label, value)
        assert len(value_lines) > 1
        assert all(line[:column].isspace() and line[column] != " " for line in value_lines[1:])
    assert max(len(line.rstrip()) for line in shown) <= 50


async def test_detail_values_wrap_under_the_value(make_app: Any, db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conflict = {"reason": "changed on the remote", "fields": ["description"],
                "theirs": {"description": WORDS.strip(), "title": "Pump room"}}
    conn.execute("UPDATE incident SET failed = ?, conflict = ? WHERE id = 'school:r010'",
                 [REASON, json.dumps(conflict)])
    conn.close()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, "school:r010")
        for section, label, value in (
            ("#detail-fields", "Refused", REASON),
            ("#detail-conflict", "  description", WORDS.strip()),
        ):
            shown = screen.query_one(section, HangingText).render().plain.split("\n")
            value_lines = continued(shown, label, value)
            assert len(value_lines) > 1, shown
            assert all(line[:LABEL_WIDTH].isspace() and line[LABEL_WIDTH] != " "
                       for line in value_lines[1:]), value_lines


async def test_detail_comment_wraps_inside_the_comment(make_app: Any, db_path: Any) -> None:
    actions = Actions.open(db_path, clock=fixed_clock(NOW))
    actions.comment("school:r001", WORDS.strip())
    actions.engine.dispose()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, "school:r001")
        comments = screen.query_one("#detail-comments CommentPage", HangingText)
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
