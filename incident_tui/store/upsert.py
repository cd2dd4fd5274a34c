"""Writing what a pull brought: upserts of incidents with their comments and attachments,
and the removal of incidents a full listing no longer has. Unchanged rows are not written.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.sqlite import insert
from sqlmodel import Session, col, select

from incident_tui.clock import to_db
from incident_tui.domain.model import Incident
from incident_tui.store import fts
from incident_tui.store.actions import remove_incident
from incident_tui.store.schema import AttachmentRow, CommentRow, IncidentRow

SYNCED_COLUMNS = (
    "remote",
    "kind",
    "remote_id",
    "ref",
    "container",
    "title",
    "description",
    "status",
    "status_raw",
    "severity",
    "severity_raw",
    "category",
    "occurred_at",
    "created_at",
    "updated_at",
    "acknowledged_at",
    "resolved_at",
    "reporter",
    "assignees",
    "custom_fields",
    "extra",
    "version",
    "raw",
    "base",
    "synced_at",
)


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


def content_version(incident: Incident) -> str:
    """The incident's version token, or a hash of its raw payload when the remote has none."""
    if incident.version:
        return incident.version
    blob = json.dumps(incident.raw, sort_keys=True, default=str).encode()
    return "sha1:" + hashlib.sha1(blob, usedforsecurity=False).hexdigest()


def base_of(incident: Incident) -> dict[str, Any]:
    """The editable common fields as the remote has them: the base for conflict checks."""
    return {
        "title": incident.title,
        "description": incident.description,
        "severity": incident.severity.value if incident.severity else None,
        "status": incident.status.value,
    }


def row_values(incident: Incident, synced_at: datetime) -> dict[str, Any]:
    """The ``incident`` table columns for a pulled incident."""
    return {
        "id": incident.id,
        "remote": incident.remote,
        "kind": incident.kind,
        "remote_id": incident.remote_id,
        "ref": incident.ref,
        "container": incident.container,
        "title": incident.title,
        "description": incident.description,
        "status": incident.status.value,
        "status_raw": incident.status_raw,
        "severity": incident.severity.value if incident.severity else None,
        "severity_raw": incident.severity_raw,
        "category": incident.category,
        "occurred_at": to_db(incident.occurred_at),
        "created_at": to_db(incident.created_at),
        "updated_at": to_db(incident.updated_at),
        "acknowledged_at": to_db(incident.acknowledged_at),
        "resolved_at": to_db(incident.resolved_at),
        "reporter": incident.reporter,
        "assignees": json.dumps(incident.assignees, default=str),
        "custom_fields": json.dumps(incident.custom_fields, default=str),
        "extra": json.dumps(incident.extra, default=str),
        "version": content_version(incident),
        "raw": json.dumps(incident.raw, default=str),
        "base": json.dumps(base_of(incident)),
        "synced_at": to_db(synced_at),
        "hydrated": incident.comments is not None,
    }


def upsert_incidents(
    s: Session, incidents: Sequence[Incident], synced_at: datetime
) -> UpsertResult:
    """Store pulled incidents. Rows with queued local changes keep the local view (only their
    remote comments are refreshed); the engine re-reads them once their queue drains."""
    result = UpsertResult()
    if not incidents:
        return result
    known: dict[str, tuple[str | None, int, bool]] = {}
    ids = [i.id for i in incidents]
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        rows = s.connection().execute(
            text("SELECT id, version, pending, hydrated FROM incident WHERE id IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": chunk},
        )
        for row in rows:
            known[row[0]] = (row[1], int(row[2]), bool(row[3]))
    values: list[dict[str, Any]] = []
    detailed: list[Incident] = []
    for incident in incidents:
        previous = known.get(incident.id)
        if previous is not None and previous[1] > 0:
            result.skipped_pending.append(incident.id)
            if incident.comments is not None:
                detailed.append(incident)
            continue
        version = content_version(incident)
        unchanged = previous is not None and previous[0] == version
        if unchanged and (incident.comments is None or previous is not None and previous[2]):
            continue
        values.append(row_values(incident, synced_at))
        if incident.comments is not None or incident.attachments is not None:
            detailed.append(incident)
        (result.changed if previous is not None else result.new).append(incident.id)
    if values:
        statement = insert(IncidentRow)
        update = {name: statement.excluded[name] for name in SYNCED_COLUMNS}
        # Only changed rows get here, so a changed summary row marks the incident for a fresh
        # full fetch (its comments may be stale now).
        update["hydrated"] = statement.excluded.hydrated
        s.connection().execute(
            statement.on_conflict_do_update(index_elements=["id"], set_=update), values
        )
    for incident in detailed:
        _replace_children(s, incident)
    fts.reindex(s, [v["id"] for v in values] + [i.id for i in detailed if i.id not in known])
    return result


def _replace_children(s: Session, incident: Incident) -> None:
    """Swap the remote comments and attachments of an incident, keeping queued local ones."""
    conn = s.connection()
    if incident.comments is not None:
        conn.execute(
            text("DELETE FROM comment WHERE incident_id = :id AND pending = 0"), {"id": incident.id}
        )
        rows = [
            {
                "incident_id": incident.id,
                "remote_id": c.remote_id,
                "author": c.author,
                "body": c.body,
                "created_at": to_db(c.created_at),
                "visibility": c.visibility,
                "pending": False,
            }
            for c in incident.comments
        ]
        if rows:
            conn.execute(insert(CommentRow), rows)
    if incident.attachments is not None:
        conn.execute(
            text("DELETE FROM attachment WHERE incident_id = :id AND pending = 0"),
            {"id": incident.id},
        )
        files: list[dict[str, object]] = [
            {
                "incident_id": incident.id,
                "remote_id": a.remote_id,
                "name": a.name,
                "content_type": a.content_type,
                "url": a.url,
                "size": a.size,
                "pending": False,
            }
            for a in incident.attachments
        ]
        if files:
            conn.execute(insert(AttachmentRow), files)
    fts.reindex(s, [incident.id])


def remove_missing(s: Session, remote: str, seen: Iterable[str]) -> UpsertResult:
    """After a complete listing: drop cached incidents of ``remote`` the remote no longer has.

    One with queued changes is kept and flagged, so the user's work is never thrown away.
    """
    result = UpsertResult()
    seen_ids = set(seen)
    rows = s.exec(
        select(IncidentRow).where(
            IncidentRow.remote == remote, col(IncidentRow.local_only).is_(False)
        )
    ).all()
    for row in rows:
        if row.id in seen_ids:
            continue
        if row.pending > 0 and not row.deleted_locally:
            if not row.remote_deleted:
                row.remote_deleted = True
                row.conflict = json.dumps(
                    {"reason": "deleted on the remote", "fields": [], "theirs": None}
                )
                result.changed.append(row.id)
            continue
        remove_incident(s, row)
        result.removed.append(row.id)
    return result
