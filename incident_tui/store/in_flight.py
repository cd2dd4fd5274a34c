"""Changes that may already have reached the remote, and the deletions waiting behind them.

A create, comment or upload is ``sending`` from the moment a sync starts sending it until
its outcome is recorded; a sync killed meanwhile leaves it so, and the next one looks on the
remote for it before sending it again. Deleting what it sends cannot just cancel it then:
the deletion is queued behind it. A deletion of a comment or file queued so names it by its
number in the cache (the remote has not given it an id yet); the send, once recorded, hands
the remote id on to it (:func:`name_waiting`).
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from incident_tui.domain.model import ChangeKind
from incident_tui.store.schema import AttachmentRow, CommentRow, OutboxRow

SENDING = "sending"
"""The outbox state of a change whose outcome on the remote is not known yet."""

LOCAL_NUMBER = {ChangeKind.COMMENT: "comment_seq", ChangeKind.ATTACH: "attachment_seq"}
"""Payload key of the cache's number of the comment (file) a change sends, and of the one a
deletion queued while it was being sent names."""

REMOVAL_OF = {
    ChangeKind.COMMENT: ChangeKind.DELETE_COMMENT,
    ChangeKind.ATTACH: ChangeKind.DELETE_ATTACHMENT,
}
"""The deletion of what each of these changes sends."""

REMOVED_ID = {ChangeKind.DELETE_COMMENT: "comment_id", ChangeKind.DELETE_ATTACHMENT: "object_id"}
"""Payload key of the remote id of the comment (file) a deletion removes."""

_TABLE = {
    ChangeKind.COMMENT: CommentRow.__tablename__,
    ChangeKind.ATTACH: AttachmentRow.__tablename__,
}


def payload_of(row: OutboxRow) -> dict[str, Any]:
    """A change's payload; empty when it is no JSON object (a damaged entry)."""
    try:
        value = json.loads(row.payload)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def in_flight(
    s: Session, incident_id: str, op: ChangeKind, number: int | None = None
) -> OutboxRow | None:
    """The incident's change ``op`` that is :data:`SENDING`; for a comment or upload, the
    one sending the comment (file) the cache numbers ``number``. ``None`` when there is
    none: nothing of it can have reached the remote."""
    rows = s.exec(
        select(OutboxRow)
        .where(
            OutboxRow.incident_id == incident_id,
            OutboxRow.op == op.value,
            OutboxRow.state == SENDING,
        )
        .order_by(col(OutboxRow.seq))
    ).all()
    key = LOCAL_NUMBER.get(op)
    for row in rows:
        if key is None or payload_of(row).get(key) == number:
            return row
    return None


def unnamed(op: ChangeKind, payload: dict[str, Any]) -> bool:
    """Whether the deletion ``op`` still waits for the remote id of the comment (file) it
    deletes, queued while that was being sent."""
    return op in REMOVED_ID and REMOVED_ID[op] not in payload


def waiting_removals(
    s: Session, incident_id: str, sent: ChangeKind, number: int | None
) -> list[OutboxRow]:
    """The deletions of the comment (file) numbered ``number`` that the change ``sent``
    sends, queued while it was being sent: they wait for its remote id."""
    removal = REMOVAL_OF.get(sent)
    if removal is None or number is None:
        return []
    rows = s.exec(
        select(OutboxRow).where(
            OutboxRow.incident_id == incident_id, OutboxRow.op == removal.value
        )
    ).all()
    key = LOCAL_NUMBER[sent]
    return [
        row
        for row in rows
        if unnamed(removal, payload := payload_of(row)) and payload.get(key) == number
    ]


def name_waiting(
    s: Session,
    incident_id: str,
    sent: ChangeKind,
    number: int | None,
    remote_id: str,
    **known: Any,
) -> bool:
    """The remote took the comment (file) numbered ``number`` as ``remote_id``: give it to
    the deletions of it waiting (with what else the remote said of it, ``known``), so they
    can be sent. A copy of it a read of the incident stored meanwhile goes, as the
    deletion hides it. Whether any was waiting."""
    removals = waiting_removals(s, incident_id, sent, number)
    for row in removals:
        removal = ChangeKind(row.op)
        row.payload = json.dumps({**payload_of(row), **known, REMOVED_ID[removal]: remote_id})
    if removals:
        s.connection().execute(
            text(
                f"DELETE FROM {_TABLE[sent]} WHERE incident_id = :i AND remote_id = :r "
                "AND pending = 0"
            ),
            {"i": incident_id, "r": remote_id},
        )
    return bool(removals)
