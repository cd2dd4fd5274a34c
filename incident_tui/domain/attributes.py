"""Custom attribute values (AOH IMS) and the types a deployment declares for them.

A deployment defines each attribute with a type, ``STRING``, ``NUMBER`` or ``BOOLEAN``, and
the server stores what it is sent converted to that type (the number 123 sent to a STRING
comes back as ``"123"``). What a user types is read here by that type, the same for the TUI's
dialog and the ``attribute`` command; and a queued change is compared with the remote's value
as the remote would store it, so that our own earlier write never looks like someone else's.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from typing import Any

TRUE_WORDS = frozenset({"true", "yes", "y", "1", "on"})
FALSE_WORDS = frozenset({"false", "no", "n", "0", "off"})
# ASCII digits only: int() and float() also take 1_000 and Arabic-Indic or full-width
# digits, which were queued as a number the user never saw written that way.
NUMBER = re.compile(r"[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][-+]?[0-9]+)?")
"""A number as a person types it: a sign, digits with a decimal point, an exponent."""
INTEGER = re.compile(r"[-+]?[0-9]+")
"""A whole number, kept whole (``int``) rather than made a float."""
WHOLE_DIGITS = 4000
"""Most characters of a whole number read as one (Python reads at most 4,300 digits)."""


def infer_type(value: Any) -> str | None:
    """The attribute type a current value suggests (offline, without definitions)."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int | float):
        return "NUMBER"
    if isinstance(value, str):
        return "STRING"
    return None


def type_of(name: str, defined: Mapping[str, str], current: Mapping[str, Any]) -> str | None:
    """The type of attribute ``name``: as the remote defines it (``defined``, name to type,
    empty when it could not be read), else as its ``current`` value suggests."""
    return defined.get(name) or infer_type(current.get(name))


def parse_value(text: str, kind: str | None) -> Any:
    """The typed value of ``text`` for an attribute of type ``kind``; ``ValueError`` with a
    message for people when it does not fit. Unknown types read JSON (``5``, ``true``,
    ``"text"``) and fall back to the text itself."""
    value = text.strip()
    if not value:
        raise ValueError("Type a value.")
    if kind == "STRING":
        return text
    if kind == "NUMBER":
        if not NUMBER.fullmatch(value):
            raise ValueError(
                "This attribute is a NUMBER: type digits 0-9, like 42, -7, 1.5 or 2e3."
            )
        # Past Python's 4,300 digits int() refuses with its own words; as a float such a
        # number is infinite, which is said below.
        if INTEGER.fullmatch(value) and len(value) <= WHOLE_DIGITS:
            return int(value)
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("This attribute is a NUMBER: type a finite number.")
        return number
    if kind == "BOOLEAN":
        word = value.lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        raise ValueError("This attribute is a BOOLEAN: type true or false.")
    try:
        return json.loads(value)
    except ValueError:
        return text


def stored_as(value: Any, kind: str | None) -> Any:
    """``value`` as a server converts it for an attribute of type ``kind`` (it accepts a
    string or a native value for every type); the value itself when the type is unknown or
    it does not convert (the server would refuse it, so it equals nothing stored)."""
    if value is None or kind is None:
        return value
    if kind == "STRING":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int | float):
            return str(value)
    elif kind == "NUMBER":
        number = value
        if isinstance(value, str):
            try:
                number = parse_value(value, "NUMBER")
            except ValueError:
                return value
        if isinstance(number, int | float) and not isinstance(number, bool):
            # 5 and 5.0 are one number; JSON may bring either back.
            return int(number) if isinstance(number, float) and number.is_integer() else number
    elif kind == "BOOLEAN" and isinstance(value, str):
        word = value.strip().lower()
        if word in ("true", "false"):
            return word == "true"
    return value


def same_value(ours: Any, theirs: Any, kind: str | None = None) -> bool:
    """Whether two values of an attribute of type ``kind`` are the one the server stores;
    with no type known, the type of ``theirs`` (the server's, already converted) is used."""
    kind = kind or infer_type(theirs)
    left, right = stored_as(ours, kind), stored_as(theirs, kind)
    # True == 1 in Python: a BOOLEAN and a NUMBER are never the same value.
    return left == right and isinstance(left, bool) == isinstance(right, bool)
