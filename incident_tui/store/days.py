"""Times a remote gives as a calendar day alone (4HSE's ``date_closed``), made as precise as
the cache can make them before they are stored.

The handover counts an incident as resolved in the shift when its resolution time falls in
it. A day alone, read as its start, would drop from "Resolved this shift" every incident a
responder closed after midnight once the next pass stored the remote's copy. So a stored time
within the remote's day is kept (our own resolve wrote the moment); else the moment of the
pass that first sees it, when that is on the day (closed elsewhere since midnight: the pass
is at most one poll late); else, for a day gone by, its last moment, so that any window
reaching into that day counts it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime, time, timedelta
from typing import Any

from incident_tui.domain.model import Incident

DAY_FIELDS = frozenset({"occurred_at", "resolved_at"})
"""The time fields a remote may give as a day alone."""


def settle_days(
    incident: Incident, cached: Mapping[str, datetime | None], now: datetime
) -> Incident:
    """``incident`` with each of its ``day_only`` times settled as the module says, from the
    ``cached`` times of the incident and the pass's ``now``."""
    changes: dict[str, Any] = {}
    for name in incident.day_only & DAY_FIELDS:
        start = getattr(incident, name)
        if start is None:
            continue
        day = start.astimezone().date()
        before = cached.get(name)
        if before is not None and before.astimezone().date() == day:
            changes[name] = before
        elif now.astimezone().date() == day:
            changes[name] = now
        elif now > start:
            following = datetime.combine(day + timedelta(days=1), time()).astimezone()
            changes[name] = following - timedelta(microseconds=1)
    return replace(incident, **changes) if changes else incident
