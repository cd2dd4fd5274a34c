"""A remote pointed at another system under the same name (another kind, server, or scope:
:meth:`~incident_tui.config_remotes.RemoteBase.identity`): the next listing is a full one, as
on a first sync, and the changes queued before are held, never sent to the new system, until
the user discards or retries them. On another server the cached incidents go at once (the new
one could only refuse their ids); within the same server's new scope, the full listing lets
go of those it no longer covers, as it does for any. One short transaction, before the pass
sends or reads anything.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import Engine, text
from sqlmodel import col, select

from incident_tui.store.bookkeeping import (
    GONE_REASON,
    hide_while_deleting,
    recount_pending,
    remove_incident,
)
from incident_tui.store.engine import session
from incident_tui.store.schema import IncidentRow, OutboxRow


@dataclass(slots=True)
class Switched:
    """What moving a remote's cache to another system did."""

    moved: str
    """What changed, in words (``kind revily -> aoh_ims``)."""
    reason: str
    """Why each held change was not sent, as the outbox shows it."""
    removed: list[str] = field(default_factory=list)
    """Cached incidents of the old system that went (no change of theirs waited)."""
    held: list[tuple[str, str]] = field(default_factory=list)
    """Incident id and kind of each change held, in the outbox's order."""


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
    """Why a change queued before remote ``name`` moved (``moved``) is not sent."""
    return (
        f"not sent: remote {name!r} now points at another system ({moved}) and this change "
        "was queued for the one before; discard it (incident-tui outbox), or retry it to "
        "send it to the new one after all"
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
    again). An incident with held changes stays, marked deleted on the remote as one the
    remote no longer has: the user's work is never thrown away, and nothing of it is read
    from the new system (it could only answer that it has no such incident, or refuse the
    id)."""
    switched = Switched(moved(old, new), held_reason(name, moved(old, new)))
    elsewhere = not same_server(old, new)
    with session(engine) as s, s.begin():
        queued = s.exec(
            select(OutboxRow).where(OutboxRow.remote == name).order_by(col(OutboxRow.seq))
        ).all()
        kept: set[str] = set()
        for change in queued:
            change.state = "failed"
            change.last_error = switched.reason
            change.next_try_at = None
            switched.held.append((change.incident_id, change.op))
            kept.add(change.incident_id)
        s.flush()
        # Only ids first: loading every row as an object would cost seconds at 50,000.
        cached = [
            incident_id
            for (incident_id,) in s.connection().execute(
                text("SELECT id FROM incident WHERE remote = :r"), {"r": name}
            )
        ]
        for incident_id in cached:
            if incident_id not in kept and not elsewhere:
                continue
            row = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).one()
            if incident_id not in kept:
                remove_incident(s, row)
                switched.removed.append(incident_id)
                continue
            row.failed = switched.reason
            hide_while_deleting(s, row)
            if elsewhere and not row.local_only and not row.remote_deleted:
                row.remote_deleted = True
                row.conflict = json.dumps({"reason": GONE_REASON, "fields": [], "theirs": None})
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
