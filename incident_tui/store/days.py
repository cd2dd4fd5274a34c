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

import functools
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from datetime import time as dtime

from incident_tui.domain.model import Incident

DAY_FIELDS = frozenset({"occurred_at", "resolved_at"})
"""The time fields a remote may give as a day alone."""


def settled_times(
    incident: Incident, cached: Mapping[str, datetime | None], now: datetime
) -> dict[str, datetime]:
    """Each of the ``day_only`` times of ``incident`` settled as the module says, from the
    ``cached`` times of the incident and the pass's ``now``, by field name: what a pull
    stores in their place. Only the times that change are named. (A new incident with them
    in place, built for each row, cost a 4HSE pull a tenth of its storing.)"""
    changes: dict[str, datetime] = {}
    zone = time.tzname  # the caches below are per zone: a test may change it (tzset)
    for name in incident.day_only & DAY_FIELDS:
        start = getattr(incident, name)
        if start is None:
            continue
        day = _local_date(start, zone)
        before = cached.get(name)
        if before is not None and _local_date(before, zone) == day:
            changes[name] = before
        elif _local_date(now, zone) == day:
            changes[name] = now
        elif now > start:
            changes[name] = _last_moment(day, zone)
    return changes


# Cached: a first pull settles thousands of incidents closed on a few hundred days, and the
# zone conversions were most of its cost.
@functools.lru_cache(maxsize=4096)
def _local_date(moment: datetime, zone: tuple[str, str]) -> date:
    return moment.astimezone().date()


@functools.lru_cache(maxsize=1024)
def _last_moment(day: date, zone: tuple[str, str]) -> datetime:
    following = datetime.combine(day + timedelta(days=1), dtime()).astimezone()
    return following - timedelta(microseconds=1)
