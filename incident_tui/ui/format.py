"""Pure formatting helpers for the screens: clock times and JSON-ish values (ages are in
:mod:`incident_tui.domain.durations` and sizes in :mod:`incident_tui.domain.sizes`, both
shared with the command line).

No Textual here, so they are cheap to test. Every string that came from a remote passes
through :func:`incident_tui.domain.text.clean` before it is returned.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from incident_tui.clock import from_db_or_none
from incident_tui.domain.text import clean


def local_time(
    text: str | None, *, with_date: bool = True, now: datetime | None = None
) -> str:
    """A cache time in the local zone (``TZ``): ``2026-11-22 09:14`` or ``09:14``; given
    ``now``, the date only when it is not today's."""
    moment = from_db_or_none(text)
    if moment is None:
        return "-"
    return clock_text(moment, with_date=with_date, now=now)


def clock_text(moment: datetime, *, with_date: bool = True, now: datetime | None = None) -> str:
    """:func:`local_time` of an aware ``moment``.

    A moment that is before the year 1 or after 9999 in the local zone (Go's zero time,
    ``0001-01-01T00:00:00Z``, west of Greenwich; ``9999-12-31T23:59:59Z`` east of it) shows
    in UTC, marked ``Z``: ``0001-01-01 00:00Z``."""
    try:
        local = moment.astimezone()
    except (OverflowError, ValueError):
        return _date_and_time(moment.astimezone(UTC)) + "Z"
    if now is not None:
        with_date = local.date() != now.astimezone().date()
    return _date_and_time(local) if with_date else f"{local.hour:02d}:{local.minute:02d}"


def _date_and_time(moment: datetime) -> str:
    # Not strftime: its %Y writes the year 1 as "1".
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}"
    )


def value_text(value: Any, *, limit: int = 2000) -> str:
    """Any remote value (string, number, list, dict) as one cleaned, bounded line of text."""
    if value is None:
        return "-"
    if isinstance(value, str):
        text = value
    elif isinstance(value, bool | int | float):
        text = str(value)
    else:
        try:
            text = json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)
        except (TypeError, ValueError):
            text = str(value)
    return clean(text[: limit * 2], single_line=True)[:limit]


def cell_text(text: str | None, *, limit: int = 400) -> str:
    """Remote text for one table cell: cleaned, one line, bounded (a 10,000-character title
    costs nothing to draw because only the first ``limit`` characters are kept)."""
    if not text:
        return ""
    # Cut before cleaning so a huge value is cheap; cutting an escape sequence in half is
    # harmless because clean() drops unterminated sequences and every lone control.
    return clean(text[: limit * 4], single_line=True)[:limit]
