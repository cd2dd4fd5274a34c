"""Writing what a pull brought: upserts of incidents with their comments and attachments,
and the removal of incidents a full listing no longer has. Unchanged rows are not written,
nor copies the remote times before the one stored (read before another process stored it).
"""

from __future__ import annotations

import functools
import hashlib
import sqlite3
from collections.abc import Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from types import MappingProxyType
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, select

from incident_tui.clock import from_db, from_db_or_none, to_db
from incident_tui.domain import jsontext
from incident_tui.domain.gone import GONE_REASONS
from incident_tui.domain.model import Incident, Status, SummaryGaps
from incident_tui.store import fts
from incident_tui.store.bookkeeping import gone_from_remote
from incident_tui.store.children import replace_children
from incident_tui.store.days import (
    DAY_FIELDS,
    UNKNOWN_FIELDS,
    day_marks,
    kept_times,
    settled_times,
    touched_times,
)
from incident_tui.store.reopened import mark_reopened, reopenings
from incident_tui.store.schema import IncidentRow

SYNCED_COLUMNS = (
    "remote", "kind", "remote_id", "ref", "container", "title", "description", "status",
    "status_raw", "severity", "severity_raw", "category", "occurred_at", "created_at",
    "updated_at", "acknowledged_at", "resolved_at", "reporter", "assignees", "custom_fields",
    "extra", "version", "raw", "base", "synced_at",
)  # fmt: skip

UPSERT_COLUMNS = ("id", *SYNCED_COLUMNS, "hydrated", "day_only")
_INSERT = (
    f"INSERT INTO {IncidentRow.__tablename__} ({', '.join(UPSERT_COLUMNS)}, pending, "
    "local_only, remote_deleted, deleted_locally) VALUES "
)
_ROW = f"({', '.join('?' * len(UPSERT_COLUMNS))}, 0, 0, 0, 0)"
# Only changed rows are written, so a changed summary row also resets ``hydrated``: its
# comments may be stale now and the engine fetches the full incident again.
_ON_CONFLICT = " ON CONFLICT(id) DO UPDATE SET " + ", ".join(
    f"{name} = excluded.{name}" for name in (*SYNCED_COLUMNS, "hydrated", "day_only")
)
ROWS_PER_STATEMENT = 500
"""Most rows one upsert statement carries (fewer if SQLite's parameter limit says so)."""


@functools.lru_cache(maxsize=32)
def upsert_sql(count: int) -> str:
    """The upsert of ``count`` pulled rows in one statement, their :func:`row_values` one
    after the other as its parameters.

    A pull writes a page this way rather than with ``executemany``, which takes the GIL back
    for every row and so queues behind the thread that parses the next page; here SQLite
    stores the whole chunk without it. Measured and dropped: passing the page as one JSON
    array (SQLite unpacked every row's JSON once per column: twice the time), numbered
    parameters (SQLite binds them ~25% slower) and building ``base`` with ``json_object``
    (slower than encoding it in Python)."""
    return _INSERT + ", ".join([_ROW] * count) + _ON_CONFLICT


def rows_per_statement(conn: sqlite3.Connection) -> int:
    """How many rows one :func:`upsert_sql` statement may carry on ``conn``."""
    limit = conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(UPSERT_COLUMNS)
    return max(1, min(ROWS_PER_STATEMENT, limit))


@dataclass(slots=True)
class UpsertResult:
    """Which incidents a write added, changed or removed."""

    new: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    skipped_pending: list[str] = field(default_factory=list)

    def touched(self) -> list[str]:
        """Every id whose list row may look different now."""
        return [*self.new, *self.changed, *self.removed, *self.skipped_pending]


def raw_text(incident: Incident) -> str:
    """The remote's payload as stored: canonical JSON (sorted keys), so it also serves as
    the input of :func:`content_version`."""
    return jsontext.dumps(incident.raw, sort_keys=True)


def content_version(incident: Incident, raw: str | None = None) -> str:
    """The incident's version token, or a hash of its raw payload when the remote has none.
    ``raw``: the payload's :func:`raw_text`, if the caller has it already.

    The token, not the payload, because a summary and the full record of one incident carry
    different payloads but the same token: comparing payloads would fetch every full record
    again after each listing. So each connector's token must move whenever its listing row
    does (see the AOH IMS and Revily mappings)."""
    if incident.version:
        return incident.version
    blob = (raw if raw is not None else raw_text(incident)).encode()
    return "sha1:" + hashlib.sha1(blob, usedforsecurity=False).hexdigest()


def base_of(incident: Incident) -> dict[str, Any]:
    """The editable common fields as the remote has them: the base for conflict checks."""
    return {
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity.value if incident.severity else None,
        "status": incident.status.value,
    }


BASE_UPDATED = "updated_at"
"""Key of the stored ``base`` holding the remote's own last update of the copy it was read
from (cache form), when the remote gives one: what a copy read later must not be older than
(see :func:`_older`). No conflict check reads it: :func:`base_of` has no such field."""


def stored_base(incident: Incident, updated: str | None) -> str:
    """The ``base`` column of a pulled incident: :func:`base_of`, and its remote's own last
    update ``updated`` (cache form, :data:`BASE_UPDATED`) if it has one."""
    values = base_of(incident)
    if updated is not None:
        values[BASE_UPDATED] = updated
    return jsontext.dumps(values)


def _json(value: list[Any] | dict[str, Any]) -> str:
    # Most incidents have no assignees or custom fields: no encoder call for those.
    if not value:
        return "[]" if isinstance(value, list) else "{}"
    return jsontext.dumps(value)


_NO_TIMES: Mapping[str, datetime] = MappingProxyType({})


def row_values(
    incident: Incident,
    synced_at: str | None,
    raw: str,
    version: str,
    times: Mapping[str, datetime] = _NO_TIMES,
    day_only: str | None = None,
) -> tuple[Any, ...]:
    """The :data:`UPSERT_COLUMNS` of a pulled incident, in order (a tuple, not a dict: this
    runs for every pulled row). ``synced_at`` is in cache form, ``raw`` is the incident's
    :func:`raw_text` and ``version`` its :func:`content_version`; ``times``: times stored in
    place of the incident's, day-only ones settled and ones the remote has no field for kept
    (:mod:`incident_tui.store.days`); ``day_only``: the JSON of which of them stand for a day
    (:func:`~incident_tui.store.days.day_marks`)."""
    # Status and Severity are StrEnums, so the members are their own text values.
    updated = to_db(incident.updated_at)
    return (
        incident.id,
        incident.remote,
        incident.kind,
        incident.remote_id,
        incident.ref,
        incident.container,
        incident.title,
        incident.description,
        incident.status,
        incident.status_raw,
        incident.severity,
        incident.severity_raw,
        incident.category,
        to_db(times.get("occurred_at", incident.occurred_at)),
        to_db(incident.created_at),
        updated if "updated_at" not in times else to_db(times["updated_at"]),
        to_db(times.get("acknowledged_at", incident.acknowledged_at)),
        to_db(times.get("resolved_at", incident.resolved_at)),
        incident.reporter,
        _json(incident.assignees),
        _json(incident.custom_fields),
        _json(incident.extra),
        version,
        raw,
        # The remote's own time, never one the cache made up for a remote without it.
        stored_base(incident, updated),
        synced_at,
        incident.comments is not None,
        day_only,
    )  # fmt: skip


def _by_id(s: Session, columns: str, ids: list[str]) -> Iterator[Any]:
    """``SELECT id, <columns>`` of the cached incidents among ``ids``.

    The ids go to SQLite as one JSON array: any number in one statement, and no SQLAlchemy
    parameter expansion, which cost more than the lookups for a pull's pages."""
    driver = s.connection().connection.driver_connection
    assert driver is not None
    yield from driver.execute(
        f"SELECT id, {columns} FROM incident WHERE id IN (SELECT value FROM json_each(?))",
        (jsontext.dumps(ids),),
    )


def _known(s: Session, ids: list[str]) -> dict[str, tuple[str | None, int, bool]]:
    """Version, pending count and hydrated mark of the ids already cached."""
    return {
        row[0]: (row[1], int(row[2]), bool(row[3]))
        for row in _by_id(s, "version, pending, hydrated", ids)
    }


def _refused_only(s: Session, ids: list[str]) -> set[str]:
    """Those of ``ids`` (incidents with changes in the outbox) whose every change there the
    remote refused: none is queued, being sent or contested. One statement for the page."""
    driver = s.connection().connection.driver_connection
    assert driver is not None
    return {
        row[0]
        for row in driver.execute(
            "SELECT incident_id FROM outbox WHERE incident_id IN (SELECT value FROM json_each(?)) "
            "GROUP BY incident_id HAVING SUM(state != 'failed') = 0",
            (jsontext.dumps(ids),),
        )
    }


REFUSED_BASE = "base"
"""Payload key of a refused change: the conflict base it was queued against (the incident's
``base`` then), kept once a pull stores the remote's newer values over the incident. A retry
is checked against it, so what someone else changed meanwhile is still a conflict."""


def _keep_bases(s: Session, ids: list[str]) -> None:
    """Before a pull writes the remote's values over these incidents, whose changes were
    all refused: keep each refused change's conflict base in its payload
    (:data:`REFUSED_BASE`), unless an earlier pull kept it already (that one is older)."""
    driver = s.connection().connection.driver_connection
    assert driver is not None
    updates: list[tuple[str, int]] = []
    for seq, payload, base in driver.execute(
        "SELECT o.seq, o.payload, i.base FROM outbox o JOIN incident i ON i.id = o.incident_id "
        "WHERE o.state = 'failed' AND o.incident_id IN (SELECT value FROM json_each(?))",
        (jsontext.dumps(ids),),
    ):
        try:
            values, kept = jsontext.loads(payload), jsontext.loads(base or "{}")
        except ValueError:
            continue  # a damaged entry is left as it is; the push reports it
        if isinstance(values, dict) and isinstance(kept, dict) and REFUSED_BASE not in values:
            updates.append((jsontext.dumps({**values, REFUSED_BASE: kept}), seq))
    if updates:
        driver.executemany("UPDATE outbox SET payload = ? WHERE seq = ?", updates)


def upsert_incidents(
    s: Session,
    incidents: Sequence[Incident],
    synced_at: datetime,
    gaps: SummaryGaps | None = None,
    *,
    reread: bool = False,
) -> UpsertResult:
    """Store pulled incidents. Rows with queued local changes keep the local view (only their
    remote comments are refreshed); the engine re-reads them once their queue drains. Rows
    whose every change the remote refused are stored like any other: the refused changes
    did not happen, and they may wait for the user for days (see :func:`_keep_bases`). A
    copy older than the one stored, by the remote's own update times, is left out
    (:func:`_older`).

    ``gaps`` names what the remote's summaries leave out: a summary over a cached incident
    keeps those parts of it (see :func:`fill_gaps`). ``reread``: full records fetched one by
    one; their comments and files replace the cached ones even when the incident itself is
    unchanged, because comments someone else added may move no version (AOH IMS comments,
    OneUptime notes)."""
    result = UpsertResult()
    if not incidents:
        return result
    known = _known(s, [i.id for i in incidents])
    waiting = [incident_id for incident_id, cached in known.items() if cached[1] > 0]
    refused = _refused_only(s, waiting) if waiting else set()
    writes: list[tuple[Incident, str | None, str]] = []
    detailed: list[Incident] = []
    # Changed on the remote since last read: its token moved. Not a row whose token was
    # forgotten to force a rewrite (after a push from here, a refusal, new mapping settings).
    moved: set[str] = set()
    for incident in incidents:
        previous = known.get(incident.id)
        if previous is not None and previous[1] > 0 and incident.id not in refused:
            result.skipped_pending.append(incident.id)
            if incident.comments is not None:
                detailed.append(incident)
            continue
        raw = None if incident.version else raw_text(incident)
        version = content_version(incident, raw)
        unchanged = previous is not None and previous[0] == version
        if unchanged and (incident.comments is None or previous is not None and previous[2]):
            if reread and incident.comments is not None:
                detailed.append(incident)
            continue
        writes.append((incident, raw, version))
        if previous is not None and previous[0] is not None and not unchanged:
            moved.add(incident.id)
        # A new incident has nothing cached to merge with: only its children to add.
        if previous is not None or incident.comments or incident.attachments:
            if incident.comments is not None or incident.attachments is not None:
                detailed.append(incident)
        (result.changed if previous is not None else result.new).append(incident.id)
    older = _older(s, [i for i, _, _ in writes if i.id in known])
    if older:
        # Read before a newer copy was stored (another process on the cache pulled or
        # sent since): it would put the incident back as it was, and a status it had
        # then would read as a reopening. The cache keeps the newer copy.
        writes = [w for w in writes if w[0].id not in older]
        detailed = [i for i in detailed if i.id not in older]
        result.changed = [i for i in result.changed if i not in older]
        moved.difference_update(older)
    if gaps:
        summaries = [i.id for i, _, _ in writes if i.comments is None and i.id in known]
        cached = _cached_parts(s, summaries, gaps) if summaries else {}
        if cached:
            # fill_gaps leaves ``raw`` as it was, so its text still holds.
            writes = [
                (fill_gaps(i, cached[i.id], gaps) if i.id in cached else i, raw, version)
                for i, raw, version in writes
            ]
    settled: dict[str, dict[str, datetime]] = {}
    marks: dict[str, str] = {}
    if any(i.day_only or i.unknown_times for i, _, _ in writes):
        # One read for the page, of those already cached (a new incident has no time to
        # settle by or keep): no query per row.
        cached_times, cached_marks, cached_status = _cached_times(
            s, [i.id for i, _, _ in writes if (i.day_only or i.unknown_times) and i.id in known]
        )
        for incident, _, _ in writes:
            known_times = cached_times.get(incident.id, {})
            times = settled_times(incident, known_times, synced_at) if incident.day_only else {}
            if incident.day_only:
                day = day_marks(incident, times, known_times, cached_marks.get(incident.id, {}))
                if day:
                    marks[incident.id] = jsontext.dumps(day)
            if incident.unknown_times and known_times:
                times.update(kept_times(incident, known_times))
                if incident.id in moved:
                    times.update(
                        touched_times(
                            incident, known_times, cached_status.get(incident.id), synced_at
                        )
                    )
            if times:
                settled[incident.id] = times
    synced = to_db(synced_at)
    values = [
        row_values(
            incident, synced, raw_text(incident) if raw is None else raw, version,
            settled.get(incident.id, _NO_TIMES), marks.get(incident.id),
        )  # fmt: skip
        for incident, raw, version in writes
    ]
    # Read before the rows are written over: whether the remote had them resolved.
    reopened = reopenings(s, [i for i, _, _ in writes], known, synced_at)
    over_refused = [v[0] for v in values if v[0] in refused] if refused else []
    if over_refused:
        _keep_bases(s, over_refused)
    if values:
        # The hot path of a pull: straight on the driver connection (same transaction),
        # because SQLAlchemy's per-row parameter handling cost more than SQLite.
        driver = s.connection().connection.driver_connection
        assert driver is not None
        per = rows_per_statement(driver)
        for start in range(0, len(values), per):
            chunk = values[start : start + per]
            driver.execute(upsert_sql(len(chunk)), [v for row in chunk for v in row])
    mark_reopened(s, reopened)
    children_changed = replace_children(s, detailed)
    # Written rows, plus rows whose remote comments alone changed; not the others: the
    # incident on the detail screen is read again every pass, mostly to find nothing new.
    written = [v[0] for v in values]
    fts.reindex(s, written + sorted(children_changed.difference(written)))
    return result


def _older(s: Session, incidents: list[Incident]) -> set[str]:
    """Those of the cached ``incidents`` about to be written over whose remote's own last
    update is before that of the copy the cache last stored from the remote
    (:data:`BASE_UPDATED`). Only the remote's times are compared, never one of this
    machine's clock (a change made here times the row by it). A remote without update
    times (4HSE), and a row stored before they were kept, have none: the copy is stored."""
    times = {i.id: to_db(i.updated_at) for i in incidents if i.updated_at is not None}
    if not times:
        return set()
    stored = f"CASE WHEN json_valid(base) THEN json_extract(base, '$.{BASE_UPDATED}') END"
    # The cache form has a fixed width, so the texts sort as the times do.
    return {
        row[0]
        for row in _by_id(s, stored, list(times))
        if isinstance(row[1], str) and (times[row[0]] or "") < row[1]
    }


_TIME_FIELDS = frozenset({"occurred_at", "acknowledged_at", "resolved_at"})
_JSON_FIELDS = frozenset({"assignees", "custom_fields"})
_EMPTY: tuple[Any, ...] = (None, "", [], {})


def _cached_parts(s: Session, ids: list[str], gaps: SummaryGaps) -> dict[str, dict[str, Any]]:
    """The cached values of the gap fields (and ``extra``) of these incidents, decoded."""
    names = sorted(gaps.fields) + (["extra"] if gaps.extra else [])
    parts: dict[str, dict[str, Any]] = {}
    for row in _by_id(s, ", ".join(names), ids):
        values: dict[str, Any] = {}
        for name, value in zip(names, row[1:], strict=True):
            if name in _TIME_FIELDS:
                value = from_db(value)
            elif name in _JSON_FIELDS or name == "extra":
                value = jsontext.loads(value) if value else None
            values[name] = value
        parts[row[0]] = values
    return parts


def _cached_times(
    s: Session, ids: list[str]
) -> tuple[dict[str, dict[str, datetime | None]], dict[str, dict[str, str]], dict[str, str]]:
    """The cached times a remote may give as a day alone or not at all, of these incidents,
    which of them stand for a day (their ``day_only`` marks) and the status the remote had
    when last read (``base``: the status column shows a change queued here), by incident
    id."""
    times: dict[str, dict[str, datetime | None]] = {}
    marks: dict[str, dict[str, str]] = {}
    statuses: dict[str, str] = {}
    if not ids:
        return times, marks, statuses
    names = sorted(DAY_FIELDS | UNKNOWN_FIELDS)
    status = "CASE WHEN json_valid(base) THEN json_extract(base, '$.status') END"
    for row in _by_id(s, ", ".join([*names, "day_only", status]), ids):
        times[row[0]] = {
            name: from_db_or_none(value) for name, value in zip(names, row[1:-2], strict=True)
        }
        if row[-2]:
            marks[row[0]] = jsontext.loads(row[-2])
        if isinstance(row[-1], str):
            statuses[row[0]] = row[-1]
    return times, marks, statuses


def fill_gaps(summary: Incident, cached: dict[str, Any], gaps: SummaryGaps) -> Incident:
    """``summary`` with what it lacks taken from the cached incident: a gap field it leaves
    empty, and the gap keys of ``extra`` it does not have. A kept time must still fit the
    summary's status: a reopened incident has no resolution time, a triggered one no
    acknowledgement."""
    fields: dict[str, Any] = {}
    for name in gaps.fields:
        if getattr(summary, name) not in _EMPTY or cached.get(name) in _EMPTY:
            continue
        if name == "resolved_at" and summary.status is not Status.RESOLVED:
            continue
        if name == "acknowledged_at" and summary.status is Status.TRIGGERED:
            continue
        fields[name] = cached[name]
    old_extra = cached.get("extra")
    if isinstance(old_extra, dict):
        kept = {k: old_extra[k] for k in gaps.extra if k in old_extra and k not in summary.extra}
        if kept:
            fields["extra"] = {**summary.extra, **kept}
    return replace(summary, **fields) if fields else summary


def remove_missing(
    s: Session, remote: str, seen: Iterable[str], before: Container[str] | None = None
) -> UpsertResult:
    """After a complete listing: drop cached incidents of ``remote`` the remote no longer has.

    One with queued changes is kept and flagged, so the user's work is never thrown away;
    one flagged so before and listed again is there after all (a listing that had missed
    it): the flag, and the conflict it raised, go.

    ``before``: the incidents the cache held when the listing began. Only those can be
    missing from it: another process on the cache may have stored one since (a create it
    sent, a pull that found a new one), which a listing read earlier cannot show.
    """
    result = UpsertResult()
    seen_ids = set(seen)
    conn = s.connection()
    marked = conn.execute(
        text("SELECT id FROM incident WHERE remote = :r AND remote_deleted = 1"), {"r": remote}
    )
    back = [incident_id for (incident_id,) in marked if incident_id in seen_ids]
    if back:
        conn.execute(
            text(
                "UPDATE incident SET remote_deleted = 0, conflict = CASE "
                "WHEN json_extract(conflict, '$.reason') IN (SELECT value FROM json_each(:gone)) "
                "THEN NULL ELSE conflict END "
                "WHERE id IN (SELECT value FROM json_each(:ids))"
            ),
            {"gone": jsontext.dumps(GONE_REASONS), "ids": jsontext.dumps(back)},
        )
        result.changed += back
    # Only ids first: loading every row as an object would cost seconds at 50,000 incidents.
    candidates = [
        incident_id
        for (incident_id,) in s.connection().execute(
            text("SELECT id FROM incident WHERE remote = :r AND local_only = 0"), {"r": remote}
        )
        if incident_id not in seen_ids and (before is None or incident_id in before)
    ]
    for incident_id in candidates:
        row = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).one()
        flagged = bool(row.remote_deleted)
        if gone_from_remote(s, row):
            result.removed.append(incident_id)
        elif not flagged:
            result.changed.append(incident_id)
    return result
