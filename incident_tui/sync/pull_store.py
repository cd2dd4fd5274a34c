"""What a pull reads and writes in the cache, each one short transaction: a remote's sync
state (cursor, last full listing, health), pulled pages stored with the cursor they advance,
the incidents whose full record was never fetched, and those marked to be read again in full
(with what was read for them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, select

from incident_tui.clock import from_db_or_none, to_db
from incident_tui.domain.model import Comment, Incident, SummaryGaps
from incident_tui.store import fts
from incident_tui.store.bookkeeping import gone_from_remote
from incident_tui.store.children import add_comments
from incident_tui.store.engine import reading, session
from incident_tui.store.pauses import pause_left
from incident_tui.store.schema import IncidentRow
from incident_tui.store.upsert import UpsertResult, remove_missing, upsert_incidents


def remote_state(engine: Engine, name: str) -> tuple[str | None, str | None]:
    """The remote's stored cursor and time of its last full listing."""
    with reading(engine) as s:
        row = (
            s.connection()
            .execute(text("SELECT cursor, last_full_at FROM remote WHERE name = :n"), {"n": name})
            .first()
        )
    return (row[0], row[1]) if row else (None, None)


SQLITE_LARGEST = 2**63 - 1
"""The largest integer SQLite takes as a parameter: a ``hydrate_limit`` beyond it means "all"."""
STATE_FRESH_FOR = timedelta(minutes=1)
"""How old a remote's stored outcome may be before a pass that ends the same way writes it
again: the screens show these times to the minute, and every write puts a whole 32 KiB page
in the write-ahead log (five of them per pass, every 30 s all day, without this)."""


@dataclass(frozen=True, slots=True)
class StoredState:
    """A remote's state row as a pass finds it: the outcome of the last pass that wrote it."""

    state: str
    last_error: str | None
    hold_until: str | None
    last_ok_at: str | None
    last_attempt_at: str | None
    last_full_at: str | None
    mapping: str | None = None
    identity: str | None = None

    def pause(self, now: datetime) -> tuple[datetime, str] | None:
        """Until when and why the remote gets no pass now (see :func:`remote_pause`)."""
        return pause_left(self.hold_until, self.last_error, now)

    def says(self, values: dict[str, Any], now: datetime) -> bool:
        """Whether writing a finished pass's ``values`` (:func:`save_remote_state`'s) would
        only move its times on, and those it has are under :data:`STATE_FRESH_FOR` old.
        Never when the pass noted a full listing (the next pass reads that time) or the
        remote's mapping settings or identity."""
        if "last_full_at" in values or "mapping" in values or "identity" in values:
            return False
        for key in ("state", "last_error", "hold_until"):
            if values.get(key) != getattr(self, key):
                return False
        times = [self.last_attempt_at]
        if "last_ok_at" in values:
            times.append(self.last_ok_at)
        for stored in times:
            when = from_db_or_none(stored)
            # A time after now (a clock set back) is written over, not kept.
            if when is None or not now - STATE_FRESH_FOR < when <= now:
                return False
        return True


def stored_state(engine: Engine, name: str) -> StoredState | None:
    """The remote's state row; ``None`` when it has none yet."""
    with reading(engine) as s:
        row = (
            s.connection()
            .execute(
                text(
                    "SELECT state, last_error, hold_until, last_ok_at, last_attempt_at, "
                    "last_full_at, mapping, identity FROM remote WHERE name = :n"
                ),
                {"n": name},
            )
            .first()
        )
    return None if row is None else StoredState(*row)


def remote_pause(engine: Engine, name: str, now: datetime) -> tuple[datetime, str] | None:
    """Until when and why the remote gets no pass now: the end and the error of the pause
    a pass that failed with a ``Retry-After`` began, if it is not over at ``now``."""
    stored = stored_state(engine, name)
    return None if stored is None else stored.pause(now)


def save_remote_state(engine: Engine, name: str, kind: str, **values: Any) -> None:
    """Create or update a remote's sync state row."""
    with session(engine) as s, s.begin():
        _set_state(s, name, kind, values)


def _set_state(s: Session, name: str, kind: str, values: dict[str, Any]) -> None:
    """:func:`save_remote_state` in the caller's transaction."""
    conn = s.connection()
    conn.execute(
        text("INSERT OR IGNORE INTO remote (name, kind, state) VALUES (:n, :k, 'never')"),
        {"n": name, "k": kind},
    )
    if values:
        sets = ", ".join(f"{key} = :{key}" for key in values)
        conn.execute(text(f"UPDATE remote SET {sets} WHERE name = :n"), {"n": name, **values})


def note_mapping(engine: Engine, name: str, kind: str, mapping: str, *, reread: bool) -> None:
    """Note the ``mapping`` settings (:meth:`~incident_tui.config_remotes.RemoteBase.mapping`)
    the remote's incidents are read with from now on. ``reread``: they changed, so the
    next listing is a full one and rewrites every cached incident, whose statuses and
    severities were read with the old ones (an unchanged incident is otherwise skipped)."""
    with session(engine) as s, s.begin():
        if reread:
            conn = s.connection()
            conn.execute(text("UPDATE incident SET version = NULL WHERE remote = :n"), {"n": name})
            conn.execute(text("UPDATE remote SET cursor = NULL WHERE name = :n"), {"n": name})
        _set_state(s, name, kind, {"mapping": mapping})


def store_page(
    engine: Engine,
    name: str,
    kind: str,
    incidents: list[Incident],
    cursor: str | None,
    now: datetime,
    gaps: SummaryGaps | None = None,
    comments: dict[str, list[Comment]] | None = None,
    *,
    reread: bool = False,
) -> UpsertResult:
    """Upsert a pulled page and advance the cursor in the same transaction; ``gaps``: what
    the remote's summaries leave out (kept from the cache); ``comments``: listed apart from
    their incidents (see :attr:`~incident_tui.remote.base.Page.comments`), counted as
    changing their incidents when new or changed; ``reread``: full records fetched one by
    one (see :func:`~incident_tui.store.upsert.upsert_incidents`)."""
    with session(engine) as s, s.begin():
        result = upsert_incidents(s, incidents, now, gaps, reread=reread)
        if comments:
            commented = add_comments(s, comments)
            fts.reindex(s, sorted(commented))
            listed = {*result.new, *result.changed}
            result.changed += sorted(commented - listed)
        if cursor is not None:
            conn = s.connection()
            conn.execute(
                text("INSERT OR IGNORE INTO remote (name, kind, state) VALUES (:n, :k, 'never')"),
                {"n": name, "k": kind},
            )
            # Not when it stays: every pass of an idle remote lists its cursor again, and an
            # update writes the row's page to the log even when no value moves.
            conn.execute(
                text("UPDATE remote SET cursor = :c WHERE name = :n AND cursor IS NOT :c"),
                {"c": cursor, "n": name},
            )
    return result


def cached_ids(engine: Engine, remote: str) -> frozenset[str]:
    """The ids of the remote's cached incidents it has given an id (not those created here
    and not yet sent): read as a full listing begins, the only ones it can find missing."""
    with reading(engine) as s:
        rows = s.connection().execute(
            text("SELECT id FROM incident WHERE remote = :r AND local_only = 0"), {"r": remote}
        )
        return frozenset(r[0] for r in rows)


def store_full_listing(
    engine: Engine,
    name: str,
    kind: str,
    seen: list[str],
    first: datetime | None,
    before: frozenset[str] | None = None,
) -> UpsertResult:
    """After the last page of a full listing: drop the remote's cached incidents it did not
    list (:func:`~incident_tui.store.upsert.remove_missing`); returns what it removed, and
    what it changed (kept and flagged for their queued changes, or listed again and no
    longer flagged). ``before``: :func:`cached_ids` as the listing began; one another
    process stored since is left alone.

    ``first``: the listing's time when it is the remote's first, noted at once, so a pass
    that fails later is still no first sync (which reports no arrivals as urgent). Later
    listings are noted with the pass's outcome, in the same write: a pass with nothing new
    then writes one row, not two."""
    with session(engine) as s, s.begin():
        result = remove_missing(s, name, seen, before)
        if first is not None:
            _set_state(s, name, kind, {"last_full_at": to_db(first)})
    return result


def unlisted(
    engine: Engine, remote: str, listed: list[str], before: frozenset[str] | None = None
) -> list[tuple[str, str]]:
    """Id and remote id of the remote's cached incidents (not made here and still unsent)
    that are not among the ``listed`` ids. Not those already taken for deleted there: kept
    only for the user's changes, they may be another system's (the remote now points
    elsewhere), whose ids the remote would refuse rather than say it lacks. ``before``:
    only among these (:func:`store_full_listing`)."""
    wanted = set(listed)
    with reading(engine) as s:
        rows = s.connection().execute(
            text(
                "SELECT id, remote_id FROM incident WHERE remote = :r AND local_only = 0 "
                "AND remote_deleted = 0"
            ),
            {"r": remote},
        )
        return [
            (r[0], r[1])
            for r in rows
            if r[0] not in wanted and (before is None or r[0] in before)
        ]


def unhydrated(engine: Engine, remote: str, limit: int) -> list[str]:
    """Remote ids of the incidents whose full record was never fetched, the most recently
    changed first.

    By last change, not creation: what a summary lacks (Kitehouse's resolution time,
    OneUptime's state timeline) matters most for what changed lately, such as an old
    incident resolved this shift, and a pass reads only ``limit`` full records. Not one
    taken for deleted on the remote: there is no full record to fetch."""
    if limit <= 0:
        return []
    with reading(engine) as s:
        rows = s.connection().execute(
            text(
                "SELECT remote_id FROM incident WHERE remote = :r AND hydrated = 0 "
                "AND local_only = 0 AND remote_deleted = 0 "
                "ORDER BY COALESCE(NULLIF(updated_at, ''), created_at) DESC, id DESC LIMIT :l"
            ),
            # A larger one cannot be bound at all, and failed every pass.
            {"r": remote, "l": min(limit, SQLITE_LARGEST)},
        )
        return [r[0] for r in rows]


def remote_key(engine: Engine, incident_id: str) -> tuple[str, str] | None:
    """The remote and remote id of a cached incident the remote has; ``None`` when it is not
    cached, or was created here and not yet accepted (the remote cannot know its id)."""
    with reading(engine) as s:
        row = (
            s.connection()
            .execute(
                text("SELECT remote, remote_id FROM incident WHERE id = :i AND local_only = 0"),
                {"i": incident_id},
            )
            .first()
        )
    return (row[0], row[1]) if row else None


def rereads(engine: Engine, remote: str) -> list[tuple[str, str]]:
    """Id and remote id of the remote's incidents marked to be read again in full
    (:class:`~incident_tui.store.schema.RereadRow`); not those taken for deleted there (a
    full listing that lists one again brings it back, and its mark is read then)."""
    with reading(engine) as s:
        rows = s.connection().execute(
            text(
                "SELECT i.id, i.remote_id FROM reread r JOIN incident i ON i.id = r.incident_id "
                "WHERE i.remote = :r AND i.local_only = 0 AND i.remote_deleted = 0 "
                "ORDER BY i.num"
            ),
            {"r": remote},
        )
        return [(r[0], r[1]) for r in rows]


def store_reread(
    engine: Engine, incidents: list[Incident], gone: list[str], now: datetime
) -> UpsertResult:
    """Store full records read again one by one (``reread``, see
    :func:`~incident_tui.store.upsert.upsert_incidents`), and the cached ``gone`` ids the
    remote answered it does not have, as a full listing that misses them would (see
    :func:`~incident_tui.store.bookkeeping.gone_from_remote`); in one transaction.

    Their marks go once the remote's record stands in the cache, but not while queued
    changes keep the local view over it (the remote's values are not stored then): it is
    read again at the next sync. A gone incident kept for the user (changes of it wait)
    loses its mark too: the user settles it now."""
    with session(engine) as s, s.begin():
        return _store_reread(s, incidents, gone, now)


def _store_reread(
    s: Session, incidents: list[Incident], gone: list[str], now: datetime
) -> UpsertResult:
    """:func:`store_reread` in the caller's transaction."""
    result = upsert_incidents(s, incidents, now, reread=True)
    kept_local = set(result.skipped_pending)
    done = [i.id for i in incidents if i.id not in kept_local] + gone
    for incident_id in gone:
        row = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
        if row is None or gone_from_remote(s, row):
            result.removed.append(incident_id)
        else:
            result.changed.append(incident_id)
    if done:
        s.connection().execute(
            text("DELETE FROM reread WHERE incident_id = :i"), [{"i": i} for i in done]
        )
    return result


def store_refreshed(engine: Engine, incident: Incident, now: datetime) -> bool:
    """Store one incident read again in full, as :func:`store_reread` does; whether that
    changed what the cache shows of it: its record, or its comments and files (those are
    replaced even when the record's version did not move, so they are compared)."""
    with session(engine) as s, s.begin():
        before = _children(s, incident.id)
        result = _store_reread(s, [incident], [], now)
        if result.new or result.changed:
            return True
        return _children(s, incident.id) != before


def _children(s: Session, incident_id: str) -> list[tuple[Any, ...]]:
    """The incident's comments and attachments, every column the detail screen reads."""
    conn = s.connection()
    comments = conn.execute(
        text(
            "SELECT seq, remote_id, author, body, created_at, visibility, pending "
            "FROM comment WHERE incident_id = :i ORDER BY seq"
        ),
        {"i": incident_id},
    )
    files = conn.execute(
        text(
            "SELECT seq, remote_id, name, content_type, url, size, pending "
            "FROM attachment WHERE incident_id = :i ORDER BY seq"
        ),
        {"i": incident_id},
    )
    return [("comment", *row) for row in comments] + [("file", *row) for row in files]
