"""Row bookkeeping shared by user actions and the sync: each incident's count of queued
changes, and removing an incident with everything that hangs on it."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel import Session, col, select

from incident_tui.store import fts
from incident_tui.store.schema import AttachmentRow, CommentRow, IncidentRow, OutboxRow


def recount_pending(s: Session, incident_ids: Iterable[str]) -> None:
    """Set ``incident.pending`` to the number of its queued changes."""
    params = [{"id": i} for i in incident_ids]
    if params:
        s.connection().execute(
            text(
                "UPDATE incident SET pending = "
                "(SELECT COUNT(*) FROM outbox WHERE incident_id = :id) WHERE id = :id"
            ),
            params,
        )


def remove_incident(s: Session, row: IncidentRow) -> None:
    """Delete an incident with its comments, attachments, queued changes and index entry."""
    for table in (CommentRow, AttachmentRow, OutboxRow):
        for child in s.exec(select(table).where(col(table.incident_id) == row.id)).all():
            s.delete(child)
    if row.num is not None:
        fts.drop(s, [row.num])
    s.delete(row)
