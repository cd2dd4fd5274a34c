"""The handover's SQL, shaped for 100,000 incidents: one aggregate pass over the table and a
few short index walks, whatever the shift length.

* The pass counts the big sections (open critical and major, still open from before, stale)
  and returns, besides one row of counts, a row only for the few incidents that need more
  (resolved this shift; a conflict, a refusal or a promised ``next_update`` to judge).
* Each listing (the first ``limit`` of a section) is an ``ORDER BY ... LIMIT`` that walks the
  ``created_at`` or ``updated_at`` index in order and stops early. A walk is capped at
  :data:`WALK` rows: when the matches sit far along the index (open criticals are usually
  recent, the walk starts at the oldest) it would fetch the table row by row, so then the
  open incidents are fetched through the status index and sorted instead.

An incident counts as open until the remote has its resolution: one resolved here whose
resolution is still queued, refused or in conflict is open there, so it is counted and
listed with the open ones (its item says the resolution has not gone), and "Resolved this
shift" says only how many it leaves out for that. An incident is resolved this shift by its
resolution time alone: one resolved at a time the cache does not know yet is not counted, and
the section says how many of those changed this shift (see :data:`UNTIMED_IN_SHIFT`). A
resolution known by its day alone (4HSE) that no sync saw on that day counts only when the
whole day lies in the shift, and the section says how many it leaves out for that too.
Reopened this shift likewise goes by the time the cache noted the reopening at
(:mod:`incident_tui.store.reopened`), once the remote has it: a reopening from here that has
not reached it is counted apart.

Shift boundaries are inclusive: an incident created exactly ``hours`` before ``now`` is new
this shift, and one whose last update is exactly ``stale_hours`` old is stale. A time a remote
set counts as in the shift up to ``now`` and a few minutes (:data:`CLOCK_SKEW`), no later: an
incident dated in 2030 is not new this shift. Times in the cache are canonical ISO text, so
comparisons are text comparisons, and every order ends with the id so ties cannot reorder.
Plain ``sqlite3`` through :class:`Reader`; the rules that need judgement (what makes an
incident need attention, how fresh a remote is) live in :mod:`incident_tui.domain.handover`.

This module counts and lists the sections; the rows of listed incidents are read and turned
into items by :mod:`incident_tui.store.handover_items`, the shift's comments by
:mod:`incident_tui.store.handover_comments` and the remotes' freshness by
:mod:`incident_tui.store.handover_remotes`.
"""

from __future__ import annotations

import heapq
import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from incident_tui.clock import from_db, to_db
from incident_tui.domain.handover import (
    CLOCK_SKEW,
    SECTION_ORDER,
    Handover,
    HandoverItem,
    Reason,
    Section,
    attention_reasons,
    conflict_reason,
    next_update_of,
)
from incident_tui.domain.model import SEVERITY_RANK, Severity
from incident_tui.store.days import day_start, local_day, seen_after_its_day
from incident_tui.store.handover_comments import comment_threads
from incident_tui.store.handover_items import (
    DAY_RESOLVED,
    ITEM_SQL,
    Row,
    fetch_ids,
    item_of,
    json_object,
    resolution_unsent,
)
from incident_tui.store.handover_remotes import BLOCKED_STATES, remote_freshness, retired_remotes
from incident_tui.store.reader import Reader
from incident_tui.store.report_conditions import (
    LIVE,
    OPEN,
    OPEN_INDEXED,
    OPEN_SCAN,
    UNSENT_RESOLVE,
    retired_json,
)

LIMIT = 50
"""Most incidents listed per section (the counts stay exact); a handover is read by a person."""

COMMENTS_PER_INCIDENT = 10
"""Most comments listed per incident (the latest ones)."""

WALK = 10_000
"""Most index entries a listing walks before it sorts the matches instead."""

SEVERITIES = frozenset(s.value for s in Severity)
LAST_UPDATE = "COALESCE(NULLIF(updated_at, ''), created_at, '')"
RESOLVED_HERE_IN_SHIFT = "(status = 'resolved' AND resolved_at BETWEEN :since AND :until)"
"""Resolved at a known time within the shift; this counts resolutions the remote has not
accepted yet, too."""
RESOLVED_IN_SHIFT = f"({RESOLVED_HERE_IN_SHIFT} AND NOT {UNSENT_RESOLVE})"
"""Resolved this shift, and the remote has the resolution."""
UNTIMED_IN_SHIFT = (
    "(status = 'resolved' AND (resolved_at IS NULL OR resolved_at = '') "
    f"AND updated_at BETWEEN :since AND :until AND NOT {UNSENT_RESOLVE})"
)
"""Resolved at a time the cache does not know yet (a remote's summary may lack it until the
full record is read), and changed this shift, so possibly resolved in it. Its last update is
no resolution time (an incident resolved days ago and commented on today would pass for
resolved today), so it is not counted as resolved this shift; the section says how many it
leaves out for that, as the dashboard leaves such incidents out of its resolutions."""
REOPENED_IN_SHIFT = "(IFNULL(reopened_at, '') BETWEEN :since AND :until)"
"""Reopened within the shift (the remote has it open again, or resolved once more since)."""
UNSENT_REOPEN = (
    "(pending > 0 AND status != 'resolved' "
    f"AND id IN (SELECT incident_id FROM outbox WHERE op = 'reopen') AND NOT {REOPENED_IN_SHIFT})"
)
"""Reopened here only: a reopening is still in the outbox (queued, refused or in conflict),
so the remote has the incident resolved; not one reopened this shift already (counted)."""
DATED_AFTER_END = (
    "(created_at > :until OR (status = 'resolved' AND resolved_at > :until))"
)
"""Created or resolved at a time after the shift's end (:data:`CLOCK_SKEW` included): a
remote's clock or record is wrong. No section takes it by that time; the summary says how
many such incidents no section takes at all (:data:`IN_A_SECTION`)."""
IN_A_SECTION = (
    f"IFNULL(({OPEN} AND (severity IN ('critical', 'major') OR created_at < :since "
    f"OR {LAST_UPDATE} <= :stale)) "
    f"OR created_at BETWEEN :since AND :until OR {RESOLVED_IN_SHIFT} OR {REOPENED_IN_SHIFT}, 0)"
)
"""Counted by a section whatever its other dates: an open critical or major one (needs
attention, a remote's clock ahead or not), one still open from before or stale, one new,
resolved or reopened this shift. Those needing attention for another reason (a conflict, a
refusal, a promised update) are judged apart, see :func:`_attention`. A test on a missing
value (no severity) is unknown in SQL, and no section takes an incident by one: ``IFNULL``
makes it false, or ``NOT`` would leave the whole unknown and the incident uncounted."""
NEEDS_JUDGING = "(conflict IS NOT NULL OR failed IS NOT NULL OR instr(extra, 'next_update') > 0)"

PASS_SQL = (
    f"SELECT CASE WHEN {RESOLVED_IN_SHIFT} OR {REOPENED_IN_SHIFT} OR {NEEDS_JUDGING} "
    "THEN id END AS k, "
    f"COUNT(CASE WHEN {OPEN} AND created_at < :since THEN 1 END), "
    f"COUNT(CASE WHEN {OPEN} AND {LAST_UPDATE} <= :stale THEN 1 END), "
    f"COUNT(CASE WHEN {OPEN} AND severity = 'critical' THEN 1 END), "
    f"COUNT(CASE WHEN {OPEN} AND severity = 'major' THEN 1 END), "
    f"MAX(CASE WHEN {RESOLVED_IN_SHIFT} THEN resolved_at END), "
    f"MAX({NEEDS_JUDGING}), "
    f"COUNT(CASE WHEN {RESOLVED_HERE_IN_SHIFT} AND {UNSENT_RESOLVE} THEN 1 END), "
    f"COUNT(CASE WHEN {UNTIMED_IN_SHIFT} THEN 1 END), "
    f"MAX(CASE WHEN {REOPENED_IN_SHIFT} THEN reopened_at END), "
    f"COUNT(CASE WHEN {UNSENT_REOPEN} THEN 1 END), "
    f"COUNT(CASE WHEN {DATED_AFTER_END} AND NOT {IN_A_SECTION} THEN 1 END), "
    f"MAX(CASE WHEN {RESOLVED_IN_SHIFT} AND {DAY_RESOLVED} THEN 1 END) "
    f"FROM incident WHERE {LIVE} "
    f"AND ({OPEN_SCAN} OR {RESOLVED_HERE_IN_SHIFT} OR {UNTIMED_IN_SHIFT} "
    "OR reopened_at BETWEEN :since AND :until OR resolved_at > :until OR created_at > :until "
    "OR conflict IS NOT NULL OR failed IS NOT NULL) GROUP BY k"
)
"""The one pass over the table. Grouping by "the id if this incident needs a closer look,
else NULL" gives one row for all the others (their counts) plus one row per incident to look
at; ``+status`` makes it a sequential scan rather than most of the table fetched through the
status index."""

Judged = tuple[tuple[int, str, str], str, tuple[Reason, ...]]
"""An incident needing attention: (sort key: severity rank, created_at, id), id, reasons."""


def handover_report(
    reader: Reader,
    *,
    now: datetime,
    hours: float,
    stale_hours: float,
    remotes: Sequence[str] | None = None,
    disabled: Collection[str] = (),
    limit: int = LIMIT,
    comments_per_incident: int = COMMENTS_PER_INCIDENT,
) -> Handover:
    """The handover of the ``hours`` up to ``now``.

    ``remotes`` are the configured remote names: one that has never synced has no row in the
    cache, and the summary must still say that its data is missing; the incidents of a
    remote not among them are left out (see :data:`LIVE`). ``None``: every remote in the
    cache counts as configured. ``disabled``: those of them the config has ``enabled =
    false``, which nothing syncs (their freshness says so). Raises ``ValueError`` for a
    non-positive ``hours`` or ``stale_hours``.
    """
    if not hours > 0:
        raise ValueError(f"hours must be positive, not {hours:g}")
    if not stale_hours > 0:
        raise ValueError(f"stale_hours must be positive, not {stale_hours:g}")
    since = now - timedelta(hours=hours)
    since_text = to_db(since) or ""
    # The shift's end for times the remotes set (see CLOCK_SKEW).
    until_text = to_db(now + CLOCK_SKEW) or ""
    shift = (since_text, until_text)
    retired = retired_remotes(reader, remotes)
    times = {
        "since": since_text,
        "until": until_text,
        "stale": to_db(now - timedelta(hours=stale_hours)) or "",
        "retired": retired_json(retired),
    }

    blocked: dict[str, list[tuple[str, str | None]]] = {}
    for incident_id, remote, state, error in reader.query(
        "SELECT incident_id, remote, state, last_error FROM outbox "
        f"WHERE state IN {BLOCKED_STATES} ORDER BY seq"
    ):
        if remote not in retired:
            blocked.setdefault(incident_id, []).append((state, error))

    carried_total = stale_total = critical_total = major_total = unsent_total = 0
    untimed_total = unsent_reopen_total = after_end = day_only_total = 0
    resolved: list[tuple[str, str]] = []
    reopened: list[tuple[str, str]] = []
    to_judge = set(blocked)
    for (
        key, carried_n, stale_n, critical_n, major_n, resolved_at, judge, unsent_n, untimed_n,
        reopened_at, unsent_reopen_n, after_end_n, day_resolved,
    ) in _named(reader, PASS_SQL, times):  # fmt: skip
        carried_total += carried_n
        stale_total += stale_n
        critical_total += critical_n
        major_total += major_n
        unsent_total += unsent_n
        untimed_total += untimed_n
        unsent_reopen_total += unsent_reopen_n
        after_end += after_end_n
        if key is not None and resolved_at is not None:
            if day_resolved and not _day_in_shift(resolved_at, since):
                day_only_total += 1
            else:
                resolved.append((resolved_at, key))
        if key is not None and reopened_at is not None:
            reopened.append((reopened_at, key))
        if key is not None and judge:
            to_judge.add(key)
    resolved.sort()
    reopened.sort()

    limit = max(0, limit)
    # How many incidents there are, near enough (the largest rowid: no scan), to judge
    # whether an index walk is likely to find what it looks for.
    rows = int(reader.query("SELECT COALESCE(MAX(num), 0) FROM incident")[0][0])
    params = {**times, "limit": limit, "walk": WALK, "rows": rows}
    carried = _listing(
        reader, params, carried_total, f"{OPEN_SCAN} AND created_at < :since", "created_at"
    )
    stale = _stale(reader, params, stale_total)
    attention_total, attention, judged = _attention(
        reader, params, (critical_total, major_total), sorted(to_judge), blocked, now
    )
    if after_end and judged:
        # The pass counted these as in no section; they need attention for what was judged.
        after_end -= _named(
            reader,
            f"SELECT COUNT(*) FROM incident WHERE id IN (SELECT value FROM json_each(:judged)) "
            f"AND {LIVE} AND {DATED_AFTER_END} AND NOT {IN_A_SECTION}",
            {**params, "judged": json.dumps(sorted(judged))},
        )[0][0]
    new = _named(
        reader,
        f"SELECT id, COUNT(*) OVER () FROM incident WHERE {LIVE} "
        "AND created_at BETWEEN :since AND :until ORDER BY created_at, id LIMIT :limit",
        params,
    )

    resolved_ids = [i for _, i in resolved[:limit]]
    reopened_ids = [i for _, i in reopened[:limit]]
    wanted = {*carried, *stale, *resolved_ids, *reopened_ids, *(r[0] for r in new)}
    details = {r[0]: r for r in fetch_ids(reader, ITEM_SQL, sorted(wanted))}

    def items(ids: Iterable[str]) -> tuple[HandoverItem, ...]:
        return tuple(item_of(details[i], shift) for i in ids if i in details)

    # Each section's title, count, items and order, by key; the domain's SECTION_ORDER says
    # which sections a handover has and in what order, so the two cannot drift apart.
    contents = {
        "attention": (
            "Needs attention now",
            attention_total,
            attention,
            "most severe first, then oldest",
        ),
        "new": (
            "New this shift",
            int(new[0][1]) if new else 0,
            items(r[0] for r in new),
            "oldest first",
        ),
        "resolved": (
            "Resolved this shift",
            len(resolved),
            items(resolved_ids),
            "in order of resolution",
        ),
        "reopened": (
            "Reopened this shift",
            len(reopened),
            items(reopened_ids),
            "in order of reopening",
        ),
        "carried": ("Still open from before", carried_total, items(carried), "oldest first"),
        "stale": (
            f"Stale, no update for {stale_hours:g} h",
            stale_total,
            items(stale),
            "longest silent first",
        ),
    }
    # Resolutions the remote has not accepted are counted as open, and those at a time not
    # known yet are not counted; the resolved section says how many it leaves out for each.
    # Reopenings the remote has not accepted are left out of the reopened section likewise.
    unsent = {"resolved": unsent_total, "reopened": unsent_reopen_total}
    untimed = {"resolved": untimed_total}
    day_only = {"resolved": day_only_total}
    sections = tuple(
        Section(
            key, *contents[key], unsent=unsent.get(key, 0), untimed=untimed.get(key, 0),
            day_only=day_only.get(key, 0),
        )
        for key in SECTION_ORDER
    )
    threads, comment_total, comment_incidents = comment_threads(
        reader, since_text, until_text, limit, comments_per_incident, retired
    )
    return Handover(
        generated_at=now,
        since=since,
        hours=hours,
        stale_hours=stale_hours,
        sections=sections,
        comments=threads,
        comment_total=comment_total,
        comment_incidents=comment_incidents,
        remotes=remote_freshness(reader, remotes, since, now, disabled),
        after_end=after_end,
    )


def _day_in_shift(resolved_at: str, since: datetime) -> bool:
    """Whether a day-alone resolution time in the shift starting ``since`` (cache form)
    counts in it: timed by a sync that saw the incident resolved on its day (as close as the
    cache can tell), or else (its day's last moment: first seen after that day) when its
    whole day lies in the shift; otherwise it may as well have been resolved before the
    shift began."""
    moment = from_db(resolved_at)
    if moment is None or not seen_after_its_day(moment):
        return True
    return day_start(local_day(moment)) >= since


def _named(reader: Reader, sql: str, params: Mapping[str, Any]) -> list[Row]:
    """Run ``sql`` with named parameters (``:since`` is used several times per statement).
    ``sqlite3`` takes a mapping for them; ``Reader.query`` is annotated for sequences only."""
    return reader.query(sql, params)


def _listing(
    reader: Reader,
    params: dict[str, Any],
    total: int,
    condition: str,
    order: str,
    columns: str = "id",
    sort_condition: str | None = None,
) -> list[Any]:
    """The first ``:limit`` open incidents matching ``condition`` in ``order, id`` order
    (``order`` is an indexed column), as rows of ``columns`` (a bare id when it is ``id``).

    When the matches are dense enough (``total`` of them among ``:rows`` incidents) this walks
    the ``order`` index from its low end, no further than its :data:`WALK`-th entry (found
    first, from the index alone), and stops at ``:limit`` matches. Otherwise, or if that
    stretch of the index does not hold enough, SQLite fetches the matches through another
    index (``sort_condition``; by default those open here through the status index, those
    resolved here only by their ids from the outbox) and sorts them.
    """
    want = min(params["limit"], total)
    if want <= 0:
        return []
    found: list[Row] = []
    if want * params["rows"] <= WALK * total:
        bound = _named(
            reader,
            f"SELECT {order} FROM incident WHERE {order} > '' ORDER BY {order} "
            "LIMIT 1 OFFSET :walk",
            params,
        )
        within = f" AND {order} <= :bound" if bound else ""
        found = _named(
            reader,
            f"SELECT {columns} FROM incident WHERE {LIVE} AND {condition}{within} "
            f"ORDER BY {order}, id LIMIT :limit",
            {**params, "bound": bound[0][0] if bound else None},
        )
    if len(found) < want:
        found = _named(
            reader,
            f"SELECT {columns} FROM incident WHERE {LIVE} "
            f"AND {sort_condition or condition.replace(OPEN_SCAN, OPEN_INDEXED)} "
            f"ORDER BY {order}, id LIMIT :limit",
            params,
        )
    return [r[0] for r in found] if columns == "id" else found


def _stale(reader: Reader, params: dict[str, Any], total: int) -> list[str]:
    """The first ``:limit`` stale incidents, silent the longest first.

    Those with an update time come from a walk of the ``updated_at`` index; those without
    (4HSE has none) are looked up by their NULL there and ordered by creation time.
    """
    updated = _listing(
        reader,
        params,
        total,
        f"{OPEN_SCAN} AND updated_at > '' AND updated_at <= :stale",
        "updated_at",
        "updated_at, id",
    )
    never = _named(
        reader,
        f"SELECT created_at, id FROM incident WHERE {LIVE} AND {OPEN_SCAN} "
        "AND (updated_at IS NULL OR updated_at = '') AND created_at <= :stale "
        "ORDER BY created_at, id LIMIT :limit",
        params,
    )
    merged = heapq.nsmallest(params["limit"], [*map(tuple, updated), *map(tuple, never)])
    return [i for _, i in merged]


def _attention(
    reader: Reader,
    params: dict[str, Any],
    severe_totals: tuple[int, int],
    to_judge: list[str],
    blocked: dict[str, list[tuple[str, str | None]]],
    now: datetime,
) -> tuple[int, tuple[HandoverItem, ...], frozenset[str]]:
    """How many incidents need attention, the first ``:limit`` (most severe first, then
    oldest), and the ids of those judged to need it (not by their severity alone).

    Open critical and major ones need nothing but their severity: counted by the pass, their
    first ``limit`` listed by a walk each. The others to judge (a conflict, a refusal, a
    promised update) are few; they are read in full and judged by :func:`attention_reasons`.
    Incidents in both groups are counted once.
    """
    limit = params["limit"]
    full = {r[0]: r for r in fetch_ids(reader, ITEM_SQL, to_judge)}
    judged: list[Judged] = []
    total = sum(severe_totals)
    for ident in to_judge:
        row = full.get(ident)
        if row is None:
            continue
        is_open = row[4] in ("triggered", "acknowledged") or resolution_unsent(row)
        is_severe = is_open and row[5] in ("critical", "major")
        total -= is_severe  # counted by the pass already; counted below if it still qualifies
        reasons = _reasons(row, blocked.get(ident, []), now)
        if reasons:
            total += 1
            judged.append((_rank(row), ident, reasons))
    judged_for_reasons = list(judged)
    for rank, severity in enumerate(("critical", "major")):
        rows = _listing(
            reader,
            {**params, "severity": severity},
            severe_totals[rank],
            f"{OPEN_SCAN} AND +severity = :severity",
            "created_at",
            "id, created_at",
            # Fewer incidents have one severity than are open: fetch by severity, then sort.
            sort_condition=f"{OPEN_SCAN} AND severity = :severity",
        )
        judged += [
            ((rank, created or "", ident), ident, (Reason(severity),))
            for ident, created in rows
            if ident not in full
        ]
    first = heapq.nsmallest(limit, judged)
    full.update(
        (r[0], r) for r in fetch_ids(reader, ITEM_SQL, [i for _, i, _ in first if i not in full])
    )
    shift = (params["since"], params["until"])
    listed = tuple(item_of(full[i], shift, reasons) for _, i, reasons in first if i in full)
    return total, listed, frozenset(ident for _, ident, _ in judged_for_reasons)


def _rank(row: Row) -> tuple[int, str, str]:
    """The attention sort key of an ``ITEM_SQL`` row: severity rank, creation, id."""
    severity = Severity(row[5]) if row[5] in SEVERITIES else None
    return (SEVERITY_RANK[severity], row[6] or "", row[0])


def _reasons(row: Row, blocked: list[tuple[str, str | None]], now: datetime) -> tuple[Reason, ...]:
    """Judge one fully read incident (an ``ITEM_SQL`` row) with its blocked outbox entries."""
    conflict = conflict_reason(row[10])
    failures: list[str] = [str(row[11])] if row[11] else []
    for state, error in blocked:
        if state == "failed":
            failures.append(error or "refused by the remote")
        elif conflict is None:
            conflict = error or "changed on the remote"
    return attention_reasons(
        status=row[4],
        severity=row[5],
        next_update=next_update_of(json_object(row[12])),
        conflict=conflict,
        failures=tuple(failures),
        now=now,
        resolution_unsent=resolution_unsent(row),
    )

