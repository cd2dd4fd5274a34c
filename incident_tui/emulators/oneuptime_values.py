"""How the OneUptime emulator holds and exchanges values: a client value (plain or typed
``{_type, value}``) checked and coerced to what a column of its kind stores, a row value
encoded as the server sends it, and the 400 ``BadData`` answer when a value cannot be taken.

Rows keep plain Python values: ids as strings, dates as aware ``datetime`` cut to milliseconds
(what Postgres returns through TypeORM), so ISO strings round-trip exactly and equality on a
date sent back by a client holds. The one exception is the emulator's ``precise_stamps`` option:
incident stamps then keep the microseconds Postgres stores, which every comparison and sort
sees and :func:`iso` cuts off on the way out, as the live server does.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from incident_tui.emulators.server import HttpError

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

OPERATORS = frozenset({
    "EqualTo", "NotEqual", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual",
    "IsNull", "NotNull", "Includes", "Search", "InBetween",
})
"""The query operators (``_type`` of a query value) the emulator understands."""

Row = dict[str, Any]


class BadData(HttpError):
    """A request the server rejects with 400 (BadDataException) and ``{"error": message}``."""

    def __init__(self, message: str) -> None:
        super().__init__(400, {"error": message})
        self.message = message

    def __str__(self) -> str:
        return self.message


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def now_ms(value: datetime) -> datetime:
    """``value`` in UTC, cut to milliseconds (the precision the API serialises)."""
    value = utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso(value: datetime) -> str:
    """JavaScript's ``Date.toISOString()``: ``2024-01-15T09:30:00.000Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def unwrap(value: Any) -> Any:
    """The plain value of a typed ``{"_type": "ObjectID"|"DateTime"|..., "value": v}``."""
    if isinstance(value, dict) and "_type" in value and value["_type"] not in OPERATORS:
        return value.get("value")
    return value


def parse_date(value: Any, name: str) -> datetime:
    """A client date (ISO string, typed DateTime or epoch milliseconds) as a row value."""
    value = unwrap(value)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return now_ms(datetime.fromtimestamp(value / 1000, UTC))
        text = str(value).strip()
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        return now_ms(datetime.fromisoformat(text))
    except (TypeError, ValueError, OverflowError):
        raise BadData(f"Invalid date for {name}: {value!r}") from None


def coerce(kind: str, value: Any, name: str) -> Any:
    """A client value as the row stores a column of ``kind``; ``BadData`` if it cannot be."""
    value = unwrap(value)
    if value is None:
        return None
    if kind == "date":
        return parse_date(value, name)
    if kind == "id":
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise BadData(f"Invalid ObjectID for {name}: {value!r}")
        return value.lower()
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                return int(str(value))
            except ValueError:
                raise BadData(f"{name} should be a number") from None
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadData(f"{name} should be a boolean")
        return value
    if kind == "json":
        if not isinstance(value, dict | list):
            raise BadData(f"{name} should be a JSON object")
        return value
    return str(value)


def encode(kind: str, value: Any, typed: bool) -> Any:
    """A row value as the server serialises it (typed ObjectID/DateTime when ``typed``)."""
    if value is None:
        return None
    if kind == "date":
        return {"_type": "DateTime", "value": iso(value)} if typed else iso(value)
    if kind == "id" and typed:
        return {"_type": "ObjectID", "value": value}
    return value
