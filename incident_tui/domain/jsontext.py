"""JSON on the sync's hot path: decoding remote pages and encoding the columns of pulled rows.

orjson does both several times faster than the standard library, which matters at tens of
thousands of incidents per pull. Decoding falls back to the standard library for what orjson
refuses or would change but remotes may still send (integers beyond 64 bits, ``NaN``, UTF-16
text, lone UTF-16 surrogates), so a remote that worked before keeps working and a garbage body
still raises ``ValueError``. A lone surrogate (``"\\ud800"`` is legal JSON) becomes U+FFFD on
the way in: no UTF-8 encoder takes it, so kept it would fail every later write of the text.
"""

from __future__ import annotations

import json
import re
from typing import Any

import orjson

_SORTED = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME


_NUMBER_SHAPE = bytes(
    ord("0") if chr(byte) in "0123456789" else ord(":") if chr(byte) in ":,[-\t\n\r " else 32
    for byte in range(256)
)
"""A ``bytes.translate`` table that keeps the shape of digit runs, marks every byte a JSON
number may follow (``:``, ``,``, ``[``, a minus sign, white space) and blanks the rest."""
_LONG_NUMBER = b":" + b"0" * 20
"""A number token of twenty digits or more may be an integer beyond 64 bits, which orjson
turns into a float. A digit run inside text mostly has a letter or a quote before it, so ids
such as MongoDB's ``65f000010000000000000001`` keep the fast decoder (a run that looks like a
number only costs the slower, exact one)."""


def _has_long_number(raw: bytes) -> bool:
    # Translate-then-find instead of a regular expression: a regex scan of a 100-incident
    # page cost twice orjson's decoding of it; both steps here are C loops over bytes.
    shape = raw.translate(_NUMBER_SHAPE)
    # The text may also start with the number itself.
    return _LONG_NUMBER in shape or shape.startswith(_LONG_NUMBER[1:])


_SURROGATE = re.compile("[\ud800-\udfff]")
"""A UTF-16 surrogate left alone in decoded text (the standard library joins valid pairs)."""
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
"""A ``\\uD800``-``\\uDFFF`` escape in JSON text (a pair's halves too, which is only a false
alarm: the decoded value is looked at and left as it is)."""
_SURROGATE_BYTES = re.compile(rb"\xed[\xa0-\xbf]")
"""A surrogate encoded as if it were UTF-8, which the standard library decodes as well."""


def _may_hold_surrogates(raw: bytes) -> bool:
    # Plain byte searches first, so a page without escapes or U+D000-U+DFFF costs next to
    # nothing; the regular expressions (slower) only run over a page that has either.
    # UTF-16/32 text (which the standard library also reads) is not searched: always looked at.
    if not json.detect_encoding(raw).startswith("utf-8"):
        return True
    if b"\\u" in raw and _SURROGATE_ESCAPE.search(raw):
        return True
    return b"\xed" in raw and _SURROGATE_BYTES.search(raw) is not None


def _repaired(value: Any) -> Any:
    """``value`` with each lone surrogate in its strings (keys too) replaced by U+FFFD."""
    if isinstance(value, str):
        return value if value.isascii() else _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_repaired(item) for item in value]
    if isinstance(value, dict):
        return {_repaired(key): _repaired(item) for key, item in value.items()}
    return value


def _exact_loads(data: bytes | str, raw: bytes) -> Any:
    """The standard library's decoding, with lone surrogates repaired."""
    value = json.loads(data)
    return _repaired(value) if _may_hold_surrogates(raw) else value


def loads(data: bytes | str) -> Any:
    """Decode JSON; raises :class:`ValueError` (a ``json.JSONDecodeError``) for garbage."""
    raw = data.encode() if isinstance(data, str) else data
    if _has_long_number(raw):
        return _exact_loads(data, raw)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        # The standard library also reads UTF-16/32 bytes, NaN, integers of any size and
        # lone surrogates (which orjson refuses, and which are repaired here).
        return _exact_loads(data, raw)


def dumps(value: Any, *, sort_keys: bool = False) -> str:
    """Compact JSON text; anything not JSON by nature (a datetime, say) becomes its ``str``.

    ``sort_keys`` makes the text canonical, for hashing."""
    option = _SORTED if sort_keys else orjson.OPT_NON_STR_KEYS | orjson.OPT_PASSTHROUGH_DATETIME
    try:
        return orjson.dumps(value, default=str, option=option).decode()
    except TypeError:
        # orjson refuses integers beyond 64 bits and deeply nested values; the standard
        # library does not.
        return json.dumps(value, default=str, sort_keys=sort_keys, separators=(",", ":"))
