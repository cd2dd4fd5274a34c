"""The dashboard's SQL: a handful of GROUP BY aggregations over the cache, no rows in Python.

Times in the cache are canonical ISO text (``2026-11-22T09:14:00.000000Z``, written by
:func:`incident_tui.clock.to_db`), so an hour or a day is a text prefix: ``substr`` buckets
them without parsing, and range conditions on ``created_at`` walk its index. Durations use
``strftime('%s')`` (whole seconds as integers), which keeps the means exact and repeatable.
Plain ``sqlite3`` through :class:`Reader`: the paint path never imports SQLModel.

An incident is open, as in the handover (:mod:`incident_tui.store.report_conditions`), until
the remote has its resolution: one resolved here whose resolution is still queued, refused or
in conflict counts as open, and stays out of the resolutions and the mean times to resolve.
The incidents of a remote taken out of the config are left out, as there too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from incident_tui.clock import from_db_or_none, to_db
from incident_tui.domain.model import Severity
from incident_tui.domain.query import ListQuery
from incident_tui.domain.stats import (
    DashboardData,
    OldOpen,
    Timing,
    Window,
    bucket_starts,
    fill_series,
)
from incident_tui.store.handover_remotes import retired_remotes
from incident_tui.store.reader import Reader, where_clause
from incident_tui.store.report_conditions import (
    OPEN,
    OPEN_HERE,
    OPEN_INDEXED,
    OPEN_SCAN,
    UNSENT_RESOLVE,
    not_retired,
    retired_json,
)

UNTIMED_SQL = "(status = 'resolved' AND (resolved_at IS NULL OR resolved_at = ''))"
"""Resolved at a time the cache does not know yet: left out of the resolutions per bucket
and of the mean time to resolve, as the handover leaves it out of "Resolved this shift"."""

EXACT_RESOLVED = "(day_only IS NULL OR json_extract(day_only, '$.resolved_at') IS NOT resolved_at)"
"""The resolution time is not a day's alone (4HSE's closing date, timed at its last moment or
at the sync that saw it: see :mod:`incident_tui.store.days`): it may go in an hour's bucket
and a mean time to resolve, which a day's would skew by up to a day."""

OLDEST_OPEN = 8
"""How many of the oldest open incidents the dashboard lists."""


def _seconds(column: str) -> str:
    return f"CAST(strftime('%s', {column}) AS INTEGER)"


def dashboard_data(
    reader: Reader,
    query: ListQuery | None = None,
    *,
    now: datetime,
    window: Window,
    oldest: int = OLDEST_OPEN,
    remotes: Sequence[str] | None = None,
) -> DashboardData:
    """Compute every dashboard figure for the incidents ``query`` selects (the list's
    filters; its sort order is irrelevant here) as of ``now``.

    ``remotes`` are the configured remote names: the incidents of a remote the config no
    longer names are left out, as the handover leaves them out, and the figures name such
    remotes (:attr:`DashboardData.left_out`). ``None``: every remote in the cache counts."""
    query = query or ListQuery()
    where, params = where_clause(query)
    retired = retired_remotes(reader, remotes)
    if retired:
        where += f" AND {not_retired('?')}"
        params.append(retired_json(retired))
    # The list's filters must not steer SQLite's choice of index here: with no statistics it
    # takes any equality (status, remote, severity) for selective and would fetch a fifth of
    # the table row by row instead of walking the created_at range or scanning once.
    scan_where = _unindexed(where)
    starts = bucket_starts(window, now)
    start_text = to_db(starts[0])
    end_text = to_db(starts[-1] + window.step)
    prefix = 13 if window.hourly else 10  # "2026-11-22T09" or "2026-11-22"

    opened = _grouped(
        reader,
        f"SELECT substr(created_at, 1, ?) AS b, COUNT(*) FROM incident WHERE {scan_where} "
        "AND created_at >= ? AND created_at < ? GROUP BY b",
        [prefix, *params, start_text, end_text],
    )
    # One scan for the open counts (by severity and remote) and the resolutions per bucket:
    # both need most of the table, and one scan costs half of two.
    by_severity = dict.fromkeys([s.value for s in Severity] + [None], 0)
    open_per_remote: dict[str, int] = {}
    resolved: dict[str, int] = {}
    # A resolution at a time not known yet (a remote's summary can lack it until the full
    # record is read) cannot go in a bucket, and its last update is no stand-in; it is left
    # out, and counted when that update falls in the window (it may have been resolved in it).
    # A day's resolution goes in a day's bucket but in no hour's. One the remote has not
    # accepted is open there: counted with the open ones (the CASE takes it before the
    # resolutions), and apart, so the screen can say how many.
    untimed_resolved = day_only_resolved = unsent_resolved = 0
    exact = EXACT_RESOLVED if window.hourly else "1"
    rows = reader.query(
        f"SELECT CASE WHEN {OPEN_HERE} THEN 'open' WHEN {UNSENT_RESOLVE} THEN 'unsent' "
        "WHEN status = 'resolved' AND resolved_at >= ? AND resolved_at < ? "
        f"THEN CASE WHEN {exact} THEN 'resolved' ELSE 'day' END "
        f"WHEN {UNTIMED_SQL} THEN 'untimed' END AS kind, "
        f"CASE WHEN {OPEN} THEN severity ELSE substr(resolved_at, 1, ?) END, "
        f"CASE WHEN {OPEN} THEN remote END, COUNT(*) "
        f"FROM incident WHERE {scan_where} AND ({OPEN_SCAN} "
        "OR (+status = 'resolved' AND resolved_at >= ? AND resolved_at < ?) "
        f"OR (+{UNTIMED_SQL} AND updated_at >= ?)) GROUP BY 1, 2, 3",
        [start_text, end_text, prefix, *params, start_text, end_text, start_text],
    )
    for kind, key, remote, count in rows:
        if kind == "resolved":
            resolved[str(key)] = int(count)
        elif kind == "untimed":
            untimed_resolved += int(count)
        elif kind == "day":
            day_only_resolved += int(count)
        elif kind in ("open", "unsent"):
            by_severity[key if key in by_severity else None] += int(count)
            open_per_remote[str(remote)] = open_per_remote.get(str(remote), 0) + int(count)
            unsent_resolved += int(count) if kind == "unsent" else 0
    total_open = sum(by_severity.values())

    # Means over the incidents opened in the window, so the figure follows the window keys.
    # Times earlier than the creation (clock skew between systems) would drag the mean
    # below zero; they are left out rather than clamped.
    ack = f"{_seconds('acknowledged_at')} - {_seconds('created_at')}"
    res = f"{_seconds('resolved_at')} - {_seconds('created_at')}"
    acked = "acknowledged_at >= created_at"
    # Resolved as far as the remote knows: not one whose resolution it has yet to accept.
    settled = f"status = 'resolved' AND NOT {UNSENT_RESOLVE}"
    done = f"{settled} AND resolved_at >= created_at AND {EXACT_RESOLVED}"
    timing_rows = reader.query(
        f"SELECT remote, AVG(CASE WHEN {acked} THEN {ack} END), "
        f"COUNT(CASE WHEN {acked} THEN 1 END), "
        f"AVG(CASE WHEN {done} THEN {res} END), COUNT(CASE WHEN {done} THEN 1 END), "
        f"COUNT(CASE WHEN {UNTIMED_SQL} AND NOT {UNSENT_RESOLVE} THEN 1 END), "
        f"COUNT(CASE WHEN {settled} AND NOT {EXACT_RESOLVED} THEN 1 END) "
        f"FROM incident WHERE {scan_where} AND created_at >= ? AND created_at < ? "
        "GROUP BY remote ORDER BY remote",
        [*params, start_text, end_text],
    )
    timings = tuple(
        Timing(
            remote=row[0],
            mtta_seconds=float(row[1]) if row[1] is not None else None,
            acknowledged=int(row[2]),
            mttr_seconds=float(row[3]) if row[3] is not None else None,
            resolved=int(row[4]),
            untimed=int(row[5]),
            day_only=int(row[6]),
        )
        for row in timing_rows
    )

    oldest_rows: list[tuple[Any, ...]] = []
    if total_open and oldest > 0:
        oldest_rows = _oldest_open(reader, where, scan_where, params, min(oldest, total_open))
    return DashboardData(
        window=window,
        now=now,
        bucket_starts=tuple(starts),
        opened=tuple(fill_series(starts, window.hourly, opened)),
        resolved=tuple(fill_series(starts, window.hourly, resolved)),
        open_by_severity=tuple(by_severity.items()),
        open_by_remote=tuple(sorted(open_per_remote.items())),
        timings=timings,
        oldest_open=tuple(_old_open(r) for r in oldest_rows),
        total_open=total_open,
        filters=query.describe(),
        untimed_resolved=untimed_resolved,
        day_only_resolved=day_only_resolved,
        unsent_resolved=unsent_resolved,
        left_out=tuple(retired),
    )


WALK = 10_000
"""Most index entries the oldest-open walk looks at before it falls back to sorting."""


def _oldest_open(
    reader: Reader, where: str, scan_where: str, params: list[Any], want: int
) -> list[tuple[Any, ...]]:
    """The ``want`` oldest open incidents the filters select, oldest first (ties by id).

    Usually the (created_at, id) index walked from the oldest end finds them within a few
    hundred rows. The walk stops at the index's :data:`WALK`-th entry (looked up from the
    index alone), since when open incidents are rare among the old ones it would cross the
    table row by row; then SQLite fetches the open ones through the status index (those
    resolved here only by their ids) and sorts.
    """
    columns = "id, remote, ref, title, status, severity, created_at, updated_at"
    bound = reader.query(
        "SELECT created_at FROM incident ORDER BY created_at, id LIMIT 1 OFFSET ?", [WALK]
    )
    within = " AND created_at <= ?" if bound else ""
    found = reader.query(
        f"SELECT {columns} FROM incident WHERE {scan_where} AND {OPEN_SCAN}{within} "
        "ORDER BY created_at, id LIMIT ?",
        [*params, *(bound[0] if bound else ()), want],
    )
    if len(found) == want:
        return found
    return reader.query(
        f"SELECT {columns} FROM incident WHERE {where} AND {OPEN_INDEXED} "
        "ORDER BY created_at, id LIMIT ?",
        [*params, want],
    )


def daily_counts(reader: Reader, remote: str, days: Sequence[str]) -> dict[str, int]:
    """Incidents of ``remote`` created on each UTC day in ``days`` (``YYYY-MM-DD``, in order),
    as the remote itself would count them: every incident it has told us about, including
    ones the user deleted here but the remote has not yet confirmed, and none created here
    that the remote has not yet accepted. For the Kitehouse ``/dashboard`` cross-check."""
    if not days:
        return {}
    first, last = min(days), max(days)
    rows = reader.query(
        "SELECT substr(created_at, 1, 10) AS d, COUNT(*) FROM incident "
        "WHERE remote = ? AND local_only = 0 AND created_at >= ? AND created_at < ? "
        "GROUP BY d",
        [remote, first, last + "T99"],  # "T99" sorts after every time of the last day
    )
    found = {str(r[0]): int(r[1]) for r in rows}
    return {day: found.get(day, 0) for day in days}


_INDEXED_FILTER = re.compile(r"(?<![\w+])(status|remote|severity)(?= IN \(| IS NULL)")


def _unindexed(where: str) -> str:
    """The list's filter conditions with their columns prefixed by ``+``: same meaning, but
    SQLite will not pick those columns' indexes for them. The full-text condition (a rowid
    lookup) is left alone."""
    return _INDEXED_FILTER.sub(r"+\1", where)


def _grouped(reader: Reader, sql: str, params: list[Any]) -> dict[str, int]:
    return {str(row[0]): int(row[1]) for row in reader.query(sql, params)}


def _old_open(row: tuple[Any, ...]) -> OldOpen:
    return OldOpen(
        id=row[0],
        remote=row[1],
        ref=row[2],
        title=row[3] or "",
        status=row[4],
        severity=row[5],
        created_at=from_db_or_none(row[6]),
        updated_at=from_db_or_none(row[7]),
    )

