"""Row bookkeeping shared by user actions and the sync: each incident's count of queued
changes, removing an incident with everything that hangs on it (or keeping one the remote
deleted while the user's changes wait), the marks of incidents to read again in full, and
the copies of files queued for upload that go with their rows."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import event, text
from sqlmodel import Session, col, select

from incident_tui.domain.gone import GONE_REASON
from incident_tui.domain.model import ChangeKind
from incident_tui.paths import outbox_files_dir
from incident_tui.store import fts
from incident_tui.store.schema import (
    AttachmentRow,
    CommentRow,
    IncidentRow,
    OutboxRow,
    RereadRow,
)

_REREAD = RereadRow.__tablename__

_STAGED = "staged_folders_to_drop"
"""Key in ``Session.info``: staged upload folders to delete once the transaction commits."""


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


def hide_while_deleting(s: Session, row: IncidentRow) -> None:
    """Hide ``row``'s incident (``deleted_locally``) while a delete of it waits to be sent,
    and show it otherwise. Once the remote refused that delete, or while another change of
    it waits for the user's answer (refused or contested, which holds the delete back), the
    incident is still there on the remote and must show, marked, for the user to open it
    and retry or discard. The session is flushed first, so the outbox as it now is decides."""
    s.flush()
    deleting, answering = s.connection().execute(
        text(
            "SELECT COALESCE(SUM(op = :delete AND state NOT IN ('failed', 'conflict')), 0), "
            "COALESCE(SUM(state IN ('failed', 'conflict')), 0) "
            "FROM outbox WHERE incident_id = :i"
        ),
        {"i": row.id, "delete": ChangeKind.DELETE.value},
    ).one()
    row.deleted_locally = bool(deleting) and not answering


def delete_wanted(s: Session, incident_id: str) -> bool:
    """Whether the user asked to delete the incident (a delete of it is in the outbox, sent
    or not, refused or not)."""
    found = s.connection().execute(
        text("SELECT 1 FROM outbox WHERE incident_id = :i AND op = :delete LIMIT 1"),
        {"i": incident_id, "delete": ChangeKind.DELETE.value},
    )
    return found.first() is not None


def remove_incident(s: Session, row: IncidentRow) -> None:
    """Delete an incident with its comments, attachments, queued changes and index entry,
    and (once committed) the copies of its files that were waiting for upload."""
    staged: list[str | None] = []
    for table in (CommentRow, AttachmentRow, OutboxRow):
        for child in s.exec(select(table).where(col(table.incident_id) == row.id)).all():
            if isinstance(child, AttachmentRow):
                staged.append(child.local_path)
            elif isinstance(child, OutboxRow) and child.op == ChangeKind.ATTACH.value:
                staged.append(json.loads(child.payload).get("path"))
            s.delete(child)
    drop_staged_files(s, staged)
    s.connection().execute(text(f"DELETE FROM {_REREAD} WHERE incident_id = :i"), {"i": row.id})
    if row.num is not None:
        fts.drop(s, [row.num])
    s.delete(row)


def gone_from_remote(s: Session, row: IncidentRow) -> bool:
    """The remote no longer has ``row``'s incident: remove it (``True``), or, while changes
    of it the user made wait in the outbox, keep it marked as deleted there, with a conflict
    for the user to settle (``False``): their work is never thrown away."""
    # A delete the user asked for, even one the remote refused, says they want it gone.
    if row.pending > 0 and not row.deleted_locally and not delete_wanted(s, row.id):
        if not row.remote_deleted:
            row.remote_deleted = True
            row.conflict = json.dumps({"reason": GONE_REASON, "fields": [], "theirs": None})
        return False
    remove_incident(s, row)
    return True


def mark_reread(s: Session, incident_ids: Iterable[str]) -> None:
    """Have the next sync read these incidents again in full (:class:`RereadRow`)."""
    params = [{"id": i} for i in incident_ids]
    if params:
        s.connection().execute(
            text(f"INSERT OR IGNORE INTO {_REREAD} (incident_id) VALUES (:id)"), params
        )


def drop_staged_files(s: Session, paths: Iterable[str | None]) -> None:
    """Delete the folders the copies of queued uploads at ``paths`` were kept in, once the
    transaction of ``s`` commits: a rolled-back one still queues them. Only folders where
    :meth:`~incident_tui.store.actions.Actions.attach` keeps them, beside this cache, are
    touched (see :func:`kept_copy`)."""
    wanted = [p for p in paths if p]
    home = _staged_home(s) if wanted else None
    if home is None:
        return
    folders = {kept.parent for p in wanted if (kept := _in_home(home, p)) is not None}
    if not folders:
        return
    if _STAGED not in s.info:
        # Sessions are short-lived (one per transaction), so the listeners die with them.
        event.listen(s, "after_commit", _drop_committed)
        event.listen(s, "after_soft_rollback", _forget_staged)
    s.info.setdefault(_STAGED, set()).update(folders)


def kept_copy(s: Session, stored: str) -> Path:
    """Where the copy of a queued upload recorded as ``stored`` is now.

    A copy lives in a folder of its own beside the cache; it is found there by that folder's
    and its own name. The path as recorded may be relative to the working folder of the
    command that queued it, or name the place the cache was moved from."""
    home = _staged_home(s)
    kept = _in_home(home, stored) if home is not None else None
    return kept if kept is not None else Path(stored)


def _in_home(home: Path, stored: str) -> Path | None:
    path = Path(stored)
    folder = path.parent.name
    if folder in ("", ".", "..") or path.name in ("", ".", ".."):
        return None
    return home / folder / path.name


def _staged_home(s: Session) -> Path | None:
    """The folder beside the cache that holds the copies of queued uploads."""
    for _, name, file in s.connection().execute(text("PRAGMA database_list")):
        if name == "main" and file:
            return outbox_files_dir(Path(file)).resolve()
    return None


def _drop_committed(s: Session) -> None:
    for folder in s.info.get(_STAGED, set()):
        shutil.rmtree(folder, ignore_errors=True)
    s.info[_STAGED] = set()


def _forget_staged(s: Session, previous_transaction: object) -> None:
    s.info[_STAGED] = set()
