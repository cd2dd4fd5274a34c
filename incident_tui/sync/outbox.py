"""The outbox's state changes as the engine pushes, each one short transaction: what to push
next, what the remote accepted, refused or contested. The user's answers to refused and
contested changes are in :mod:`incident_tui.sync.outbox_answers`.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from incident_tui.clock import from_db, from_db_or_none, to_db
from incident_tui.domain import jsontext
from incident_tui.domain.model import (
    STATUS_CHANGES,
    Attachment,
    ChangeKind,
    Comment,
    Incident,
    Severity,
    Status,
)
from incident_tui.store.bookkeeping import (
    drop_staged_files,
    hide_while_deleting,
    kept_copy,
    mark_reread,
    recount_pending,
    remove_incident,
)
from incident_tui.store.engine import reading, session
from incident_tui.store.in_flight import name_waiting
from incident_tui.store.pauses import STORAGE_WAIT
from incident_tui.store.reopened import mark_reopened
from incident_tui.store.schema import AttachmentRow, CommentRow, IncidentRow, OutboxRow
from incident_tui.store.upsert import UpsertResult, base_of, upsert_incidents

BLOCKING_STATES = ("failed", "conflict")

EXISTING = "existing"
"""Payload key of a comment or attachment being sent: the remote ids of those the remote had
just before (:func:`mark_sending`)."""


ANSWERED = "answered"
"""Payload key of a change being sent: the start (cache form) of its attempt that the remote
answered, with an error (:func:`note_attempt`). The server is done with that attempt, so
the next one, in whatever process, need not wait for it to finish there before looking
whether it arrived."""


@dataclass(frozen=True, slots=True)
class Change:
    """A queued change as the engine pushes it."""

    seq: int
    incident_id: str
    remote: str
    op: ChangeKind
    payload: dict[str, Any]
    key: str
    state: str
    started_at: datetime | None
    next_try_at: datetime | None = None
    """Not to be sent before this time: the remote asked for the wait (``Retry-After``)."""
    last_error: str | None = None
    """Why its last attempt failed, if one did."""
    made_at: datetime | None = None
    """When the user made the change (it was queued): a remote that dates a resolution or a
    new incident by its day gets that day, not the day it is sent."""


@dataclass(frozen=True, slots=True)
class Cached:
    """The cached side of an incident that the engine needs before a write."""

    incident: Incident
    base: dict[str, Any]
    hydrated: bool
    local_only: bool


def pending_changes(engine: Engine, remote: str) -> list[Change]:
    """The remote's changes in push order, skipping every incident whose earlier change is
    failed or contested (changes of one incident go strictly in order)."""
    with reading(engine) as s:
        rows = s.exec(
            select(OutboxRow).where(OutboxRow.remote == remote).order_by(col(OutboxRow.seq))
        ).all()
    blocked: set[str] = set()
    result: list[Change] = []
    for row in rows:
        if row.state in BLOCKING_STATES or row.incident_id in blocked:
            blocked.add(row.incident_id)
            continue
        assert row.seq is not None
        result.append(
            Change(
                row.seq,
                row.incident_id,
                row.remote,
                ChangeKind(row.op),
                json.loads(row.payload),
                row.key,
                row.state,
                from_db(row.started_at),
                from_db(row.next_try_at),
                row.last_error,
                # Damaged, it is sent as made now rather than hold the whole push up.
                from_db_or_none(row.created_at),
            )
        )
    return result


def upload_copy(engine: Engine, stored: str) -> Path:
    """The kept copy of a queued upload whose change records it as ``stored``
    (:func:`~incident_tui.store.bookkeeping.kept_copy`)."""
    with reading(engine) as s:
        return kept_copy(s, stored)


def cached(engine: Engine, incident_id: str) -> Cached | None:
    """The cached incident as a domain object, with its conflict base."""
    with reading(engine) as s:
        row = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
        if row is None:
            return None
        comments = s.exec(select(CommentRow).where(CommentRow.incident_id == incident_id)).all()
        attachments = s.exec(
            select(AttachmentRow).where(AttachmentRow.incident_id == incident_id)
        ).all()
    incident = Incident(
        remote=row.remote,
        kind=row.kind,
        remote_id=row.remote_id,
        title=row.title,
        status=Status(row.status),
        status_raw=row.status_raw,
        created_at=from_db(row.created_at) or datetime.min,
        ref=row.ref,
        container=row.container,
        description=row.description,
        severity=Severity(row.severity) if row.severity else None,
        severity_raw=row.severity_raw,
        category=row.category,
        occurred_at=from_db(row.occurred_at),
        updated_at=from_db(row.updated_at),
        acknowledged_at=from_db(row.acknowledged_at),
        resolved_at=from_db(row.resolved_at),
        reporter=row.reporter,
        assignees=json.loads(row.assignees or "[]"),
        custom_fields=json.loads(row.custom_fields or "{}"),
        extra=json.loads(row.extra or "{}"),
        version=row.version,
        raw=json.loads(row.raw or "{}"),
        comments=[
            Comment(c.remote_id, c.body, from_db(c.created_at), c.author, c.visibility)
            for c in comments
            if c.remote_id
        ],
        attachments=[
            Attachment(a.remote_id, a.name, a.content_type, a.url, a.size)
            for a in attachments
            if a.remote_id
        ],
    )
    return Cached(incident, json.loads(row.base or "{}"), row.hydrated, row.local_only)


def mark_sending(
    engine: Engine, change: Change, now: datetime, *, existing: Sequence[str] | None = None
) -> bool:
    """Record that a create, comment or attachment is about to be sent: if we die now, its
    outcome is unknown, and the next push looks on the remote before sending it again.

    ``False``, recording nothing, when the entry is gone or no longer as ``change`` read it
    (another attempt began since, or it was answered): then it is not this push's to send.
    The push lock (:mod:`~incident_tui.sync.push_lock`) keeps other processes out; this
    check still holds where there is no such lock.

    ``existing``: the remote ids of the incident's comments (attachments) on the remote just
    before a comment (attachment) is sent, kept in the payload as :data:`EXISTING`; one the
    remote has later that is not among them, with our text, is the one this attempt made.
    """
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, change.seq)
        if (
            row is None
            or row.state != change.state
            or from_db(row.started_at) != change.started_at
        ):
            return False
        row.state = "sending"
        row.started_at = to_db(now)
        row.attempts += 1
        if existing is not None:
            row.payload = json.dumps({**json.loads(row.payload), EXISTING: list(existing)})
        return True


def note_attempt(
    engine: Engine,
    seq: int,
    error: str,
    *,
    unsent: datetime | None = None,
    not_before: datetime | None = None,
    counted: bool = False,
    answered: datetime | None = None,
    storage: bool = False,
) -> None:
    """A push failed for a passing reason; it stays queued with the reason visible, and
    ``not_before``: the time the remote asked it not to be sent again before (else none).
    ``counted``: the attempt is already in ``attempts`` (:func:`mark_sending` counts it).

    ``unsent``: the start of the attempt (as :func:`mark_sending` recorded it) when nothing
    it sent can have reached the remote, every connection having failed to open. The
    change is then back to ``queued``, as if never tried: there is nothing on the remote to
    look for before the next attempt, which would otherwise wait for this one to settle
    there. Not when another attempt began since.

    ``answered``: the start of the attempt when the remote answered it (with ``error``),
    kept as :data:`ANSWERED` while the change stays ``sending``: the next attempt looks on
    the remote at once. Not when another attempt began since.

    ``storage``: ``not_before`` is the attachment storage's wait, not the API's, kept as
    :data:`STORAGE_WAIT`: it holds the remote's uploads alone."""
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, seq)
        if row is not None:
            row.attempts += 0 if counted else 1
            row.last_error = error
            row.next_try_at = to_db(not_before)
            payload = json.loads(row.payload)
            if storage and not_before is not None:
                row.payload = json.dumps({**payload, STORAGE_WAIT: True})
            elif payload.pop(STORAGE_WAIT, None) is not None:
                row.payload = json.dumps(payload)
            if unsent is not None and row.state == "sending" and (
                row.started_at == to_db(unsent)
            ):
                row.state = "queued"
                row.started_at = None
            elif answered is not None and row.state == "sending" and (
                row.started_at == to_db(answered)
            ):
                row.payload = json.dumps({**json.loads(row.payload), ANSWERED: row.started_at})


SHOWN_IN_ROW = frozenset({*STATUS_CHANGES, ChangeKind.EDIT, ChangeKind.SET_ATTRIBUTE})
"""Changes whose at-once effect is in the incident's own row (not a comment or file)."""


def mark_failed(engine: Engine, seq: int, reason: str, *, counted: bool = False) -> None:
    """The remote refused the change; it waits for the user to retry or discard it.
    ``counted``: as for :func:`note_attempt`.

    Once every change of the incident is refused, the next sync reads it again in full and
    stores the remote's values over what the refused change showed, which never happened
    there; the refusal, and the change for a retry, stay."""
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, seq)
        if row is not None and not counted:
            row.attempts += 1
        incident = _block(s, seq, "failed", reason)
        if incident is not None:
            incident.failed = reason
        if row is None or incident is None or incident.local_only:
            return
        s.flush()  # the query below reads the table, not the session's unsaved state
        if row.op in SHOWN_IN_ROW and not _waiting(s, incident.id):
            # As a discard does: the re-read rewrites the row even where the remote's own
            # token did not move (nobody changed it), and an incremental listing that never
            # lists it again does not leave the refused change showing.
            incident.version = None
            mark_reread(s, [incident.id])


def _waiting(s: Session, incident_id: str) -> bool:
    """Whether a change of the incident is still queued, being sent or contested (so a pull
    keeps the local view over it)."""
    others = s.connection().execute(
        text("SELECT 1 FROM outbox WHERE incident_id = :i AND state != 'failed' LIMIT 1"),
        {"i": incident_id},
    )
    return others.first() is not None


def mark_conflict(
    engine: Engine,
    seq: int,
    fields: list[str],
    ours: dict[str, Any],
    theirs: Incident | None,
    reason: str,
    *,
    attributes: dict[str, Any] | None = None,
) -> None:
    """The remote changed what we change: keep both sides for the user to choose
    (``attributes``: the remote's values of the custom attributes in conflict)."""
    theirs_values = base_of(theirs) if theirs else None
    with session(engine) as s, s.begin():
        incident = _block(s, seq, "conflict", reason)
        if incident is not None:
            incident.conflict = json.dumps(
                {
                    "seq": seq,
                    "fields": fields,
                    "ours": ours,
                    "theirs": theirs_values,
                    "theirs_raw": their_words(theirs) if theirs else None,
                    "reason": reason,
                    **({THEIR_ATTRIBUTES: attributes} if attributes else {}),
                },
                default=str,
            )
            if theirs is not None:
                incident.raw = json.dumps(theirs.raw, default=str)


THEIR_ATTRIBUTES = "theirs_attributes"
"""Key of a conflict holding the remote's values of the custom attributes it is about."""


def their_words(theirs: Incident) -> dict[str, str | None]:
    """The remote's own words for its status and severity, and its times, as a conflict
    keeps them: taking their side shows them with their values at once, not only after the
    next sync reads the incident again."""
    return {
        "status_raw": theirs.status_raw,
        "severity_raw": theirs.severity_raw,
        "acknowledged_at": to_db(theirs.acknowledged_at),
        "resolved_at": to_db(theirs.resolved_at),
    }


def _block(s: Session, seq: int, state: str, reason: str) -> IncidentRow | None:
    """Hold outbox entry ``seq`` in ``state`` (``failed`` or ``conflict``) with ``reason``
    for the user; return its incident's row to mark, or None when either is gone. An
    incident a queued delete hid shows again: the user must find it to answer."""
    row = s.get(OutboxRow, seq)
    if row is None:
        return None
    row.state = state
    row.last_error = reason
    incident = s.exec(select(IncidentRow).where(IncidentRow.id == row.incident_id)).first()
    if incident is not None:
        hide_while_deleting(s, incident)
    return incident


def complete(
    engine: Engine,
    change: Change,
    fresh: Incident | None,
    now: datetime,
    *,
    comment: Comment | None = None,
    attachment: Attachment | None = None,
    created: Incident | None = None,
) -> UpsertResult | None:
    """The remote accepted ``change``: drop it from the outbox and store what came back,
    in one transaction (a create also renames the local id to the remote's id).

    ``None``, storing nothing, when the change left the outbox while it was being sent (a
    discard of it, or of its incident, got in first): what the remote now has is no longer
    what the cache shows, so the incident, if still cached, is read again at the next pull
    (a create's incident comes with the listing)."""
    result = UpsertResult()
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, change.seq)
        if row is None:
            cached = select(IncidentRow.local_only).where(IncidentRow.id == change.incident_id)
            local_only = s.exec(cached).first()
            if local_only is not None and not local_only:
                mark_reread(s, [change.incident_id])
            return None
        incident_id = change.incident_id
        if created is not None:
            incident_id = _adopt(s, change.incident_id, created)
            result.changed.append(change.incident_id)
            fresh = created
        s.delete(row)
        s.flush()
        if change.op is ChangeKind.COMMENT and comment is not None:
            seq = change.payload.get("comment_seq")
            local = s.get(CommentRow, seq) if seq is not None else None
            if local is not None:
                local.remote_id = comment.remote_id
                local.pending = False
                local.created_at = to_db(comment.created_at) or local.created_at
                local.author = comment.author or local.author
                local.visibility = comment.visibility or local.visibility
            else:
                # Deleted while it was being sent: its deletion waits for this id.
                kind = {"visibility": comment.visibility} if comment.visibility else {}
                name_waiting(s, incident_id, change.op, seq, comment.remote_id, **kind)
        if change.op is ChangeKind.ATTACH and attachment is not None:
            seq = change.payload.get("attachment_seq")
            local_file = s.get(AttachmentRow, seq) if seq is not None else None
            # The remote has the file: its kept copy goes once this is committed.
            staged = [change.payload.get("path")]
            if local_file is not None:
                staged.append(local_file.local_path)
                local_file.remote_id = attachment.remote_id
                local_file.url = attachment.url
                local_file.pending = False
                local_file.local_path = None
            else:
                name_waiting(s, incident_id, change.op, seq, attachment.remote_id)
            drop_staged_files(s, staged)
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
        if change.op is ChangeKind.DELETE:
            if incident is not None:
                remove_incident(s, incident)
            result.removed.append(incident_id)
            return result
        recount_pending(s, [incident_id])
        s.flush()
        if incident is not None:
            s.refresh(incident)
            if incident.pending == 0:
                incident.failed = None
            if fresh is not None and incident.pending == 0:
                incident.version = None  # force the rewrite below even if the token matches
                s.flush()
                result.changed += upsert_incidents(s, [fresh], now).touched()
            elif fresh is not None:
                # More changes of this incident wait; the row keeps their local view. But
                # the remote now holds this one, so what it wrote is the base they are
                # checked against: a resolve queued after an acknowledge is not a conflict
                # with it. Only what it wrote: a field someone else changed meanwhile
                # stays as last seen, so a later change to it is still a conflict.
                incident.base = jsontext.dumps(_base_after(change, incident.base, fresh))
            if change.op is ChangeKind.REOPEN:
                # The remote has it open again from now: no remote tells when later.
                mark_reopened(s, {incident_id: to_db(now) or ""})
        result.changed.append(incident_id)
    return result


def created_here(engine: Engine, remote: str) -> frozenset[str]:
    """The remote ids of the incidents creates from this cache made on ``remote`` (each
    local id a create printed stays an alias of its remote id)."""
    with reading(engine) as s:
        rows = s.connection().execute(
            text("SELECT new_id FROM id_alias WHERE substr(new_id, 1, length(:p)) = :p"),
            {"p": f"{remote}:"},
        )
        return frozenset(new_id.split(":", 1)[1] for (new_id,) in rows)


def _base_after(change: Change, base: str | None, fresh: Incident) -> dict[str, Any]:
    """The conflict base once the remote took ``change`` and answered ``fresh``: the fields
    the change wrote as the remote now has them, the others as they were. A create's answer
    is all base: nobody else had seen the incident."""
    theirs = base_of(fresh)
    if change.op is ChangeKind.CREATE:
        return theirs
    if change.op in STATUS_CHANGES:
        wrote: set[str] = {"status"}
    elif change.op is ChangeKind.EDIT:
        wrote = set(change.payload.get("changes") or {})
    else:
        wrote = set()
    kept = json.loads(base or "{}")
    return {**kept, **{name: value for name, value in theirs.items() if name in wrote}}


def _adopt(s: Any, local_id: str, created: Incident) -> str:
    """Give a locally created incident the remote's id everywhere it is referenced."""
    new_id = created.id
    conn = s.connection()
    duplicate = s.exec(select(IncidentRow).where(IncidentRow.id == new_id)).first()
    if duplicate is not None:
        # A pull already brought the incident an interrupted create made: keep ours, with
        # what the user did to that copy meanwhile (a comment, an ack: queued there) and
        # the remote's comments and files it brought.
        for table in ("comment", "attachment", "outbox"):
            conn.execute(
                text(f"UPDATE {table} SET incident_id = :old WHERE incident_id = :new"),
                {"new": new_id, "old": local_id},
            )
        remove_incident(s, duplicate)
        s.flush()
    conn.execute(
        text("UPDATE incident SET id = :new, remote_id = :rid, local_only = 0 WHERE id = :old"),
        {"new": new_id, "rid": created.remote_id, "old": local_id},
    )
    for table in ("comment", "attachment", "outbox"):
        conn.execute(
            text(f"UPDATE {table} SET incident_id = :new WHERE incident_id = :old"),
            {"new": new_id, "old": local_id},
        )
    conn.execute(
        text("INSERT OR REPLACE INTO id_alias (old_id, new_id) VALUES (:old, :new)"),
        {"new": new_id, "old": local_id},
    )
    return new_id
