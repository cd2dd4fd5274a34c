"""The comments and attachments of pulled full records (and comments listed apart from their
incidents), merged into the cache by remote id, so each keeps the number ``show`` gives it
(``delete-comment`` and ``delete-attachment`` take that number) for as long as it exists."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from sqlmodel import Session

from incident_tui.clock import to_db
from incident_tui.domain import jsontext
from incident_tui.domain.model import ChangeKind, Comment, Incident
from incident_tui.store.in_flight import REMOVED_ID
from incident_tui.store.schema import AttachmentRow, CommentRow

_COMMENT_COLUMNS = ("author", "body", "created_at", "visibility")
_FILE_COLUMNS = ("name", "content_type", "url", "size")

# What one incident's pulled children are: (remote id, values in the table's columns' order).
_Pulled = dict[str, list[tuple[str, tuple[Any, ...]]]]


def _merge_children(
    s: Session, table: str, columns: Sequence[str], pulled: _Pulled, *, every: bool = True
) -> set[str]:
    """Make the remote rows of ``table`` (``comment`` or ``attachment``) of the incidents in
    ``pulled`` what the remote sent, touching only what differs; ``every=False``: ``pulled``
    holds only some of them (listed apart from their incidents), and the others stay.

    A row keeps its ``seq`` as long as the remote keeps its remote id: ``show`` numbers
    comments and files by it, and ``delete-comment``/``delete-attachment`` take that number,
    so a number that moved between a ``show`` and a delete would hit another row. Queued
    local rows (``pending``) are left alone. One statement per kind of write for the page:
    a pull stores thousands of comments. Returns the incidents whose rows changed."""
    driver = s.connection().connection.driver_connection
    assert driver is not None
    names = ", ".join(columns)
    cached: dict[tuple[str, str | None], list[tuple[int, tuple[Any, ...]]]] = {}
    for seq, incident_id, remote_id, *values in driver.execute(
        f"SELECT seq, incident_id, remote_id, {names} FROM {table} WHERE pending = 0 "
        "AND incident_id IN (SELECT value FROM json_each(?)) ORDER BY seq",
        (jsontext.dumps(list(pulled)),),
    ):
        cached.setdefault((incident_id, remote_id), []).append((seq, tuple(values)))
    updates: list[tuple[Any, ...]] = []
    inserts: list[tuple[Any, ...]] = []
    changed: set[str] = set()
    for incident_id, children in pulled.items():
        for remote_id, values in children:
            # Oldest row first: a remote id cached twice (a pushed comment stored by a pull
            # before its push was recorded) keeps the lower number and drops the other.
            matches = cached.get((incident_id, remote_id))
            if matches:
                seq, old = matches.pop(0)
                if old != values:
                    updates.append((*values, seq))
                    changed.add(incident_id)
            else:
                inserts.append((incident_id, remote_id, *values))
                changed.add(incident_id)
    gone = [seq for rows in cached.values() for seq, _ in rows] if every else []
    if every:
        changed.update(incident_id for (incident_id, _), rows in cached.items() if rows)
    if gone:
        driver.execute(
            f"DELETE FROM {table} WHERE seq IN (SELECT value FROM json_each(?))",
            (jsontext.dumps(gone),),
        )
    if updates:
        assignments = ", ".join(f"{name} = ?" for name in columns)
        driver.executemany(f"UPDATE {table} SET {assignments} WHERE seq = ?", updates)
    if inserts:
        marks = ", ".join("?" * (len(columns) + 2))
        driver.executemany(
            f"INSERT INTO {table} (incident_id, remote_id, {names}, pending) "
            f"VALUES ({marks}, 0)",
            inserts,
        )
    return changed


def replace_children(s: Session, incidents: Sequence[Incident]) -> set[str]:
    """Bring the remote comments and attachments of full records into the cache: rows still
    on the remote are updated in place (keeping their numbers), new ones added, gone ones
    removed; queued local ones are kept, and so is the user's queued deletion of one (it
    does not come back before the remote has it). Returns the incidents whose comments
    or files changed in the cache."""
    changed: set[str] = set()
    if not incidents:
        return changed
    removing = _queued_removals(s, [incident.id for incident in incidents])
    comments: _Pulled = {
        incident.id: [
            (c.remote_id, (c.author, c.body, to_db(c.created_at), c.visibility))
            for c in incident.comments
            if (ChangeKind.DELETE_COMMENT, incident.id, c.remote_id) not in removing
        ]
        for incident in incidents
        if incident.comments is not None
    }
    if comments:
        changed |= _merge_children(s, CommentRow.__tablename__, _COMMENT_COLUMNS, comments)
    files: _Pulled = {
        incident.id: [
            (a.remote_id, (a.name, a.content_type, a.url, a.size))
            for a in incident.attachments
            if (ChangeKind.DELETE_ATTACHMENT, incident.id, a.remote_id) not in removing
        ]
        for incident in incidents
        if incident.attachments is not None
    }
    if files:
        changed |= _merge_children(s, AttachmentRow.__tablename__, _FILE_COLUMNS, files)
    return changed


def add_comments(s: Session, listed: Mapping[str, Sequence[Comment]]) -> set[str]:
    """Bring comments listed apart from their incidents (by local incident id) into the
    cache: one already there (by remote id, ours once its post was recorded too) is updated
    in place, a new one added; none goes. Only on cached incidents, and not one the user's
    queued deletion hides. Returns the incidents whose comments changed."""
    if not listed:
        return set()
    driver = s.connection().connection.driver_connection
    assert driver is not None
    cached = [
        row[0]
        for row in driver.execute(
            "SELECT id FROM incident WHERE id IN (SELECT value FROM json_each(?))",
            (jsontext.dumps(list(listed)),),
        )
    ]
    removing = _queued_removals(s, cached)
    pulled: _Pulled = {}
    for incident_id in cached:
        # Listed twice (edited while the pull read on): once, as last listed.
        latest = {c.remote_id: c for c in listed[incident_id]}
        pulled[incident_id] = [
            (c.remote_id, (c.author, c.body, to_db(c.created_at), c.visibility))
            for c in latest.values()
            if (ChangeKind.DELETE_COMMENT, incident_id, c.remote_id) not in removing
        ]
    return _merge_children(s, CommentRow.__tablename__, _COMMENT_COLUMNS, pulled, every=False)


_REMOVALS = (ChangeKind.DELETE_COMMENT, ChangeKind.DELETE_ATTACHMENT)


def _queued_removals(s: Session, incident_ids: list[str]) -> set[tuple[ChangeKind, str, str]]:
    """(kind of deletion, incident id, remote id) of the comments and files the user deleted
    and the remote has not been told yet, among these incidents."""
    driver = s.connection().connection.driver_connection
    assert driver is not None
    rows = driver.execute(
        "SELECT op, incident_id, payload FROM outbox WHERE op IN (?, ?) "
        "AND incident_id IN (SELECT value FROM json_each(?))",
        (*(op.value for op in _REMOVALS), jsontext.dumps(incident_ids)),
    )
    found: set[tuple[ChangeKind, str, str]] = set()
    for op, incident_id, payload in rows:
        kind = ChangeKind(op)
        removed = json.loads(payload or "{}").get(REMOVED_ID[kind])
        if removed is not None:
            found.add((kind, incident_id, str(removed)))
    return found
