"""A remote pointed at another system under the same name (another kind, server, or scope:
:meth:`~incident_tui.config_remotes.RemoteBase.identity`): the next listing is a full one, as
on a first sync, and the changes queued before are held, never sent to the new system, until
the user discards or retries them. On another server the cached incidents go at once (the new
one could only refuse their ids); within the same server's new scope, the full listing lets
go of those it no longer covers, as it does for any. A held change is offered a retry only
where one can work (an incident created here, another scope of the same server); one of
another server's incident is kept with the conflict that the new system does not have it,
to discard or take theirs. One short transaction, before the pass sends or reads anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import NamedTuple

from sqlalchemy import Engine, text
from sqlmodel import col, select

from incident_tui.domain.gone import MOVED_REASON
from incident_tui.store.bookkeeping import (
    hide_while_deleting,
    recount_pending,
    remove_incident,
)
from incident_tui.store.engine import session
from incident_tui.store.schema import IncidentRow, OutboxRow


class Held(NamedTuple):
    """A change held, not sent, when its remote moved to another system."""

    incident_id: str
    op: str
    """The change's kind, in the outbox's words."""
    reason: str
    """Why it was not sent, as the outbox shows it."""
    not_there: bool
    """Its incident is one the new system does not have: only discarding it, or taking
    theirs, can answer it."""


@dataclass(slots=True)
class Switched:
    """What moving a remote's cache to another system did."""

    moved: str
    """What changed, in words (``kind revily -> aoh_ims``)."""
    removed: list[str] = field(default_factory=list)
    """Cached incidents of the old system that went (no change of theirs waited)."""
    held: list[Held] = field(default_factory=list)
    """Each change held, in the outbox's order."""


def moved(old: str, new: str) -> str:
    """What differs between two identities, in words: ``kind revily -> aoh_ims, base_url
    http://a -> http://b``."""
    before, after = _keys(old), _keys(new)
    changed = [
        f"{key} {before.get(key) or '(none)'} -> {after.get(key) or '(none)'}"
        for key in sorted(set(before) | set(after), key=_order)
        if before.get(key) != after.get(key)
    ]
    return ", ".join(changed) or "its settings"


def same_server(old: str, new: str) -> bool:
    """Whether two identities name the same kind of server at the same address (only the
    scope differs)."""
    before, after = _keys(old), _keys(new)
    return all(before.get(key) == after.get(key) for key in ("kind", "base_url"))


def _keys(identity: str) -> dict[str, str]:
    """An identity's keys; empty when it is no JSON object (a damaged row still moves on)."""
    try:
        value = json.loads(identity)
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def _order(key: str) -> tuple[int, str]:
    """Kind first, then the server, then the scope settings by name."""
    return ({"kind": 0, "base_url": 1}.get(key, 2), key)


def held_reason(name: str, moved: str) -> str:
    """Why a change queued before remote ``name`` moved (``moved``) is not sent, where a
    retry can send it to the new system: an incident created here, or one of the same
    server under another scope."""
    return (
        f"not sent: remote {name!r} now points at another system ({moved}) and this change "
        "was queued for the one before; discard it (incident-tui outbox), or retry it to "
        "send it to the new one after all"
    )


def not_there_reason(name: str, moved: str, incident_id: str) -> str:
    """Why a change of ``incident_id``, of the server remote ``name`` pointed at before
    ``moved``, is not sent: the new system does not have the incident, so a retry could only
    be refused; discarding, or taking theirs, lets it go."""
    return (
        f"not sent: remote {name!r} now points at another system ({moved}), which does not "
        f"have this incident; discard the change (incident-tui outbox), or take theirs "
        f"(incident-tui conflict {incident_id} --keep theirs) to let the incident go with "
        "its changes"
    )


def switch_system(
    engine: Engine, name: str, kind: str, old: str, new: str, mapping: str
) -> Switched:
    """Remote ``name`` now points at the system ``new`` describes, no longer at ``old``'s:
    hold every change queued for its incidents (or for incidents created here and not yet
    sent), forget its cursor and last full listing, and note ``new`` (with its ``kind``) in
    the same transaction.

    On another server (:func:`same_server`) its cached incidents go too, with their marks
    to be read again and its pause, and ``mapping`` is noted (nothing is left to read
    again). An incident with held changes stays, marked as one the new system does not have
    (:data:`~incident_tui.domain.gone.MOVED_REASON`): the user's work is never thrown away,
    and nothing of it is read from the new system (it could only answer that it has no such
    incident, or refuse the id)."""
    what = moved(old, new)
    switched = Switched(what)
    elsewhere = not same_server(old, new)
    with session(engine) as s, s.begin():
        queued = s.exec(
            select(OutboxRow).where(OutboxRow.remote == name).order_by(col(OutboxRow.seq))
        ).all()
        kept = {change.incident_id for change in queued}
        # Only ids first: loading every row as an object would cost seconds at 50,000.
        cached = [
            incident_id
            for (incident_id,) in s.connection().execute(
                text("SELECT id FROM incident WHERE remote = :r"), {"r": name}
            )
        ]
        # The incidents the new system cannot have: a retry of their changes could only be
        # refused, so they are offered none.
        not_there: set[str] = set()
        held_rows: list[IncidentRow] = []
        for incident_id in cached:
            if incident_id not in kept and not elsewhere:
                continue
            row = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).one()
            if incident_id not in kept:
                remove_incident(s, row)
                switched.removed.append(incident_id)
                continue
            if elsewhere and not row.local_only and not row.remote_deleted:
                row.remote_deleted = True
                row.conflict = json.dumps({"reason": MOVED_REASON, "fields": [], "theirs": None})
            if row.remote_deleted:
                not_there.add(incident_id)
            held_rows.append(row)

        def why(incident_id: str) -> str:
            if incident_id in not_there:
                return not_there_reason(name, what, incident_id)
            return held_reason(name, what)

        for change in queued:
            reason = why(change.incident_id)
            change.state = "failed"
            change.last_error = reason
            change.next_try_at = None
            gone = change.incident_id in not_there
            switched.held.append(Held(change.incident_id, change.op, reason, gone))
        s.flush()
        for row in held_rows:
            row.failed = why(row.id)
            hide_while_deleting(s, row)
        recount_pending(s, kept)
        conn = s.connection()
        values = {"kind": kind, "identity": new, "cursor": None, "last_full_at": None}
        if elsewhere:
            # Marks to read incidents again are the old system's ids: the new one has none.
            conn.execute(
                text(
                    "DELETE FROM reread WHERE incident_id IN "
                    "(SELECT id FROM incident WHERE remote = :r)"
                ),
                {"r": name},
            )
            values.update(mapping=mapping, hold_until=None)
        sets = ", ".join(f"{key} = :{key}" for key in values)
        conn.execute(text(f"UPDATE remote SET {sets} WHERE name = :n"), {"n": name, **values})
    return switched
