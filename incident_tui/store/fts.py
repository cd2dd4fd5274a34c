"""Keeping the full-text index in step with incidents and comments, inside the caller's
transaction (so search never sees a half-written change)."""

from __future__ import annotations

import json
from collections.abc import Iterable

from sqlalchemy import text
from sqlmodel import Session

from incident_tui.store.schema import FTS_INSERT, FTS_ROWS

_REINDEX = text(
    f"INSERT OR REPLACE {FTS_INSERT}{FTS_ROWS} "
    "WHERE i.id IN (SELECT value FROM json_each(:ids)) ORDER BY i.num"
)
_DROP = text("DELETE FROM incident_fts WHERE rowid = :num")


def reindex(session: Session, incident_ids: Iterable[str]) -> None:
    """Rebuild the index entries of these incidents from their current rows and comments.

    One statement for all of them: FTS5 costs several times more per row when fed one
    statement a row (a pull stores thousands)."""
    ids = list(incident_ids)
    if ids:
        session.connection().execute(_REINDEX, {"ids": json.dumps(ids)})


def drop(session: Session, nums: Iterable[int]) -> None:
    """Remove index entries of incidents that are being deleted (by their ``num``)."""
    params = [{"num": num} for num in nums]
    if params:
        session.connection().execute(_DROP, params)
