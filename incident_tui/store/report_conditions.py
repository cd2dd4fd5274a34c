"""SQL conditions the dashboard and the handover share, so both count an incident alike: open
until the remote has its resolution, and left out once the config no longer names its
remote.

Each is a fragment of a ``WHERE`` or ``CASE`` over the ``incident`` table. Those for scans
and index walks prefix their columns with ``+``, which keeps SQLite from taking the status
or remote index for them (without statistics it would fetch a large part of the table row
by row through one).
"""

from __future__ import annotations

import json
from collections.abc import Sequence

UNSENT_RESOLVE = (
    "(pending > 0 AND status = 'resolved' "
    "AND id IN (SELECT incident_id FROM outbox WHERE op = 'resolve'))"
)
"""Resolved here only: a resolution is still in the outbox (queued, refused or in
conflict), so the remote has the incident open. ``pending`` (its count of queued changes)
keeps the outbox out of it for nearly every row; the subquery is evaluated once."""

OPEN_HERE = "status IN ('triggered', 'acknowledged')"
"""Open in the cache; ``IN`` (not ``!=``) so SQLite can use the status index."""

OPEN = f"({OPEN_HERE} OR {UNSENT_RESOLVE})"
"""Open here or on the remote: an incident counts as resolved only once its resolution has
reached the remote. (An unsent reopening is open here, so open as well.)"""

OPEN_SCAN = (
    "(+status IN ('triggered', 'acknowledged') "
    "OR (+pending > 0 AND +status = 'resolved' "
    "AND +id IN (SELECT incident_id FROM outbox WHERE op = 'resolve')))"
)
"""The open test with the status index ruled out (for scans and index walks)."""


OPEN_INDEXED = (
    f"({OPEN_HERE} OR (+pending > 0 AND +status = 'resolved' "
    "AND id IN (SELECT incident_id FROM outbox WHERE op = 'resolve')))"
)
"""The open test for fetching the open incidents through indexes: those open here through
the status index, those resolved here only by their ids from the outbox (through the status
index they would be every resolved incident, most of the table, read to find a few)."""


def not_retired(parameter: str, column: str = "remote") -> str:
    """The condition that an incident's remote (``column``) is none of those in
    ``parameter``, the SQL parameter (``?`` or ``:name``) bound to :func:`retired_json` of
    the remotes the config no longer names. Nothing syncs such a remote and no change to it
    can be sent: its incidents are as old as its last sync, so the reports leave them out
    and say so."""
    return f"+{column} NOT IN (SELECT value FROM json_each({parameter}))"


def retired_json(retired: Sequence[str]) -> str | None:
    """The value for :func:`not_retired`'s parameter: a JSON array of the names, ``None``
    when there are none."""
    return json.dumps(sorted(retired)) if retired else None


LIVE = f"deleted_locally = 0 AND (:retired IS NULL OR {not_retired(':retired')})"
"""Counted in the handover: not deleted here, and of a remote the config still names
(``:retired``: :func:`retired_json` of the others, NULL when there are none)."""
