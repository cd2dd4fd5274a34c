"""The sanitiser removes every control and escape sequence and keeps the visible text."""

from __future__ import annotations

import pytest

from incident_tui.domain.text import clean, counted, shorten

HOSTILE = [
    ("[@click=app.quit]x[/]", "[@click=app.quit]x[/]"),
    ("[/]", "[/]"),
    ("[link=file:///etc/passwd]x[/link]", "[link=file:///etc/passwd]x[/link]"),
    ("copy \x1b]52;c;aGk=\x07 me", "copy  me"),
    ("\x1b[2Jcleared", "cleared"),
    ("title \x1b]0;pwned\x1b\\ here", "title  here"),
    ("abc\u202eevil", "abcevil"),
    ("bell\x07 null\x00 del\x7f c1\x9b31m", "bell null del c1"),
]


@pytest.mark.parametrize(("raw", "expected"), HOSTILE)
def test_clean_strips_controls_keeps_markup_literal(raw: str, expected: str) -> None:
    assert clean(raw) == expected


def test_clean_keeps_newlines_unless_single_line() -> None:
    assert clean("a\r\nb\tc") == "a\nb\tc"
    assert clean("a\r\nb\tc", single_line=True) == "a b c"


def test_clean_handles_none_and_long_text() -> None:
    assert clean(None) == ""
    long = "x" * 10_000
    assert clean(long) == long
    assert shorten(long, 20) == "x" * 19 + "…"
    assert shorten("short", 20) == "short"
    assert shorten("abc", 0) == ""


def test_counted_puts_the_noun_in_the_number_it_needs() -> None:
    assert counted(1, "local change") == "1 local change"
    assert counted(0, "note") == "0 notes"
    assert counted(3, "queued change") == "3 queued changes"
    assert counted(2, "entry", "entries") == "2 entries"
