"""Fast reads for the screens and the command line, straight through ``sqlite3``.

The list never loads all incidents: it asks for a count and for pages of light rows. Every
method is safe to call from worker threads (one connection, one lock; WAL lets readers run
while the sync engine writes).
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Generator, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from incident_tui.domain.query import ListQuery, Sort, search_words
from incident_tui.domain.text import clean
from incident_tui.store.db import open_db
from incident_tui.store.pauses import STORAGE_WAIT, pause_left

LIST_COLUMNS = (
    "id, remote, kind, remote_id, ref, title, status, severity, created_at, updated_at, "
    "pending, conflict IS NOT NULL, failed IS NOT NULL, local_only"
)

SEVERITY_RANK_SQL = (
    "CASE severity WHEN 'critical' THEN 0 WHEN 'major' THEN 1 WHEN 'minor' THEN 2 ELSE 3 END"
)

ORDER_BY: dict[Sort, str] = {
    Sort.NEWEST: "created_at DESC, id DESC",
    Sort.OLDEST: "created_at ASC, id ASC",
    Sort.SEVERITY: f"{SEVERITY_RANK_SQL} ASC, created_at DESC, id DESC",
    Sort.UPDATED: "COALESCE(updated_at, created_at) DESC, id DESC",
}


@dataclass(frozen=True, slots=True)
class ListRow:
    """What one line of the incident list shows."""

    id: str
    remote: str
    kind: str
    remote_id: str
    ref: str | None
    title: str
    status: str
    severity: str | None
    created_at: str
    updated_at: str | None
    pending: int
    conflict: bool
    failed: bool
    local_only: bool


@dataclass(slots=True)
class Detail:
    """Everything the detail screen and ``show`` print about one incident."""

    incident: dict[str, Any]
    comments: list[dict[str, Any]] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class RemoteState:
    """Sync state of a remote, for the status line."""

    name: str
    kind: str
    state: str
    last_ok_at: str | None
    last_error: str | None
    queued: int
    last_attempt_at: str | None = None
    """When its last pass ended, well or not: a failing remote's failure time."""
    waits_until: str | None = None
    """The latest time the remote asked (``Retry-After``) its queued changes not to be sent
    before, as the outbox keeps it; it may be past (they go at the next pass). Not a wait its
    attachment storage asked of an upload, which holds no other change."""


JSON_COLUMNS = ("assignees", "custom_fields", "extra", "raw", "base")


def where_clause(query: ListQuery) -> tuple[str, list[Any]]:
    """SQL conditions and parameters selecting the incidents a query asks for."""
    conditions = ["deleted_locally = 0"]
    params: list[Any] = []
    if query.statuses:
        conditions.append(f"status IN ({','.join('?' * len(query.statuses))})")
        params += sorted(query.statuses)
    if query.remotes:
        conditions.append(f"remote IN ({','.join('?' * len(query.remotes))})")
        params += sorted(query.remotes)
    if query.severities:
        named = sorted(s for s in query.severities if s is not None)
        parts = []
        if named:
            parts.append(f"severity IN ({','.join('?' * len(named))})")
            params += named
        if None in query.severities:
            parts.append("severity IS NULL")
        conditions.append("(" + " OR ".join(parts) + ")")
    if query.pending_only:
        conditions.append("pending > 0")
    match, ids, inside = search_words(query.search)
    if match or inside:
        # Words the index cannot find are looked for in what it holds, among the incidents
        # its words found when there are some: one scan of the text, not one per word.
        found = ["incident_fts MATCH ?"] if match else []
        found += [_INSIDE] * len(inside)
        conditions.append(f"num IN (SELECT rowid FROM incident_fts WHERE {' AND '.join(found)})")
        params += [match] if match else []
        params += [pattern for pattern in inside for _ in range(_INSIDE.count("?"))]
    for word in ids:
        # The id the list prints (``school:000186a0``), which the index holds but for the
        # remote's name (typed in any case: names differ by more, see config); or the word
        # as text, as before.
        conditions.append(
            f"(num IN {_MATCHES} OR (remote = ? COLLATE NOCASE AND num IN {_MATCHES}))"
        )
        params += [word.text, word.remote, word.number]
    return " AND ".join(conditions), params


_MATCHES = "(SELECT rowid FROM incident_fts WHERE incident_fts MATCH ?)"
"""The incidents (their ``num``) a full-text query finds."""

_INSIDE = "(" + " OR ".join(
    f"{column} LIKE ? ESCAPE '\\'" for column in ("title", "description", "comments", "ids")
) + ")"
"""An index entry holding a LIKE pattern in any of its columns (each its own LIKE, stopping
at the first that holds it: measured twice as fast as one LIKE over the columns joined)."""


class Reader:
    """Read-only queries over the cache."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        # Re-entrant: within() holds it around the queries it times.
        self._lock = threading.RLock()
        self.progress_steps = 1000
        """How often a time box looks at the clock, in SQLite virtual-machine steps (1,000
        take some microseconds)."""

    @classmethod
    def open(cls, path: Path) -> Reader:
        """Open (and if needed create or upgrade) the cache at ``path``."""
        return cls(open_db(path))

    @contextmanager
    def within(self, seconds: float) -> Iterator[bool]:
        """Time-box the reads made inside the block on this thread: a statement still running
        after ``seconds`` stops with ``sqlite3.OperationalError`` ("interrupted"). Yields
        ``False`` (and times nothing) when another thread is reading right now, so the
        caller never waits for the connection."""
        if not self._lock.acquire(blocking=False):
            yield False
            return
        deadline = time.perf_counter() + seconds
        self._conn.set_progress_handler(
            lambda: time.perf_counter() > deadline, self.progress_steps
        )
        try:
            yield True
        finally:
            self._conn.set_progress_handler(None, 0)
            self._lock.release()

    def close(self) -> None:
        """Close the connection."""
        with self._lock:
            self._conn.close()

    def _all(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        with self._lock:
            return self._conn.execute(sql, params).fetchall()

    def count(self, query: ListQuery) -> int:
        """How many incidents the query selects."""
        where, params = where_clause(query)
        return int(self._all(f"SELECT COUNT(*) FROM incident WHERE {where}", params)[0][0])

    def page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        """Rows ``offset`` to ``offset + limit`` of the query, in its order."""
        sql, params = _list_sql(query)
        return [_list_row(r) for r in self._all(sql, [*params, limit, offset])]

    def all_rows(self, query: ListQuery) -> list[ListRow]:
        """Every row the query selects (for exports and the command line)."""
        return self.page(query, 0, -1)

    def rows(self, query: ListQuery, limit: int = -1) -> Generator[ListRow, None, None]:
        """The query's first ``limit`` rows (-1: all) in its order, read from SQLite as they
        are taken, so the command line prints 100,000 of them in flat memory. One statement,
        so one snapshot of the cache whatever a sync writes meanwhile; the reader's lock is
        held until the iterator is used up or closed."""
        sql, params = _list_sql(query)
        for r in self._each(sql, [*params, limit, 0]):
            yield _list_row(r)

    def rows_with_text(
        self, query: ListQuery, limit: int = -1
    ) -> Generator[tuple[ListRow, str | None, str], None, None]:
        """:meth:`rows`, each with its ``description`` and ``status_raw`` as stored, read in
        the same single query: ``list --json`` prints them for every row, and a
        :meth:`detail` per row costs ten times the whole list."""
        sql, params = _list_sql(query, ", description, status_raw")
        for r in self._each(sql, [*params, limit, 0]):
            yield _list_row(r), r[-2], r[-1]

    def _each(self, sql: str, params: Sequence[Any]) -> Generator[tuple[Any, ...], None, None]:
        with self._lock:
            cursor = self._conn.execute(sql, params)
            try:
                while batch := cursor.fetchmany(500):
                    yield from batch
            finally:
                cursor.close()

    def position(self, query: ListQuery, incident_id: str) -> int | None:
        """The index of ``incident_id`` in the query's order, or ``None`` if not selected.
        A local id the remote has since replaced finds the incident under its new one (the
        list keeps the cursor on an incident created here across its push)."""
        where, params = where_clause(query)
        sql = (
            f"SELECT created_at, COALESCE(updated_at, created_at), {SEVERITY_RANK_SQL} "
            f"FROM incident WHERE id = ? AND {where}"
        )
        found = self._all(sql, [incident_id, *params])
        if not found:
            renamed = self._all("SELECT new_id FROM id_alias WHERE old_id = ?", [incident_id])
            if not renamed:
                return None
            incident_id = renamed[0][0]
            found = self._all(sql, [incident_id, *params])
            if not found:
                return None
        created_at, updated, rank = found[0]
        # Counting the rows before it, rather than numbering the sorted set: no sort of the
        # whole set (the newest and oldest orders walk the (created_at, id) index), 10x
        # faster at 100,000 incidents in the severity and updated orders.
        before: str
        values: list[Any]
        if query.sort is Sort.NEWEST:
            before, values = "(created_at, id) > (?, ?)", [created_at, incident_id]
        elif query.sort is Sort.OLDEST:
            before, values = "(created_at, id) < (?, ?)", [created_at, incident_id]
        elif query.sort is Sort.UPDATED:
            before = "(COALESCE(updated_at, created_at), id) > (?, ?)"
            values = [updated, incident_id]
        else:
            before = (
                f"({SEVERITY_RANK_SQL} < ? OR ({SEVERITY_RANK_SQL} = ? "
                "AND (created_at, id) > (?, ?)))"
            )
            values = [rank, rank, created_at, incident_id]
        sql = f"SELECT COUNT(*) FROM incident WHERE {where} AND {before}"
        return int(self._all(sql, [*params, *values])[0][0])

    def first_position(self, query: ListQuery, ids: Sequence[str]) -> int | None:
        """The index of the first of ``ids`` (in their order) that the query selects, or
        ``None`` if it selects none of them."""
        there = self.among(query, ids) if ids else set()
        first = next((incident_id for incident_id in ids if incident_id in there), None)
        return None if first is None else self.position(query, first)

    def among(self, query: ListQuery, ids: Sequence[str]) -> set[str]:
        """Which of ``ids`` the query selects: the selected incidents the list shows now."""
        where, params = where_clause(query)
        sql = f"SELECT id FROM incident WHERE {where} AND id IN (SELECT value FROM json_each(?))"
        return {row[0] for row in self._all(sql, [*params, json.dumps(list(ids))])}

    def exists(self, incident_id: str) -> bool:
        """Whether the cache holds this incident (deleted ones excluded)."""
        sql = "SELECT 1 FROM incident WHERE id = ? AND deleted_locally = 0"
        return bool(self._all(sql, [incident_id]))

    def deleted_on_remote(self, incident_id: str) -> bool:
        """Whether a sync found this incident deleted on its remote (the cache keeps it while
        changes of it wait for the user's answer, and no new one can be sent)."""
        sql = "SELECT 1 FROM incident WHERE id = ? AND remote_deleted = 1"
        return bool(self._all(sql, [incident_id]))

    def why_gone(self, incident_id: str) -> str | None:
        """What happened to an incident kept only for the changes that wait
        (:func:`~incident_tui.domain.gone.gone_words`: deleted on its remote, or not on the
        system its remote now points at); ``None`` for one still on its remote."""
        from incident_tui.domain.gone import gone_words

        sql = "SELECT conflict FROM incident WHERE id = ? AND remote_deleted = 1"
        rows = self._all(sql, [incident_id])
        return gone_words(rows[0][0]) if rows else None

    def current_ids(self, ids: Sequence[str]) -> list[str]:
        """``ids`` with the local id of each incident created here and since accepted by
        its remote replaced by the remote's id (others unchanged)."""
        aliases = dict(self._all(
            "SELECT old_id, new_id FROM id_alias WHERE old_id IN (SELECT value FROM json_each(?))",
            [json.dumps(list(ids))],
        ))
        return [aliases.get(i, i) for i in ids]

    def former_ids(self, incident_id: str) -> list[str]:
        """The local ids the incident ``incident_id`` had before its create was accepted by
        the remote (none for one not created here), oldest first. The id_alias table holds
        one row per create made here: small, read by a scan."""
        sql = "SELECT old_id FROM id_alias WHERE new_id = ? ORDER BY rowid"
        return [row[0] for row in self._all(sql, [incident_id])]

    def ids_shown_as(self, label: str, remote: str | None = None, limit: int = 6) -> list[str]:
        """Ids of the incidents (of ``remote``, or of any) that the short id ``label`` may
        name: the remote's ref, its whole id, or the start of it (at least four characters:
        the TUI shows a UUID's first eight digits). At most ``limit``, by id.

        Read by a scan (no index holds refs), at 100,000 incidents some 30 ms within one
        remote and under 0.15 s across all: asked only when an id given is not one as such."""
        if not label:
            return []  # an empty ref names nothing, however many rows have one
        sql = (
            "SELECT id FROM incident WHERE deleted_locally = 0 "
            "AND (ref = :l OR (length(:l) >= 4 AND substr(remote_id, 1, length(:l)) = :l))"
        )
        params: dict[str, object] = {"l": label}
        if remote is not None:
            sql += " AND remote = :r"
            params["r"] = remote
        return [row[0] for row in self._all(f"{sql} ORDER BY id LIMIT {int(limit)}", params)]

    def ids_printed_as(self, text: str, limit: int = 6) -> list[str]:
        """Ids of the incidents whose id, cleaned as every remote text printed or drawn
        (:func:`~incident_tui.domain.text.clean`, on one line), is ``text`` while the id
        itself is not: a remote's id with control characters or odd spaces, given back as
        ``list`` printed it. At most ``limit``, by id.

        Read by a scan of the ids with a character outside printable ASCII (a ``GLOB``: no
        index helps), asked only when an id given names nothing as such."""
        sql = (
            "SELECT id FROM incident WHERE deleted_locally = 0 AND id GLOB '*[^!-~]*' "
            "ORDER BY id"
        )
        found = [i for (i,) in self._all(sql) if i != text and clean(i, single_line=True) == text]
        return found[:limit]

    def detail(self, incident_id: str) -> Detail | None:
        """The full incident with comments, attachments and queued changes."""
        with self._lock:
            cursor = self._conn.execute(
                "SELECT * FROM incident WHERE id = ? AND deleted_locally = 0", [incident_id]
            )
            row = cursor.fetchone()
            if row is None:
                return None
            names = [d[0] for d in cursor.description]
            incident = dict(zip(names, row, strict=True))
            comments = _dicts(
                self._conn.execute(
                    "SELECT seq, remote_id, author, body, created_at, visibility, pending "
                    "FROM comment WHERE incident_id = ? ORDER BY COALESCE(created_at, ''), seq",
                    [incident_id],
                )
            )
            attachments = _dicts(
                self._conn.execute(
                    "SELECT seq, remote_id, name, content_type, url, size, pending "
                    "FROM attachment WHERE incident_id = ? ORDER BY seq",
                    [incident_id],
                )
            )
            changes = _dicts(
                self._conn.execute(
                    "SELECT seq, op, payload, state, attempts, last_error, created_at "
                    "FROM outbox WHERE incident_id = ? ORDER BY seq",
                    [incident_id],
                )
            )
        for column in JSON_COLUMNS:
            incident[column] = _loads(incident.get(column))
        incident["conflict"] = (
            _loads(incident.get("conflict")) if incident.get("conflict") else None
        )
        for change in changes:
            change["payload"] = _loads(change["payload"])
        return Detail(incident, comments, attachments, changes)

    def remotes(self) -> list[RemoteState]:
        """Every known remote's sync state with its queue length."""
        rows = self._all(
            "SELECT r.name, r.kind, r.state, r.last_ok_at, r.last_error, "
            "(SELECT COUNT(*) FROM outbox o WHERE o.remote = r.name), r.last_attempt_at, "
            "(SELECT MAX(o.next_try_at) FROM outbox o WHERE o.remote = r.name "
            "AND o.state IN ('queued', 'sending') "
            # Not a pause the attachment storage asked for: it holds the uploads alone,
            # while the remote's other changes go.
            f"AND CASE WHEN json_valid(o.payload) THEN json_extract(o.payload, "
            f"'$.{STORAGE_WAIT}') END IS NULL) "
            "FROM remote r ORDER BY r.name"
        )
        return [RemoteState(*row) for row in rows]

    def queued_by_remote(self) -> dict[str, int]:
        """How many local changes are queued for each remote that has any, by name: also a
        remote with no state row yet (one that never synced, as a disabled one may be),
        which :meth:`remotes` does not list."""
        rows = self._all("SELECT remote, COUNT(*) FROM outbox GROUP BY remote")
        return {str(name): int(count) for name, count in rows}

    def remote_pause(self, name: str, now: datetime) -> tuple[datetime, str] | None:
        """Until when and why remote ``name`` gets no request (it asked for a pause with a
        ``Retry-After``); ``None`` when it did not, or the pause is over at ``now``."""
        rows = self._all("SELECT hold_until, last_error FROM remote WHERE name = ?", [name])
        return pause_left(rows[0][0], rows[0][1], now) if rows else None

    def queue_counts(self) -> tuple[int, int, int]:
        """How many local changes are queued, how many of them wait for the user's answer
        (refused or contested) rather than for a remote, and how many are held behind those
        (a later change of the same incident: the sync sends an incident's changes in
        order, so no sync sends it either until the one before is answered)."""
        total, waiting, held = self._all(
            "SELECT COUNT(*), COUNT(*) FILTER (WHERE state IN ('failed', 'conflict')),"
            " COUNT(*) FILTER (WHERE state NOT IN ('failed', 'conflict') AND EXISTS ("
            "SELECT 1 FROM outbox a WHERE a.incident_id = o.incident_id AND a.seq < o.seq"
            " AND a.state IN ('failed', 'conflict'))) FROM outbox o"
        )[0]
        return int(total), int(waiting), int(held)

    def outbox(self, remote: str | None = None) -> list[dict[str, Any]]:
        """The queued changes in push order, optionally of one remote."""
        sql = "SELECT * FROM outbox" + (" WHERE remote = ?" if remote else "") + " ORDER BY seq"
        with self._lock:
            cursor = self._conn.execute(sql, [remote] if remote else [])
            return _dicts(cursor)

    def list_rows(self, ids: list[str]) -> list[ListRow]:
        """The list rows of the given incidents, in no particular order; ids not in the cache
        are left out. Meant for a few ids: each is one primary-key read."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        return [
            _list_row(r)
            for r in self._all(f"SELECT {LIST_COLUMNS} FROM incident WHERE id IN ({marks})", ids)
        ]

    def query(
        self, sql: str, params: Sequence[Any] | Mapping[str, Any] = ()
    ) -> list[tuple[Any, ...]]:
        """Run a read-only statement (dashboard and handover aggregations); ``params`` are
        positional (``?``) or named (``:name``)."""
        return self._all(sql, params)


def _list_sql(query: ListQuery, extra: str = "") -> tuple[str, list[Any]]:
    """The list query's statement (its columns, then ``extra``; ``LIMIT ? OFFSET ?`` last)
    and its parameters but those two."""
    where, params = where_clause(query)
    sql = (
        f"SELECT {LIST_COLUMNS}{extra} FROM incident WHERE {where} "
        f"ORDER BY {ORDER_BY[query.sort]} LIMIT ? OFFSET ?"
    )
    return sql, list(params)


def _list_row(row: tuple[Any, ...]) -> ListRow:
    return ListRow(
        row[0],
        row[1],
        row[2],
        row[3],
        row[4],
        row[5],
        row[6],
        row[7],
        row[8],
        row[9],
        int(row[10]),
        bool(row[11]),
        bool(row[12]),
        bool(row[13]),
    )


def _dicts(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _loads(value: Any) -> Any:
    if not value:
        return {} if value is None else value
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value
