"""The incident rows the handover lists: the columns an item shows, reads of many incidents
by id (chunked to stay under SQLite's variable limit), and the conversion of such a row,
whose times and ``extra`` are still text, into a :class:`HandoverItem`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from incident_tui.clock import from_db_or_none
from incident_tui.domain.gone import GONE_REASON, moved_away
from incident_tui.domain.handover import (
    HandoverItem,
    Reason,
    Unsent,
    next_update_of,
    resolved_here_only,
)
from incident_tui.store.days import local_day
from incident_tui.store.reader import Reader

CHUNK = 500
"""Ids per ``IN (...)`` list (SQLite's default variable limit is 999 on old builds)."""

STATUS_CHANGES = "('acknowledge', 'resolve', 'reopen')"
"""Outbox operations that change an incident's status."""

DAY_RESOLVED = (
    "(day_only IS NOT NULL AND json_extract(day_only, '$.resolved_at') = resolved_at)"
)
"""The resolution time stands for its day alone (4HSE's closing date, timed as
:mod:`incident_tui.store.days` says), not for a moment."""

ITEM_COLUMNS = (
    "id, remote, ref, title, status, severity, created_at, updated_at, resolved_at, "
    "acknowledged_at, conflict, failed, CASE WHEN instr(extra, 'next_update') > 0 THEN extra END, "
    # The latest status change still in the outbox (its op and state): the status shown is
    # its outcome, which the remote has not accepted. Looked up only when changes are queued.
    "CASE WHEN pending > 0 THEN (SELECT o.op || ' ' || o.state FROM outbox o "
    f"WHERE o.incident_id = incident.id AND o.op IN {STATUS_CHANGES} "
    "ORDER BY o.seq DESC LIMIT 1) END, reopened_at, "
    f"CASE WHEN {DAY_RESOLVED} THEN 1 END, remote_deleted"
)
ITEM_SQL = f"SELECT {ITEM_COLUMNS} FROM incident WHERE deleted_locally = 0 AND id IN ({{marks}})"
"""Everything an item shows; ``extra`` only when it may hold a ``next_update``."""

Row = tuple[Any, ...]

MOVED_WORDS = "not on the system its remote now points at"
"""What an item says of an incident kept from the system its remote pointed at before."""


def fetch_ids(reader: Reader, sql: str, ids: Sequence[str]) -> list[Row]:
    """``sql`` (with a ``{marks}`` placeholder) for every id, in chunks."""
    found: list[Row] = []
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        found += reader.query(sql.format(marks=",".join("?" * len(chunk))), chunk)
    return found


def unsent_of(row: Row) -> Unsent | None:
    """The unsent status change of an ``ITEM_SQL`` row, if it has one."""
    change, _, state = (row[13] or "").partition(" ")
    return Unsent(change, state) if change and state else None


def resolution_unsent(row: Row) -> bool:
    """An ``ITEM_SQL`` row resolved here only: open on the remote."""
    return resolved_here_only(row[4], unsent_of(row))


def item_of(
    row: Row, shift: tuple[str, str], reasons: tuple[Reason, ...] = ()
) -> HandoverItem:
    """An item from an ``ITEM_SQL`` row; ``shift``: its start and end (cache form), to tell
    whether it was reopened in it."""
    reopened = row[14] or ""
    resolved_at = from_db_or_none(row[8])
    return HandoverItem(
        id=row[0],
        remote=row[1],
        ref=row[2],
        title=row[3] or "",
        status=row[4],
        severity=row[5],
        created_at=from_db_or_none(row[6]),
        updated_at=from_db_or_none(row[7]),
        resolved_at=resolved_at,
        acknowledged_at=from_db_or_none(row[9]),
        next_update=next_update_of(json_object(row[12])),
        reasons=reasons,
        unsent=unsent_of(row),
        reopened_at=from_db_or_none(row[14]),
        # Times in the cache are canonical ISO text: compared as text, as the queries do.
        reopened=shift[0] <= reopened <= shift[1],
        resolved_day=local_day(resolved_at) if row[15] and resolved_at is not None else None,
        gone=(
            (MOVED_WORDS if moved_away(row[10]) else GONE_REASON) if row[16] else None
        ),
    )


def json_object(text: str | None) -> dict[str, Any] | None:
    """The JSON object in ``text``, or None when it holds none."""
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
