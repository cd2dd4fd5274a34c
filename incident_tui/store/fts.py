"""Keeping the full-text index in step with incidents and comments, inside the caller's
transaction (so search never sees a half-written change)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel import Session

_REINDEX = text(
    "INSERT OR REPLACE INTO incident_fts (rowid, title, description, comments) "
    "SELECT i.num, i.title, COALESCE(i.description, ''), "
    "COALESCE((SELECT group_concat(c.body, ' ') FROM comment c WHERE c.incident_id = i.id), '') "
    "FROM incident i WHERE i.id = :id"
)
_DROP = text("DELETE FROM incident_fts WHERE rowid = :num")


def reindex(session: Session, incident_ids: Iterable[str]) -> None:
    """Rebuild the index entries of these incidents from their current rows and comments."""
    params = [{"id": incident_id} for incident_id in incident_ids]
    if params:
        session.connection().execute(_REINDEX, params)


def drop(session: Session, nums: Iterable[int]) -> None:
    """Remove index entries of incidents that are being deleted (by their ``num``)."""
    params = [{"num": num} for num in nums]
    if params:
        session.connection().execute(_DROP, params)
