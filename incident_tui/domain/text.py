"""The one sanitiser for text that comes from remote systems.

Remote titles, descriptions, comments and names may carry terminal escape sequences (OSC 52
clipboard writes, ``ESC[2J``), C1 controls and bidi overrides that reorder what the user reads.
Everything drawn in the TUI or printed by the CLI goes through :func:`clean` first.
"""

from __future__ import annotations

import re

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), DCS/SOS/PM/APC
# (ESC P/X/^/_ ... ST) and two-byte escapes. Removed whole so no payload text leaks through.
_ESCAPE_SEQUENCE = re.compile(
    r"""
    \x1b\[[0-?]*[ -/]*[@-~]                 # CSI
    | \x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?    # OSC, terminated by BEL or ST (or cut off)
    | \x1b[PX^_][^\x1b]*(?:\x1b\\)?         # DCS, SOS, PM, APC
    | \x1b[@-Z\\-_]                         # other two-byte escapes
    | \x9b[0-?]*[ -/]*[@-~]                 # 8-bit CSI
    | \x9d[^\x07\x9c]*(?:\x07|\x9c)?        # 8-bit OSC
    """,
    re.VERBOSE,
)

# C0 controls except tab and newline, DEL, C1 controls, the Unicode bidi embeddings,
# overrides and isolates (U+202A-U+202E, U+2066-U+2069) plus LRM/RLM/ALM marks, and the
# zero-width space, word joiner and BOM: terminals disagree on whether those take a column,
# so the columns after them moved. ZWNJ/ZWJ (U+200C/U+200D) stay: emoji sequences and the
# letters of some scripts are made with them.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b\u200e\u200f\u061c\u202a-\u202e\u2060\u2066-\u2069"
    "\ufeff]"
)

# Unicode's line and paragraph separators: the line breaks they are (Python's splitlines
# splits at them, so comments broke there), not characters each terminal draws its own way.
_LINE_SEPARATOR = re.compile("[\u2028\u2029]")


def clean(text: object, *, single_line: bool = False) -> str:
    """Return ``text`` with escape sequences, control characters, bidi controls and
    zero-width characters removed, and Unicode line separators made newlines.

    ``single_line`` also folds newlines and tabs into spaces (table cells, titles).
    ``None`` becomes the empty string.
    """
    if text is None:
        return ""
    value = text if isinstance(text, str) else str(text)
    value = _ESCAPE_SEQUENCE.sub("", value)
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = _LINE_SEPARATOR.sub("\n", value)
    value = _CONTROL.sub("", value)
    if single_line:
        value = " ".join(value.split())
    return value


def shorten(text: str, width: int) -> str:
    """Cut ``text`` to at most ``width`` characters, marking the cut with an ellipsis."""
    if width <= 0:
        return ""
    if len(text) <= width:
        return text
    return text[: width - 1] + "…"


AUTHOR_WIDTH = 60
"""Most characters of a comment author's name shown beside the comment, as the TUI's detail
and the handover show it."""


def author_name(author: object) -> str:
    """A comment's author as the command line prints it: cleaned to one line, cut at
    :data:`AUTHOR_WIDTH`, and ``unknown`` when the remote gives none or a blank one, as the
    TUI and the handover say."""
    return shorten(clean(author, single_line=True), AUTHOR_WIDTH) or "unknown"


def seconds(value: float) -> str:
    """A wait as text: ``20 s``, and to a tenth under ten seconds (``0.4 s``)."""
    return f"{value:.0f} s" if value >= 10 else f"{value:.1f} s"


def counted(number: int, noun: str, plural: str | None = None) -> str:
    """``1 change``, ``3 changes``: a count with its noun in the number it needs (``plural``
    for a noun that does not take an ``s``)."""
    return f"{number} {noun if number == 1 else plural or noun + 's'}"
