"""The notes a OneUptime pull reads besides the incidents, and the cursor that keeps its place
in the incidents and in each kind of note.

A note someone adds moves no incident's ``updatedAt``, so the incident listing never shows it.
Each pass therefore also lists the internal and the public notes changed since the last one
(contract §4.1 and §4.7: every resource's ``get-list`` takes ``query`` and ``sort``), keyset
over ``updatedAt`` as the incidents are (so a note edited since comes again too): one request
per kind of note when nothing changed.

Where the cursor has no place in a kind of note yet (a first sync, a cache from before), the
pull starts at the newest note there is, read newest first, and brings none: what was written
before is in the full records read for the incidents, and listing every note of a project on a
first sync would cost a request per hundred notes. With no note at all it starts at the epoch,
so the first note ever written is still read.

The cursor is compact JSON, ``{"incidents": <incident cursor>, "internal": <notes cursor>,
"public": <notes cursor>}``; one from before notes were read (the incident cursor alone) reads
as having no place in the notes.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from incident_tui.domain.mapping import parse_time, warn_once
from incident_tui.domain.model import Comment
from incident_tui.remote.oneuptime_mapping import note_comment
from incident_tui.remote.oneuptime_paging import Fetch, Typed, decode_cursor, keyset_pages

__all__ = ["NOTE_PATHS", "PullCursor", "notes_since"]

NOTE_PATHS = {"internal": "/incident-internal-note", "public": "/incident-public-note"}
"""The listing of each kind of note (the comment's visibility)."""
LISTED_NOTE: dict[str, Any] = {
    "note": True, "createdAt": True, "updatedAt": True, "incidentId": True,
    "createdByUserId": True, "createdByUser": {"name": True},
}
"""What a note listed by a pull needs for its comment (not its files: the full record's)."""
EPOCH_CURSOR = "1970-01-01T00:00:00.000Z|"
"""Where the notes of a kind start when there are none yet."""


@dataclass(slots=True)
class PullCursor:
    """Where a pull stands: the incident listing's cursor and each kind of note's."""

    incidents: str | None = None
    notes: dict[str, str] = field(default_factory=dict)

    @classmethod
    def decode(cls, text: str | None) -> PullCursor:
        """A stored cursor; an unreadable one has no place anywhere (listed anew)."""
        if not text:
            return cls()
        if not text.startswith("{"):
            return cls(text)
        try:
            value = json.loads(text)
        except ValueError:
            return cls()
        if not isinstance(value, dict):
            return cls()
        incidents = value.get("incidents")
        notes = {kind: place for kind in NOTE_PATHS
                 if isinstance(place := value.get(kind), str)}
        return cls(incidents if isinstance(incidents, str) else None, notes)

    def encode(self) -> str | None:
        """The cursor to store; ``None`` (keep the stored one) while it knows no place."""
        if self.incidents is None and not self.notes:
            return None
        return json.dumps({"incidents": self.incidents, **self.notes},
                          separators=(",", ":"), sort_keys=True)


async def notes_since(fetch: Fetch, typed: Typed, kind: str, cursor: str | None,
                      remote: str) -> AsyncIterator[tuple[list[tuple[str, Comment]], str]]:
    """The notes of ``kind`` changed since ``cursor``, page by page, each with the remote id
    of its incident, and the cursor after them. Without a readable ``cursor``: one empty page
    and the cursor at the newest note (see the module's docstring)."""
    path = NOTE_PATHS[kind]
    if cursor is None or decode_cursor(cursor) is None:
        yield [], await _newest(fetch, path)
        return
    select = {**LISTED_NOTE, "postedAt": True} if kind == "public" else LISTED_NOTE

    def unkeyed(what: str) -> None:
        warn_once(f"{remote}: OneUptime listed {what}; it is left out and the others are "
                  "synced")

    async for _, rows, after, _, _ in keyset_pages(fetch, select, typed, cursor, False,
                                                   unkeyed, path):
        yield ([(str(row["incidentId"]), note_comment(row, kind)) for row in rows
                if isinstance(row, dict) and row.get("incidentId")], after or cursor)


async def _newest(fetch: Fetch, path: str) -> str:
    """A cursor at the newest note of ``path``: its ``updatedAt`` and the notes at that time
    (those of the first page, newest first), or :data:`EPOCH_CURSOR` when there is none."""
    body = {"select": {"updatedAt": True}, "sort": {"updatedAt": "DESC", "_id": "DESC"}}
    _, rows, _ = await fetch(path, body, 0)
    keyed = [(when, str(row["updatedAt"]), str(row["_id"])) for row in rows
             if isinstance(row, dict) and row.get("_id")
             and (when := parse_time(row.get("updatedAt"))) is not None]
    if not keyed:
        return EPOCH_CURSOR
    newest = max(keyed, key=lambda k: k[0])
    ids = dict.fromkeys(row_id for when, _, row_id in keyed if when == newest[0])
    return f"{newest[1]}|{','.join(ids)}"
