"""Pure formatting helpers for the screens: clock times and JSON-ish values (ages are in
:mod:`incident_tui.domain.durations` and sizes in :mod:`incident_tui.domain.sizes`, both
shared with the command line).

No Textual here, so they are cheap to test. Every string that came from a remote passes
through :func:`incident_tui.domain.text.clean` before it is returned.
"""

from __future__ import annotations

import json
from datetime import datetime
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
    local = moment.astimezone()
    if now is not None:
        with_date = local.date() != now.astimezone().date()
    return local.strftime("%Y-%m-%d %H:%M" if with_date else "%H:%M")


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
