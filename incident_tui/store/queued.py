"""What user actions return: the change each queued (or, for a deletion of something never
sent, that the unsent changes were cancelled instead, or that it waits behind their sending)
and, for status changes, the incidents left alone and why (already where the change leads, a
change that makes no sense from their status, such as acknowledging a resolved incident, or
one their remote cannot make); and what an incident shows while changes of it are queued
(:func:`queued_view`, and the times of a status change: :func:`times_after`), to undo one or
to show it again."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from incident_tui.domain.capabilities import KIND_TITLES, Capability, can
from incident_tui.domain.model import (
    EDITABLE_FIELDS,
    STATUS_CHANGES,
    ChangeKind,
    Status,
    status_after,
)

VIEW_FIELDS: tuple[str, ...] = (*EDITABLE_FIELDS, "status")
"""The common fields queued changes show at once, which an incident's ``base`` holds as the
remote had them at the last pull."""

READ_BASE = "read"
"""Payload key of an edit: the fields it changes as they were read when it was made (the
edit dialog filled, or its kept draft first written), where the cache has changed them
since (a sync brought someone else's value). The push checks those fields against these values
rather than the incident's ``base``, so that change is a conflict for the user to settle,
as it is for an edit queued before it came."""


@dataclass(frozen=True, slots=True)
class Queued:
    """What an action queued: the incident and the outbox sequence number.

    ``cancelled``: nothing was queued, because what the action deletes never reached the
    remote (an incident created here, a comment or file not sent yet); its queued changes were
    dropped instead and ``seq`` is 0. Nothing will be sent for it.

    ``after_sending``: a deletion queued behind the create, post or upload of what it
    deletes, which was being sent (or cut off while it was) and so may have reached the
    remote; it goes once the sync has settled that.
    """

    incident_id: str
    seq: int
    op: ChangeKind
    cancelled: bool = False
    after_sending: bool = False


@dataclass(frozen=True, slots=True)
class Skipped:
    """An incident a status change left alone, with the reason to show the user.

    ``refused``: the change makes no sense from the incident's status (acknowledging a
    resolved incident), or (``unsupported`` as well) the incident's remote cannot make it at
    all (reopening on Revily); otherwise the incident already is where the change leads, and
    nothing needed queuing.

    ``reopen_first``: reopening the incident first would let the change go (its remote can
    reopen), so the command line and the TUI add their way to do that to the reason.
    """

    incident_id: str
    reason: str
    refused: bool = False
    unsupported: bool = False
    reopen_first: bool = False


class StatusQueued(list[Queued]):
    """What a status change queued (a list of :class:`Queued`, as every action returns) and,
    in :attr:`skipped`, the incidents it left alone."""

    def __init__(self, queued: Iterable[Queued] = (), skipped: Iterable[Skipped] = ()) -> None:
        super().__init__(queued)
        self.skipped: tuple[Skipped, ...] = tuple(skipped)

    @property
    def refused(self) -> tuple[Skipped, ...]:
        """The skipped incidents whose change was refused (not merely already made)."""
        return tuple(item for item in self.skipped if item.refused)


def deleted_on_remote(incident_id: str, why: str = "was deleted on the remote") -> str:
    """Why no new change of ``incident_id`` is queued: a sync found it deleted on its remote
    (or not on the system its remote now points at: ``why``, from
    :func:`~incident_tui.domain.gone.gone_words`) and keeps it only while changes of it wait
    for the user's answer."""
    return (
        f"{incident_id} {why}, so no change to it can be sent: take "
        "theirs to let it go with the changes that wait, or discard them"
    )


def status_skip(incident_id: str, status: str, op: ChangeKind, kind: str) -> Skipped | None:
    """Why the status change ``op`` leaves an incident of remote ``kind`` at ``status``
    alone; ``None`` when it applies. A change to the status the incident has is no error;
    acknowledging a resolved incident is refused, since the remote would reopen it behind the
    user's back: the user may reopen it first, unless its remote cannot (Revily), where the
    resolution is final and the reason says so."""
    target = STATUS_CHANGES[op]
    if op is ChangeKind.REOPEN:
        if status != Status.RESOLVED:
            return Skipped(
                incident_id, f"{incident_id} is not resolved ({status}); nothing to reopen"
            )
        return None
    if status == target:
        return Skipped(incident_id, f"{incident_id} is already {status}; nothing queued")
    if op is ChangeKind.ACKNOWLEDGE and status == Status.RESOLVED:
        if not can(kind, Capability.REOPEN):
            title = KIND_TITLES.get(kind, kind)
            return Skipped(
                incident_id,
                f"{incident_id} is resolved, which is final on {title} (it cannot reopen "
                "an incident); nothing to acknowledge",
                refused=True,
            )
        return Skipped(
            incident_id,
            f"{incident_id} is resolved; reopen it first",
            refused=True,
            reopen_first=True,
        )
    return None


def times_after(
    op: ChangeKind, target: Status, times: Mapping[str, str | None], now: str | None
) -> dict[str, str | None]:
    """The ``acknowledged_at`` and ``resolved_at`` (cache form) an incident shows once the
    status change ``op`` takes it to ``target`` from ``times``: a time the new status implies
    and the incident lacks is ``now``, one it had is kept; a reopened incident has no
    resolution time."""
    acknowledged, resolved = times.get("acknowledged_at"), times.get("resolved_at")
    if target is Status.ACKNOWLEDGED:
        acknowledged = acknowledged or now
    if target is Status.RESOLVED:
        resolved = resolved or now
        acknowledged = acknowledged or now
    if op is ChangeKind.REOPEN:
        resolved = None
    return {"acknowledged_at": acknowledged, "resolved_at": resolved}


def queued_view(
    base: Mapping[str, Any],
    kind: str,
    changes: Iterable[tuple[ChangeKind, Mapping[str, Any]]],
) -> dict[str, Any]:
    """The :data:`VIEW_FIELDS` an incident of ``kind`` shows while ``changes`` (operation
    and payload, in queue order) wait: the remote's values as last pulled (``base``), each
    change's at-once effect (as :class:`~incident_tui.store.actions.Actions` applies it)
    laid over them. A field neither ``base`` nor a change gives is left out."""
    view = {name: base[name] for name in VIEW_FIELDS if name in base}
    for op, payload in changes:
        if op is ChangeKind.CREATE:
            # Never pulled: the create is the whole view until the remote accepts it.
            view.update(
                title=payload.get("title") or "",
                description=payload.get("description"),
                severity=payload.get("severity"),
                status=Status.TRIGGERED.value,
            )
        elif op in STATUS_CHANGES:
            view["status"] = status_after(op, kind).value
        elif op is ChangeKind.EDIT:
            edits = payload.get("changes") or {}
            view.update({name: edits[name] for name in EDITABLE_FIELDS if name in edits})
    return view
