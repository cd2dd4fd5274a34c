"""Standard output and error under a locale that is not UTF-8 (``LANG=en_US.ISO-8859-1`` on an
older server, ``LC_ALL=C`` with ``PYTHONUTF8=0``): Python then writes them in that charset, and
a character it lacks (the ``…`` of a cut title, a sync's ``syncing…``, an emoji in a remote's
text) raised ``UnicodeEncodeError``, a traceback that ended ``list``, ``handover`` and even a
sync pass half way.

Text for people shows such a character as ``?``; JSON keeps it whole as a ``\\uXXXX`` escape
(a pair of them beyond the first plane), which is the same JSON, so a script loses nothing.
On standard output a byte of a path that the charset could not read (``café`` given under
``C``) is written back as it came, as Python itself does there: a path printed is the path
given, for a script to use."""

from __future__ import annotations

import codecs
import contextlib
from typing import TextIO

JSON_ESCAPE = "incident-tui-json-escape"
"""The name of the error handler that writes a character as a JSON escape."""
QUESTION_MARK = "incident-tui-question-mark"
"""The name of the error handler that writes a character as ``?``, and a byte read from a
path or an argument as that byte."""


def _json_escape(error: UnicodeError) -> tuple[str, int]:
    """Each character the charset lacks as JSON's ``\\uXXXX``: JSON text is ASCII outside its
    strings, so such a character is always inside one, where the escape means the same."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    escaped = []
    for char in error.object[error.start:error.end]:
        code = ord(char)
        if code > 0xFFFF:
            code -= 0x10000
            escaped.append(f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}")
        else:
            escaped.append(f"\\u{code:04x}")
    return "".join(escaped), error.end


def _question_mark(error: UnicodeError) -> tuple[bytes, int]:
    """Each character the charset lacks as ``?``, but a byte it could not read (Python's
    ``surrogateescape``: U+DC80-U+DCFF) as that byte: ``replace`` printed a folder given as
    ``café`` as ``caf??``, a path that names nothing."""
    if not isinstance(error, UnicodeEncodeError):
        raise error
    written = bytearray()
    for char in error.object[error.start:error.end]:
        code = ord(char)
        written += bytes([code - 0xDC00]) if 0xDC80 <= code <= 0xDCFF else b"?"
    return bytes(written), error.end


codecs.register_error(JSON_ESCAPE, _json_escape)
codecs.register_error(QUESTION_MARK, _question_mark)


def takes_all_text(stream: TextIO | None) -> bool:
    """Whether ``stream`` writes in a charset that holds every character (UTF-8, -16, -32);
    a closed or encoding-less stream counts as one, there being nothing to change."""
    encoding = getattr(stream, "encoding", None) if stream is not None else None
    if not encoding:
        return True
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        return True
    return name.startswith("utf")


def fit_stream(
    stream: TextIO | None, *, json_output: bool = False, keep_bytes: bool = False
) -> None:
    """Have ``stream`` write a character its charset lacks as ``?`` (as a JSON escape with
    ``json_output``) instead of failing; left alone when its charset holds every one.
    ``keep_bytes``: a byte the charset could not read is written back as it came (standard
    output, where a script reads the paths printed; not the terminal's stderr, which only
    ever showed such a byte escaped)."""
    if takes_all_text(stream):
        return
    errors = JSON_ESCAPE if json_output else QUESTION_MARK if keep_bytes else "replace"
    with contextlib.suppress(AttributeError, ValueError, OSError):
        stream.reconfigure(errors=errors)  # type: ignore[union-attr]
