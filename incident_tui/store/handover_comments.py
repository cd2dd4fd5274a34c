"""The comments of the handover's shift, gathered per incident into threads."""

from __future__ import annotations

from collections.abc import Collection
from itertools import groupby

from incident_tui.clock import from_db_or_none
from incident_tui.domain.handover import CommentThread, ShiftComment
from incident_tui.store.handover_items import fetch_ids
from incident_tui.store.reader import Reader


def comment_threads(
    reader: Reader,
    since_text: str,
    limit: int,
    per_incident: int,
    retired: Collection[str] = (),
) -> tuple[tuple[CommentThread, ...], int, int]:
    """The shift's comments per incident (most recently discussed first, ties by id), with
    the total number of comments and of incidents discussed; those on incidents of the
    ``retired`` remotes (no longer in the config) are left out, as their incidents are.

    The comment table has no index on its time, so it is scanned once for the shift's
    comments (few), which are then grouped here; titles are read for those incidents only.
    """
    rows = reader.query(
        "SELECT incident_id, author, body, created_at, pending, seq FROM comment "
        "WHERE created_at >= ?",
        [since_text],
    )
    # Sorted here: an ORDER BY on incident_id makes SQLite walk that index over every comment.
    rows.sort(key=lambda r: (r[0], r[3], r[5]))
    titles = dict(
        (r[0], r[1] or "")
        for r in fetch_ids(
            reader,
            "SELECT id, title, remote FROM incident WHERE deleted_locally = 0 "
            "AND id IN ({marks})",
            sorted({r[0] for r in rows}),
        )
        if r[2] not in retired
    )
    grouped = [
        (incident_id, list(group))
        for incident_id, group in groupby(rows, key=lambda r: r[0])
        if incident_id in titles
    ]
    # Most recently discussed first: the latest comment time, descending, then the id.
    grouped.sort(key=lambda pair: pair[0])
    grouped.sort(key=lambda pair: pair[1][-1][3], reverse=True)
    threads = tuple(
        CommentThread(
            incident_id,
            titles[incident_id],
            len(comments),
            tuple(
                ShiftComment(c[1], c[2] or "", from_db_or_none(c[3]), bool(c[4]))
                for c in comments[-per_incident:]
            ),
        )
        for incident_id, comments in grouped[:limit]
    )
    return threads, sum(len(c) for _, c in grouped), len(grouped)
