"""The user's answers to refused and contested changes in the outbox (retry, discard, keep
mine, take theirs), each one short transaction.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from incident_tui.clock import Clock, system_clock, to_db
from incident_tui.domain.gone import gone_words
from incident_tui.domain.model import EDITABLE_FIELDS, STATUS_CHANGES, ChangeKind, Status
from incident_tui.store import fts
from incident_tui.store.actions import ActionError
from incident_tui.store.bookkeeping import (
    drop_staged_files,
    hide_while_deleting,
    mark_reread,
    recount_pending,
    remove_incident,
)
from incident_tui.store.engine import session
from incident_tui.store.in_flight import LOCAL_NUMBER, SENDING, waiting_removals
from incident_tui.store.queued import READ_BASE, queued_view, times_after
from incident_tui.store.schema import AttachmentRow, CommentRow, IncidentRow, OutboxRow
from incident_tui.store.upsert import REFUSED_BASE
from incident_tui.sync.outbox import BLOCKING_STATES, THEIR_ATTRIBUTES


def retry(engine: Engine, seq: int, *, clock: Clock = system_clock) -> None:
    """Put a refused or contested change back in the queue as it is; a refused create takes
    with it the edits queued behind it (:func:`_edits_into_create`).

    Refused (``ActionError``) for an incident gone from the remote (deleted there, or not on
    the system its remote now points at): it could only be refused again.

    Where a pull stored the remote's values over the incident while the change was refused
    (see :data:`~incident_tui.store.upsert.REFUSED_BASE`), the incident shows the change's
    effect again, as when it was queued (``clock`` stamps the times that takes); a retried
    delete hides it again."""
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
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == row.incident_id)).first()
        if incident is not None and incident.remote_deleted:
            # It could only be refused again: there is nothing left there to send it to.
            raise ActionError(
                f"{row.incident_id} {gone_words(incident.conflict)}, so change {seq} cannot be "
                f"sent: discard it, or take theirs (incident-tui conflict {row.incident_id} "
                "--keep theirs) to let the incident go with its changes"
            )
        row.state = "queued"
        row.last_error = None
        if row.op == ChangeKind.CREATE.value:
            _edits_into_create(s, row)
        if incident is not None:
            incident.failed = None
            hide_while_deleting(s, incident)
            if REFUSED_BASE in _decoded(row.payload):
                s.flush()
                _show_again(s, incident, row, to_db(clock()))


def _edits_into_create(s: Session, create: OutboxRow) -> None:
    """Send the edits queued behind a refused ``create`` with it, in their order, rather than
    after it: editing the new incident is how the user answers a remote that refused its
    title or severity, and sent as first queued the create would be refused again. Nothing
    of the incident has reached the remote, so none of them is being sent."""
    edits = s.exec(
        select(OutboxRow)
        .where(
            OutboxRow.incident_id == create.incident_id,
            OutboxRow.op == ChangeKind.EDIT.value,
            OutboxRow.state == "queued",
            col(OutboxRow.seq) > create.seq,
        )
        .order_by(col(OutboxRow.seq))
    ).all()
    if not edits:
        return
    payload = _decoded(create.payload)
    for edit in edits:
        changes = _decoded(edit.payload).get("changes")
        if isinstance(changes, dict):
            payload.update({k: v for k, v in changes.items() if k in EDITABLE_FIELDS})
        s.delete(edit)
    create.payload = json.dumps(payload)
    s.flush()
    recount_pending(s, [create.incident_id])


def _decoded(payload: str) -> dict[str, Any]:
    """A change's payload; empty when it is no JSON object (a damaged entry still retries)."""
    try:
        value = json.loads(payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _lay_over_base(
    incident: IncidentRow,
    changes: Sequence[tuple[ChangeKind, dict[str, Any]]],
    shown: dict[str, Any] | None = None,
) -> tuple[str, bool]:
    """Set ``incident``'s fields to the remote's as last pulled (its ``base``, or ``shown``
    when the remote is known to have newer values) with ``changes`` laid over them; returns
    the status they lead to (left for the caller, who sets the times with it) and whether a
    field moved."""
    values = shown if shown is not None else json.loads(incident.base or "{}")
    view = queued_view(values, incident.kind, changes)
    status = view.pop("status", incident.status)
    moved = any(getattr(incident, name) != value for name, value in view.items())
    for name, value in view.items():
        setattr(incident, name, value)
    return status, moved


def _show_again(s: Session, incident: IncidentRow, retried: OutboxRow, now: str | None) -> None:
    """Show ``incident`` as the changes of it now waiting to be sent make it look: the
    remote's values as last pulled (its ``base``) with theirs laid over them, the ``retried``
    one among them, as when each was queued. The times a status change replaced are kept
    with the retried one again, for a discard to put back (the remote's, now)."""
    queue = s.exec(
        select(OutboxRow)
        .where(OutboxRow.incident_id == incident.id, OutboxRow.state != "failed")
        .order_by(col(OutboxRow.seq))
    ).all()
    changes = [(ChangeKind(other.op), _decoded(other.payload)) for other in queue]
    status, moved = _lay_over_base(incident, changes)
    moves = [op for op, _ in changes if op in STATUS_CHANGES]
    if status != incident.status and moves:
        times = {"acknowledged_at": incident.acknowledged_at, "resolved_at": incident.resolved_at}
        if retried.op in STATUS_CHANGES:
            payload = _decoded(retried.payload)
            retried.payload = json.dumps({**payload, "from": incident.status, "times": times})
        after = times_after(moves[-1], Status(status), times, now)
        incident.status = status
        incident.acknowledged_at = after["acknowledged_at"]
        incident.resolved_at = after["resolved_at"]
        moved = True
    fields = json.loads(incident.custom_fields or "{}")
    setting = {
        payload["name"]: payload.get("value")
        for op, payload in changes
        if op is ChangeKind.SET_ATTRIBUTE and isinstance(payload.get("name"), str)
    }
    if any(name not in fields or fields[name] != value for name, value in setting.items()):
        incident.custom_fields = json.dumps({**fields, **setting})
        moved = True
    if moved:
        incident.updated_at = now
        s.flush()
        fts.reindex(s, [incident.id])


def discard(engine: Engine, seq: int) -> str:
    """Drop a queued change and undo what it showed in the cache; returns the incident id.
    Not one being sent, or cut off while it was (``sending``): the remote may have what it
    makes, and only the sync can tell.

    A discarded create removes the local incident altogether; a discarded comment or upload
    removes what it would have sent (an upload's kept copy too); a discarded deletion of a
    comment or file puts it back when the change kept a copy of it. The incident shows the
    remote's view as last pulled again, with the changes of it still queued laid over it
    (:func:`_undo_local_view`), at once and offline. The next sync then reads it again in
    full: what the remote changed while this change waited may never show in its listing.
    """
    with session(engine) as s, s.begin():
        row = s.get(OutboxRow, seq)
        if row is None:
            raise ActionError(f"no queued change {seq}")
        if row.state == SENDING:
            raise ActionError(_unsettled(row))
        incident = s.exec(select(IncidentRow).where(IncidentRow.id == row.incident_id)).first()
        payload = json.loads(row.payload)
        op = ChangeKind(row.op)
        s.delete(row)
        s.flush()
        if incident is None:
            return row.incident_id
        if op is ChangeKind.CREATE:
            remove_incident(s, incident)
            return row.incident_id
        _drop_unsent(s, incident.id, op, payload)
        _put_back(s, incident.id, op, payload)
        remaining = s.exec(
            select(OutboxRow)
            .where(OutboxRow.incident_id == incident.id)
            .order_by(col(OutboxRow.seq))
        ).all()
        if incident.remote_deleted and not remaining:
            # The remote's last word was that it is gone; only this change kept it here.
            remove_incident(s, incident)
            return incident.id
        states = {other.state for other in remaining}
        settled: dict[str, Any] = {}
        shown: dict[str, Any] | None = None
        if "conflict" not in states and not incident.remote_deleted:
            # What the remote had when it contested a change is newer than the last pull.
            settled = json.loads(incident.conflict or "{}")
            theirs = settled.get("theirs")
            if theirs:
                shown = {**json.loads(incident.base or "{}"), **theirs}
                held = bool(remaining)
                incident.base = json.dumps(_seen_base(incident.base, settled, held=held))
            incident.conflict = None
        if "failed" not in states:
            incident.failed = None
        _undo_local_view(incident, op, payload, remaining, shown)
        hide_while_deleting(s, incident)
        _their_words(incident, settled)
        # Dropping the contested value is taking theirs for it: shown at once, as there.
        queue = [(ChangeKind(other.op), _decoded(other.payload)) for other in remaining]
        _their_attributes(incident, settled, queue)
        _held_over_theirs(remaining, settled)
        # Forget the version, so the re-read rewrites the row even where the remote's own
        # token did not move; a row created here has nothing to read yet.
        incident.version = None
        if not incident.local_only:
            mark_reread(s, [incident.id])
        recount_pending(s, [incident.id])
        s.flush()
        fts.reindex(s, [incident.id])
        return incident.id


def _unsettled(row: OutboxRow) -> str:
    """Why change ``row``, being sent or cut off while it was, is not discarded, and what to
    do instead: dropping it would not undo what the remote may have, and would keep the
    next sync from finding and finishing it."""
    number = _decoded(row.payload).get(LOCAL_NUMBER.get(ChangeKind(row.op), ""))
    if row.op == ChangeKind.COMMENT.value:
        made, delete = "the comment", f"comment #{number} of {row.incident_id}"
    elif row.op == ChangeKind.ATTACH.value:
        made, delete = "the file", f"attachment #{number} of {row.incident_id}"
    else:
        made, delete = "the new incident", row.incident_id
    return (
        f"change {row.seq} is being sent and {made} may have reached the remote, so it is "
        f"not discarded: the next sync settles it; to undo it, delete {delete} (a delete "
        f"queued now waits for that)"
    )


def _their_words(incident: IncidentRow, conflict: dict[str, Any]) -> None:
    """Where ``incident`` now shows the status (severity) the remote had in a settled
    ``conflict``, show the remote's own word for it, and its times, too: a status with
    another's word ("resolved (NEW)") told scripts reading the word something untrue."""
    theirs = conflict.get("theirs") or {}
    words = conflict.get("theirs_raw") or {}
    if "status" in theirs and incident.status == theirs["status"]:
        for name in ("status_raw", "acknowledged_at", "resolved_at"):
            if name in words:
                setattr(incident, name, words[name])
    if "severity_raw" in words and "severity" in theirs and incident.severity == theirs["severity"]:
        incident.severity_raw = words["severity_raw"]


def _their_attributes(
    incident: IncidentRow, conflict: dict[str, Any], queue: list[tuple[ChangeKind, Any]]
) -> None:
    """Show the remote's values of the custom attributes a settled ``conflict`` was about,
    or, for one a change still queued sets, the value that change shows."""
    attributes = conflict.get(THEIR_ATTRIBUTES)
    if not isinstance(attributes, dict) or not attributes:
        return
    fields = json.loads(incident.custom_fields or "{}")
    for name, value in attributes.items():
        setting = [p for op, p in queue if op is ChangeKind.SET_ATTRIBUTE and p.get("name") == name]
        fields[name] = setting[-1].get("value") if setting else value
    incident.custom_fields = json.dumps(fields)


def _held_over_theirs(remaining: Sequence[OutboxRow], conflict: dict[str, Any]) -> None:
    """After the contested value of a custom attribute was dropped (theirs taken, or ours
    discarded): the first change still queued for that attribute goes over the remote's
    value the user was shown in ``conflict``, as a held edit of a contested field goes over
    the value seen (:func:`_seen_base`). It was queued over the dropped value, which the
    remote never had: checked against that, it was the same conflict put again."""
    attributes = conflict.get(THEIR_ATTRIBUTES)
    if not isinstance(attributes, dict):
        return
    seen = dict(attributes)
    for row in remaining:
        if row.op != ChangeKind.SET_ATTRIBUTE.value:
            continue
        payload = _decoded(row.payload)
        name = payload.get("name")
        if name in seen:
            their = seen.pop(name)
            if "was" in payload:
                row.payload = json.dumps({**payload, "was": their})


def _drop_unsent(s: Session, incident_id: str, op: ChangeKind, payload: dict[str, Any]) -> None:
    """Remove the comment or file a discarded change would have sent, and the deletions of
    it queued while it was being sent: with nothing sent, they have nothing to delete."""
    if op in LOCAL_NUMBER:
        for removal in waiting_removals(s, incident_id, op, payload.get(LOCAL_NUMBER[op])):
            s.delete(removal)
    if op is ChangeKind.COMMENT and payload.get("comment_seq") is not None:
        comment = s.get(CommentRow, payload["comment_seq"])
        if comment is not None:
            s.delete(comment)
    if op is ChangeKind.ATTACH:
        # The file is not uploaded now: its "pending upload" entry and kept copy go.
        staged = [payload.get("path")]
        attachment = s.get(AttachmentRow, payload.get("attachment_seq") or 0)
        if attachment is not None and attachment.remote_id is None:
            staged.append(attachment.local_path)
            s.delete(attachment)
        drop_staged_files(s, staged)


def _put_back_unsent(
    s: Session, incident_id: str, op: ChangeKind, payload: dict[str, Any], kept: dict[str, Any]
) -> None:
    """Put back the comment or file a discarded deletion hid while its post or upload was
    being sent, as the send shows it (pending, the file's kept copy with it), under the
    number the send records it by. When that send is gone, the re-read brings what the
    remote has."""
    sent = s.get(OutboxRow, payload.get("after") or 0)
    seq = kept.get("seq")
    table = CommentRow if op is ChangeKind.DELETE_COMMENT else AttachmentRow
    if sent is None or sent.incident_id != incident_id or not isinstance(seq, int):
        return
    if s.get(table, seq) is not None:
        return
    values = {name: kept[name] for name in _KEPT_COLUMNS[op] if name in kept}
    if op is ChangeKind.DELETE_COMMENT:
        s.add(CommentRow(**values, seq=seq, incident_id=incident_id, pending=True,
                         outbox_seq=sent.seq))
    else:
        path = _decoded(sent.payload).get("path")
        s.add(AttachmentRow(**values, seq=seq, incident_id=incident_id, pending=True,
                            local_path=path if isinstance(path, str) else None))


_KEPT_COLUMNS = {
    ChangeKind.DELETE_COMMENT: ("author", "body", "created_at", "visibility"),
    ChangeKind.DELETE_ATTACHMENT: ("name", "content_type", "url", "size"),
}
"""What a deletion's copy of the comment (file) it hid may hold, besides its number."""


def _put_back(s: Session, incident_id: str, op: ChangeKind, payload: dict[str, Any]) -> None:
    """Put back the comment or file a discarded deletion hid, under its old number, from
    the copy the change kept (``comment`` or ``attachment`` in its payload). Without one,
    the re-read at the next sync brings it back. One deleted while it was being sent
    comes back as waiting for that send (:func:`_put_back_unsent`)."""
    table: type[CommentRow] | type[AttachmentRow]
    if op is ChangeKind.DELETE_COMMENT:
        table, kept, remote_id = CommentRow, payload.get("comment"), payload.get("comment_id")
    elif op is ChangeKind.DELETE_ATTACHMENT:
        table, kept, remote_id = AttachmentRow, payload.get("attachment"), payload.get("object_id")
    else:
        return
    if not isinstance(kept, dict):
        return
    if remote_id is None:
        _put_back_unsent(s, incident_id, op, payload, kept)
        return
    there = select(table).where(table.incident_id == incident_id, table.remote_id == remote_id)
    if s.exec(there).first() is not None:
        return
    values = {name: kept[name] for name in _KEPT_COLUMNS[op] if name in kept}
    if op is ChangeKind.DELETE_COMMENT and payload.get("visibility"):
        values.setdefault("visibility", payload["visibility"])
    # Comment and file numbers are never handed out again, so the old one is still free.
    seq = kept.get("seq")
    if isinstance(seq, int) and s.get(table, seq) is None:
        values["seq"] = seq
    s.add(table(**values, incident_id=incident_id, remote_id=str(remote_id), pending=False))


def _undo_local_view(
    incident: IncidentRow,
    op: ChangeKind,
    payload: dict[str, Any],
    remaining: Sequence[OutboxRow],
    shown: dict[str, Any] | None = None,
) -> None:
    """Show the remote's view of ``incident`` as last pulled again (its ``base``, or
    ``shown``: what the remote had when it contested the change), with what the changes
    still queued show laid over it, as the discarded change ``op`` was never made. The
    times a status change replaced come back from the copy it kept, once no status change
    is left queued; what the cache does not keep at all (a custom attribute's old value) is
    brought by the re-read."""
    queue = [(ChangeKind(other.op), json.loads(other.payload)) for other in remaining]
    status, _ = _lay_over_base(incident, queue, shown)
    if status != incident.status:
        incident.status = status
        kept = payload.get("times")
        if isinstance(kept, dict) and not any(kind in STATUS_CHANGES for kind, _ in queue):
            # The status is the remote's as last pulled again: so are the times the
            # discarded change replaced (a reopen's resolution time).
            for name in ("acknowledged_at", "resolved_at"):
                if isinstance(kept.get(name), str):
                    setattr(incident, name, kept[name])
        # Times that cannot hold in that status go (those the discarded change set, too).
        if status != Status.RESOLVED:
            incident.resolved_at = None
        if status == Status.TRIGGERED:
            incident.acknowledged_at = None
    if op is ChangeKind.SET_ATTRIBUTE:
        _undo_attribute(incident, payload, queue)


def _undo_attribute(
    incident: IncidentRow, payload: dict[str, Any], queue: list[tuple[ChangeKind, Any]]
) -> None:
    """Undo a discarded custom attribute: the value a change still queued sets, else none
    if the attribute was new; an old value the remote had comes with the re-read."""
    name = payload.get("name")
    fields = json.loads(incident.custom_fields or "{}")
    setting = [p for kind, p in queue if kind is ChangeKind.SET_ATTRIBUTE and p.get("name") == name]
    if setting:
        fields[name] = setting[-1].get("value")
    elif payload.get("create"):
        fields.pop(name, None)
    else:
        return
    incident.custom_fields = json.dumps(fields)


def _seen_base(base: str | None, conflict: dict[str, Any], *, held: bool) -> dict[str, Any]:
    """The conflict base once the user answered ``conflict``. With changes ``held`` behind
    the contested one: the remote's values of the contested fields, which the user was
    shown and decided on, over the base as it was. Only those: a held change was made
    against the old values, and a field someone else changed that it changes too was never
    put to the user, so it must stay a conflict rather than be written over theirs. With
    none held, all of the remote's values, as the incident now shows them (a conflict kept
    without its fields, an older version's, the same)."""
    theirs = conflict.get("theirs") or {}
    fields = conflict.get("fields")
    if not held or not isinstance(fields, list) or not fields:
        fields = list(theirs)
    kept = json.loads(base or "{}")
    return {**kept, **{name: theirs[name] for name in fields if name in theirs}}


def _in_conflict(s: Session, incident_id: str) -> IncidentRow:
    """The cached incident whose conflict is being settled; ``ActionError`` saying which is
    wrong when the cache has no such incident, or it has no conflict."""
    incident = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
    if incident is None:
        raise ActionError(f"no incident {incident_id!r} in the cache")
    if not incident.conflict:
        raise ActionError(f"{incident_id} has no conflict")
    return incident


def keep_mine(engine: Engine, incident_id: str) -> None:
    """Resolve a conflict for our side: the remote's values of the contested fields, which
    the user saw, become the base, so the queued change is pushed over them at the next sync
    (a change held behind it stays checked against what it was made against). Over them
    only: a change someone makes after that is a new conflict, not overwritten unseen.
    Where the remote's values could not be read, the change is sent over whatever the
    remote has.

    Refused (``ActionError``, the conflict left as it was) for an incident deleted on the
    remote: there is nothing left there for the changes to go to."""
    with session(engine) as s, s.begin():
        incident = _in_conflict(s, incident_id)
        if incident.remote_deleted:
            raise ActionError(
                f"{incident_id} {gone_words(incident.conflict)}, so your changes to it cannot "
                "be sent: take theirs to let it go with them, or discard them"
            )
        info = json.loads(incident.conflict or "{}")
        seen = bool(info.get("theirs"))
        if seen:
            held = s.exec(
                select(OutboxRow.seq).where(
                    OutboxRow.incident_id == incident_id, OutboxRow.state != "conflict"
                )
            ).first()
            incident.base = json.dumps(_seen_base(incident.base, info, held=held is not None))
        incident.conflict = None
        for row in s.exec(
            select(OutboxRow).where(
                OutboxRow.incident_id == incident_id, OutboxRow.state == "conflict"
            )
        ).all():
            row.state = "queued"
            row.last_error = None
            payload = json.loads(row.payload)
            if not seen:
                payload["force"] = True
            # The base holds no custom attributes: over whatever value the remote has.
            payload.pop("was", None)
            # Over what the user saw now, not what a refused change was first queued against
            # or an edit first read.
            payload.pop(REFUSED_BASE, None)
            payload.pop(READ_BASE, None)
            row.payload = json.dumps(payload)
        hide_while_deleting(s, incident)


def take_theirs(engine: Engine, incident_id: str) -> None:
    """Resolve a conflict for the remote's side: drop our contested changes and show theirs,
    with what the changes held behind them show laid over it."""
    with session(engine) as s, s.begin():
        incident = _in_conflict(s, incident_id)
        info = json.loads(incident.conflict or "{}")
        for row in s.exec(
            select(OutboxRow).where(
                OutboxRow.incident_id == incident_id, OutboxRow.state == "conflict"
            )
        ).all():
            s.delete(row)
        theirs = info.get("theirs") or {}
        if theirs:
            s.flush()
            # Their values, with what the changes still waiting (held behind this one) show
            # laid over them: those are not dropped, so the incident keeps showing them.
            remaining = s.exec(
                select(OutboxRow)
                .where(OutboxRow.incident_id == incident_id)
                .order_by(col(OutboxRow.seq))
            ).all()
            queue = [(ChangeKind(row.op), _decoded(row.payload)) for row in remaining]
            for name, value in queued_view(theirs, incident.kind, queue).items():
                setattr(incident, name, value)
            incident.base = json.dumps(_seen_base(incident.base, info, held=bool(remaining)))
            _their_attributes(incident, info, queue)
            _held_over_theirs(remaining, info)
        _their_words(incident, info)
        incident.conflict = None
        incident.version = None
        if incident.remote_deleted:
            s.flush()
            remove_incident(s, incident)
            return
        # What the conflict did not keep (comments, other fields): the next sync reads it.
        mark_reread(s, [incident_id])
        hide_while_deleting(s, incident)
        s.flush()
        recount_pending(s, [incident_id])
        fts.reindex(s, [incident_id])
