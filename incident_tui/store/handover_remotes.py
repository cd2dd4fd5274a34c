"""How fresh each remote's data is in the handover: every remote the cache or the config
knows, with its sync state and its queued and blocked outbox entries.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from incident_tui.clock import from_db_or_none
from incident_tui.domain.handover import RemoteFreshness, assess_remote
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


def remote_freshness(
    reader: Reader, configured: Sequence[str], since: datetime, now: datetime
) -> tuple[RemoteFreshness, ...]:
    """Every remote the cache or the config knows, with its freshness, by name."""
    rows = reader.query(
        "SELECT r.name, r.kind, r.state, r.last_ok_at, r.last_error, "
        "(SELECT COUNT(*) FROM outbox o WHERE o.remote = r.name), "
        f"(SELECT COUNT(*) FROM outbox o WHERE o.remote = r.name AND o.state IN {BLOCKED_STATES}) "
        "FROM remote r ORDER BY r.name"
    )
    known: dict[str, Row] = {str(r[0]): tuple(r) for r in rows}
    names = set(known) | set(configured) | set(_distinct_remotes(reader))
    result = []
    for name in sorted(names):
        row = known.get(name)
        if row is None:
            kinds = reader.query("SELECT kind FROM incident WHERE remote = ? LIMIT 1", [name])
            queued = reader.query(
                "SELECT COUNT(*), "
                f"COUNT(CASE WHEN state IN {BLOCKED_STATES} THEN 1 END) "
                "FROM outbox WHERE remote = ?",
                [name],
            )[0]
            row = (name, kinds[0][0] if kinds else None, "never", None, None, *queued)
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
            )
        )
    return tuple(result)
