"""The comments of the handover's shift, gathered per incident into threads."""

from __future__ import annotations

from collections.abc import Collection

from incident_tui.clock import from_db_or_none
from incident_tui.domain.handover import CommentThread, ShiftComment
from incident_tui.store.reader import Reader
from incident_tui.store.report_conditions import not_retired, retired_json

SCAN_SHARE = 20
"""The shift's comments are read by a scan of the table once they are more than one in this
many of all comments: past that, fetching each through the index on their time costs more
(at 100,000 comments a whole year took 1.7 s through the index, 0.4 s by a scan)."""

THREADS_SQL = (
    "SELECT g.incident_id, i.title, g.n, SUM(g.n) OVER (), COUNT(*) OVER () FROM ("
    # +incident_id: grouping by the bare column makes SQLite walk the incident_id index over
    # every comment of the cache rather than find the shift's by their time.
    "SELECT incident_id, MAX(created_at) AS last, COUNT(*) AS n FROM comment "
    "WHERE {created_at} BETWEEN :since AND :until GROUP BY +incident_id) AS g "
    "JOIN incident i ON i.id = g.incident_id WHERE i.deleted_locally = 0 "
    f"AND (:retired IS NULL OR {not_retired(':retired', 'i.remote')}) "
    "ORDER BY g.last DESC, g.incident_id LIMIT :limit"
)
"""The incidents discussed in the shift, most recently first (ties by id), each with its
title and number of comments, and on every row the totals of all of them (counted before
the ``LIMIT``). ``{created_at}`` is the column, or ``+created_at`` to scan the table."""

LATEST_SQL = (
    "SELECT author, body, created_at, pending FROM comment "
    "WHERE incident_id = ? AND created_at BETWEEN ? AND ? "
    "ORDER BY created_at DESC, seq DESC LIMIT ?"
)
"""The latest comments of the shift on one incident, newest first."""


def comment_threads(
    reader: Reader,
    since_text: str,
    until_text: str,
    limit: int,
    per_incident: int,
    retired: Collection[str] = (),
) -> tuple[tuple[CommentThread, ...], int, int]:
    """The shift's comments (written from ``since_text`` to ``until_text``) per incident
    (most recently discussed first, ties by id), with the total number of comments and of
    incidents discussed; those on incidents of the ``retired`` remotes (no longer in the
    config) are left out, as their incidents are.

    Each thread holds the incident's latest ``per_incident`` comments of the shift, oldest
    first. SQLite counts and ranks the shift's comments without handing them over (a short
    shift's through the index on their time, a long one's by a scan: see
    :data:`SCAN_SHARE`); only the listed threads' comments are read.
    """
    limit = max(0, limit)
    params = {
        "since": since_text,
        "until": until_text,
        "retired": retired_json(list(retired)),
        # One row at least: it carries the totals when nothing is to be listed.
        "limit": max(1, limit),
    }
    # Both counts come from indexes alone (the largest seq stands in for the number of rows).
    in_shift = reader.query(
        "SELECT COUNT(*) FROM comment WHERE created_at BETWEEN ? AND ?", [since_text, until_text]
    )
    everything = reader.query("SELECT COALESCE(MAX(seq), 0) FROM comment")
    scan = int(in_shift[0][0]) * SCAN_SHARE > int(everything[0][0])
    sql = THREADS_SQL.format(created_at="+created_at" if scan else "created_at")
    rows = reader.query(sql, params)
    if not rows:
        return (), 0, 0
    threads = tuple(
        CommentThread(
            incident_id,
            title or "",
            count,
            tuple(
                ShiftComment(c[0], c[1] or "", from_db_or_none(c[2]), bool(c[3]))
                for c in reversed(
                    reader.query(
                        LATEST_SQL, [incident_id, since_text, until_text, max(0, per_incident)]
                    )
                )
            ),
        )
        for incident_id, title, count, _, _ in rows[:limit]
    )
    return threads, int(rows[0][3]), int(rows[0][4])
