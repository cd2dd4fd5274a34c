"""Times a remote gives as a calendar day alone (4HSE's ``date_closed``), made as precise as
the cache can make them before they are stored.

The handover counts an incident as resolved in the shift when its resolution time falls in
it. A day alone, read as its start, would drop from "Resolved this shift" every incident a
responder closed after midnight once the next pass stored the remote's copy. So a stored time
within the remote's day is kept (our own resolve wrote the moment); else the moment of the
pass that first sees it, when that is on the day (closed elsewhere since midnight: the pass
is at most one poll late) or the day is still ahead in the user's zone (the remote's office
lies east of it: its day began before ours, and the pass is the latest it can have been);
else, for a day gone by, its last moment, so that any window reaching into that day counts
it.

Only the moment of a resolve from here is exact; every other settled time stands for its day,
and the cache notes it so (:func:`day_marks`): the dashboard leaves such times out of its
hourly buckets and its mean times, which they would skew by up to a day.

Times a remote has no field for at all (4HSE's update and acknowledgement times) are kept as
the cache has them (:func:`kept_times`): only this cache can know them, from what the user
did here, and a pull that wrote the remote's nothing over them would list an incident
acknowledged this shift as silent since its creation. For the same reason a pull that finds
such an incident changed by someone else times the change at its own moment
(:func:`touched_times`), at most one poll late, as it times a reopening: its first pull
leaves them unknown, since it says nothing of when the incident last changed.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Mapping
from datetime import date, datetime, timedelta

from incident_tui.clock import start_of_day, to_db
from incident_tui.domain.model import Incident, Status

DAY_FIELDS = frozenset({"occurred_at", "resolved_at"})
"""The time fields a remote may give as a day alone."""
UNKNOWN_FIELDS = frozenset({"updated_at", "acknowledged_at"})
"""The time fields a remote may have no field for (``Incident.unknown_times``)."""


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
        elif day >= _local_date(now, zone):
            # Today, or a day still ahead here (a remote in a zone east of the user's): the
            # pass is the latest it can have happened, and a time to come would count in no
            # shift yet (the handover leaves a resolution dated after its end out).
            changes[name] = now
        else:
            changes[name] = _last_moment(day, zone)
    return changes


def day_marks(
    incident: Incident,
    settled: Mapping[str, datetime],
    cached: Mapping[str, datetime | None],
    cached_marks: Mapping[str, str],
) -> dict[str, str]:
    """The ``day_only`` times of ``incident`` that stand for their day once ``settled`` (by
    :func:`settled_times`), as the cache stores them, by field name: what the ``day_only``
    column holds. A cached time that was kept is exact unless ``cached_marks`` (the cached
    row's) had it as a day's; any other time is the day's (its start, the pass's moment or
    its last moment)."""
    marks: dict[str, str] = {}
    for name in sorted(incident.day_only & DAY_FIELDS):
        value = settled.get(name, getattr(incident, name))
        if value is None:
            continue
        text = to_db(value) or ""
        kept = name in settled and settled[name] == cached.get(name)
        if not kept or cached_marks.get(name) == text:
            marks[name] = text
    return marks


def kept_times(incident: Incident, cached: Mapping[str, datetime | None]) -> dict[str, datetime]:
    """The ``cached`` times the store keeps for the ``unknown_times`` of ``incident`` that it
    leaves empty, by field name: what a pull stores in their place.

    They are not part of the incident's content hash (``content_version`` in
    :mod:`~incident_tui.store.upsert` hashes the remote's payload alone), so keeping them
    never makes a listing of unchanged incidents rewrite them. An acknowledgement time goes
    once the remote has the incident back at its first status (triggered): it is no longer
    acknowledged.
    """
    changes: dict[str, datetime] = {}
    for name in incident.unknown_times & UNKNOWN_FIELDS:
        before = cached.get(name)
        if before is None or getattr(incident, name) is not None:
            continue
        if name == "acknowledged_at" and incident.status is Status.TRIGGERED:
            continue
        changes[name] = before
    return changes


def touched_times(
    incident: Incident, cached: Mapping[str, datetime | None], cached_status: str | None,
    now: datetime,
) -> dict[str, datetime]:
    """The times the store gives the ``unknown_times`` of ``incident`` when the remote
    changed it since the cache last read it (``cached_status``: the status it had then), by
    field name: the pass's ``now`` as its last update, and as its acknowledgement when it
    went from its first status (triggered) to acknowledged. A later time the cache has
    stays (a clock set back)."""
    changes: dict[str, datetime] = {}
    unknown = incident.unknown_times & UNKNOWN_FIELDS
    before = cached.get("updated_at")
    if "updated_at" in unknown and incident.updated_at is None:
        changes["updated_at"] = before if before is not None and before > now else now
    if (
        "acknowledged_at" in unknown
        and incident.acknowledged_at is None
        and incident.status is Status.ACKNOWLEDGED
        and cached_status == Status.TRIGGERED.value
    ):
        changes["acknowledged_at"] = now
    return changes


def local_day(moment: datetime) -> date:
    """The calendar day of ``moment`` in the user's zone: the remote's day a settled
    ``day_only`` time stands for (the day ahead of it for one a pass timed while that day
    was still to come here)."""
    return _local_date(moment, time.tzname)


def seen_after_its_day(moment: datetime) -> bool:
    """Whether a settled ``day_only`` time is its day's last moment: no pass saw the incident
    so on that day, so it may have happened at any hour of it."""
    zone = time.tzname
    return moment == _last_moment(_local_date(moment, zone), zone)


def day_start(day: date) -> datetime:
    """The first moment of ``day`` in the user's zone."""
    return start_of_day(day)


# Cached: a first pull settles thousands of incidents closed on a few hundred days, and the
# zone conversions were most of its cost.
@functools.lru_cache(maxsize=4096)
def _local_date(moment: datetime, zone: tuple[str, str]) -> date:
    return moment.astimezone().date()


@functools.lru_cache(maxsize=1024)
def _last_moment(day: date, zone: tuple[str, str]) -> datetime:
    return start_of_day(day + timedelta(days=1)) - timedelta(microseconds=1)
