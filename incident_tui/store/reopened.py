"""Noting when an incident was reopened (the ``incident.reopened_at`` column).

No remote says that an incident was reopened, or when: a reopened incident is simply open
again, and every connector then leaves its resolution time out. So the cache notes it
itself, in the transaction that learns it: a pull that finds an incident the remote had
resolved (as last read) open again with another status of its own, and the remote
accepting a reopen sent from here. A reopening that came and went between two pulls (the
incident never seen resolved here) leaves nothing to notice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from incident_tui.clock import from_db_or_none, to_db
from incident_tui.domain import jsontext
from incident_tui.domain.model import Incident, Status

_RESOLVED_BEFORE = (
    "SELECT id, status_raw, resolved_at FROM incident "
    "WHERE id IN (SELECT value FROM json_each(?)) "
    # The remote's status as last read (``base``), not the status column: that shows a
    # change queued here, and a resolve refused there is no reopening when the pull brings
    # the remote's open incident back.
    "AND CASE WHEN json_valid(base) THEN json_extract(base, '$.status') END = 'resolved'"
)


def reopenings(
    s: Session, incidents: Sequence[Incident], cached: Mapping[str, object], now: datetime
) -> dict[str, str]:
    """Which of the pulled ``incidents`` about to be written over their cached rows
    (``cached``: the ids already in the cache) the remote has reopened, each with when
    (cache form).

    Reopened: the remote had it resolved when last read, has it open now and its own status
    word moved. A status word that stayed is the same state read with changed settings (a
    ``status_map``), not a reopening. When: the remote's last update, if it lies between the
    resolution seen here and ``now`` (the reopening is that update or came before it); else
    ``now``, the pull that found it (4HSE keeps no update time)."""
    candidates = {
        i.id: i for i in incidents if i.status is not Status.RESOLVED and i.id in cached
    }
    if not candidates:
        return {}
    driver = s.connection().connection.driver_connection
    assert driver is not None
    found: dict[str, str] = {}
    for incident_id, status_raw, resolved_at in driver.execute(
        _RESOLVED_BEFORE, (jsontext.dumps(sorted(candidates)),)
    ):
        incident = candidates[incident_id]
        if incident.status_raw == status_raw:
            continue
        when = now
        updated, resolved = incident.updated_at, from_db_or_none(resolved_at)
        if updated is not None and updated <= now and (resolved is None or resolved <= updated):
            when = updated
        found[incident_id] = to_db(when) or ""
    return found


def mark_reopened(s: Session, times: Mapping[str, str]) -> None:
    """Note each incident of ``times`` as reopened at its time (cache form)."""
    if times:
        s.connection().execute(
            text("UPDATE incident SET reopened_at = :t WHERE id = :i"),
            [{"i": incident_id, "t": when} for incident_id, when in times.items()],
        )
