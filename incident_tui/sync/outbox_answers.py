"""The user's answers to refused and contested changes in the outbox (retry, discard, keep
mine, take theirs), each one short transaction.
"""

from __future__ import annotations

import json

from sqlalchemy import Engine
from sqlmodel import select

from incident_tui.domain.model import ChangeKind
from incident_tui.store import fts
from incident_tui.store.actions import ActionError
from incident_tui.store.bookkeeping import drop_staged_files, recount_pending, remove_incident
from incident_tui.store.engine import session
from incident_tui.store.schema import AttachmentRow, CommentRow, IncidentRow, OutboxRow
from incident_tui.sync.outbox import BLOCKING_STATES


def retry(engine: Engine, seq: int) -> None:
    """Put a refused or contested change back in the queue as it is."""
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, seq)
        if row is None:
            raise ActionError(f"no queued change {seq}")
        if row.state not in BLOCKING_STATES:
            # Only a held change waits for this. Putting a "sending" one back would also
            # forget that it may have reached the remote, and send it twice.
            raise ActionError(
                f"change {seq} is {row.state}, not refused or contested: nothing to retry"
            )
        row.state = "queued"
        row.last_error = None
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == row.incident_id)).first()
        if incident is not None:
            incident.failed = None


def discard(engine: Engine, seq: int) -> str:
    """Drop a queued change; the incident is refreshed from the remote at the next pull.

    Returns the incident id. A discarded create removes the local incident altogether; a
    discarded comment or upload removes what it would have sent (an upload's kept copy too).
    """
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, seq)
        if row is None:
            raise ActionError(f"no queued change {seq}")
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == row.incident_id)).first()
        payload = json.loads(row.payload)
        s.delete(row)
        s.flush()
        if incident is None:
            return row.incident_id
        if row.op == ChangeKind.CREATE.value:
            remove_incident(s, incident)
            return row.incident_id
        if row.op == ChangeKind.COMMENT.value and payload.get("comment_seq") is not None:
            comment = s.get(CommentRow, payload["comment_seq"])
            if comment is not None:
                s.delete(comment)
        if row.op == ChangeKind.ATTACH.value:
            # The file is not uploaded now: its "pending upload" entry and kept copy go.
            staged = [payload.get("path")]
            attachment = s.get(AttachmentRow, payload.get("attachment_seq") or 0)
            if attachment is not None and attachment.remote_id is None:
                staged.append(attachment.local_path)
                s.delete(attachment)
            drop_staged_files(s, staged)
        if row.op == ChangeKind.DELETE.value:
            incident.deleted_locally = False
        # Forget the local view: the next pull rewrites the row with the remote's values.
        incident.version = None
        incident.failed = None
        incident.conflict = None
        recount_pending(s, [incident.id])
        s.flush()
        fts.reindex(s, [incident.id])
        return incident.id


def keep_mine(engine: Engine, incident_id: str) -> None:
    """Resolve a conflict for our side: the remote's current values become the base, so the
    queued change is pushed over them at the next sync."""
    with session(engine) as s, s.begin():
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
        if incident is None or not incident.conflict:
            raise ActionError(f"{incident_id} has no conflict")
        info = json.loads(incident.conflict)
        if info.get("theirs"):
            incident.base = json.dumps(info["theirs"])
        incident.conflict = None
        for row in s.exec(
            select(OutboxRow).where(
                OutboxRow.incident_id == incident_id, OutboxRow.state == "conflict"
            )
        ).all():
            row.state = "queued"
            row.last_error = None
            row.payload = json.dumps({**json.loads(row.payload), "force": True})


def take_theirs(engine: Engine, incident_id: str) -> None:
    """Resolve a conflict for the remote's side: drop our contested changes and show theirs."""
    with session(engine) as s, s.begin():
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
        if incident is None or not incident.conflict:
            raise ActionError(f"{incident_id} has no conflict")
        info = json.loads(incident.conflict)
        for row in s.exec(
            select(OutboxRow).where(
                OutboxRow.incident_id == incident_id, OutboxRow.state == "conflict"
            )
        ).all():
            s.delete(row)
        theirs = info.get("theirs") or {}
        for name in ("title", "description", "severity", "status"):
            if name in theirs:
                setattr(incident, name, theirs[name])
        if theirs:
            incident.base = json.dumps(theirs)
        incident.conflict = None
        incident.version = None
        if incident.remote_deleted:
            s.flush()
            remove_incident(s, incident)
            return
        s.flush()
        recount_pending(s, [incident_id])
        fts.reindex(s, [incident_id])
