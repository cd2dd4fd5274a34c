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


def test_clean_breaks_lines_at_unicode_separators() -> None:
    # U+2028/U+2029 reached the terminal as they were in a description, where each terminal
    # draws them its own way, while a comment's lines were split at them.
    assert clean("one\u2028two\u2029three") == "one\ntwo\nthree"
    assert clean("one\u2028two\u2029three", single_line=True) == "one two three"


def test_clean_drops_zero_width_characters_but_keeps_joiners() -> None:
    # Zero width space, word joiner and BOM take no column here but some terminals give them
    # one, so the columns after them moved.
    assert clean("a\u200bb\u2060c\ufeffd", single_line=True) == "abcd"
    assert clean("\ufeffline\u200b\nnext") == "line\nnext"
    # ZWJ and ZWNJ make emoji sequences and the letters of some scripts.
    assert clean("👩\u200d💻 می\u200cخواهم") == "👩\u200d💻 می\u200cخواهم"
