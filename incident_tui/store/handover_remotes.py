"""How fresh each remote's data is in the handover: every configured remote, with its sync
state and its queued and blocked outbox entries.

A remote taken out of the config is no longer synced, and no change to its incidents can be
sent; what the cache keeps of it is as old as its last sync. Its incidents are therefore
left out of the summary (:func:`retired_remotes` names such remotes for the queries), and
while the cache holds any (or changes queued for it) the summary warns that they are left
out, with the time of its last sync; once it holds none, it is not mentioned at all.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime

from incident_tui.clock import from_db_or_none
from incident_tui.domain.handover import RemoteFreshness, assess_remote, stamp
from incident_tui.domain.stats import format_duration
from incident_tui.store.handover_items import Row
from incident_tui.store.reader import Reader

BLOCKED_STATES = "('failed', 'conflict')"
"""Outbox states of a change held back until the user acts (a refusal, a conflict)."""


def _distinct_remotes(reader: Reader) -> list[str]:
    """Remote names in the cache, by hopping along the remote index (one lookup per name
    rather than a walk over every incident)."""
    rows = reader.query(
        "WITH RECURSIVE r(name) AS (SELECT MIN(remote) FROM incident UNION ALL "
        "SELECT (SELECT MIN(remote) FROM incident WHERE remote > r.name) FROM r "
        "WHERE r.name IS NOT NULL) SELECT name FROM r WHERE name IS NOT NULL"
    )
    return [str(r[0]) for r in rows]


def _outbox_counts(reader: Reader, name: str) -> tuple[int, int]:
    """Queued changes for ``name``, and how many of them are refused or in conflict."""
    queued, blocked = reader.query(
        "SELECT COUNT(*), "
        f"COUNT(CASE WHEN state IN {BLOCKED_STATES} THEN 1 END) "
        "FROM outbox WHERE remote = ?",
        [name],
    )[0]
    return int(queued), int(blocked)


def _cached_remotes(reader: Reader) -> set[str]:
    """Every remote the cache holds incidents or queued changes of."""
    outboxed = [str(r[0]) for r in reader.query("SELECT DISTINCT remote FROM outbox")]
    return set(_distinct_remotes(reader)) | set(outboxed)


def retired_remotes(reader: Reader, configured: Sequence[str] | None) -> list[str]:
    """The remotes whose incidents or queued changes the cache holds but the config no
    longer names, by name; none when ``configured`` is ``None`` (every remote counts)."""
    if configured is None:
        return []
    return sorted(_cached_remotes(reader) - set(configured))


def _retired(
    reader: Reader, name: str, row: Row | None, now: datetime
) -> RemoteFreshness | None:
    """A remote the config no longer names, while the cache still holds its incidents or
    queued changes: out of date (nothing syncs it), with the time of its last sync and
    how many of its incidents the summary leaves out; ``None`` once it holds neither."""
    incidents = int(reader.query("SELECT COUNT(*) FROM incident WHERE remote = ?", [name])[0][0])
    queued, blocked = _outbox_counts(reader, name)
    if not incidents and not queued:
        return None
    kind = row[1] if row else None
    if kind is None and incidents:
        kind = reader.query("SELECT kind FROM incident WHERE remote = ? LIMIT 1", [name])[0][0]
    last_ok_at = from_db_or_none(row[3]) if row else None
    if last_ok_at is None:
        synced = "and never synced successfully"
    else:
        age = format_duration((now - last_ok_at).total_seconds())
        synced = f"so not synced since {stamp(last_ok_at)} ({age} ago)"
    if incidents:
        plural, verb = ("", "is") if incidents == 1 else ("s", "are")
        held = f"its {incidents:,} cached incident{plural} {verb} left out of this summary"
    else:
        held = "none of its incidents is cached"
    return RemoteFreshness(
        name=name,
        kind=kind,
        state=str(row[2]) if row and row[2] else "never",
        last_ok_at=last_ok_at,
        last_error=None,
        queued=queued,
        blocked=blocked,
        stale=True,
        note=f"no longer in the config, {synced}; {held}",
        configured=False,
    )


def remote_freshness(
    reader: Reader,
    configured: Sequence[str] | None,
    since: datetime,
    now: datetime,
    disabled: Collection[str] = (),
) -> tuple[RemoteFreshness, ...]:
    """Every configured remote with its freshness, and every remote the config no longer
    names whose incidents or changes the cache still holds (see the module), by name.
    ``configured`` ``None``: every remote the cache knows counts as configured; ``disabled``:
    those of them the config has ``enabled = false``."""
    rows = reader.query(
        "SELECT r.name, r.kind, r.state, r.last_ok_at, r.last_error, "
        "(SELECT COUNT(*) FROM outbox o WHERE o.remote = r.name), "
        f"(SELECT COUNT(*) FROM outbox o WHERE o.remote = r.name AND o.state IN {BLOCKED_STATES}) "
        "FROM remote r ORDER BY r.name"
    )
    known: dict[str, Row] = {str(r[0]): tuple(r) for r in rows}
    names = set(known) | set(configured or ()) | _cached_remotes(reader)
    wanted = names if configured is None else set(configured)
    result = []
    for name in sorted(names):
        row = known.get(name)
        if name not in wanted:
            if (retired := _retired(reader, name, row, now)) is not None:
                result.append(retired)
            continue
        if row is None:
            kinds = reader.query("SELECT kind FROM incident WHERE remote = ? LIMIT 1", [name])
            kind = kinds[0][0] if kinds else None
            row = (name, kind, "never", None, None, *_outbox_counts(reader, name))
        result.append(
            assess_remote(
                name=name,
                kind=row[1],
                state=row[2],
                last_ok_at=from_db_or_none(row[3]),
                last_error=row[4],
                queued=int(row[5]),
                blocked=int(row[6]),
                since=since,
                now=now,
                disabled=name in disabled,
            )
        )
    return tuple(result)
