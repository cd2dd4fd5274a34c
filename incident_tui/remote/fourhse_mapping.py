"""4HSE records in the common model (contracts/fourhse.md §4): incident rows with their
status words and the opaque ``manager``/``assignee``/``watcher`` JSON name lists, and one-line
labels for the child rows (involved people, resources and actions). The other way, an
update's body is the full editable set (§5.4) and a create's body carries the
``office_incident_id`` derived from our idempotency key; :func:`office_refused` says which
offices a create may go to at all.
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from incident_tui.domain import jsontext
from incident_tui.domain.mapping import parse_day, parse_time, status_from_keywords, text_of
from incident_tui.domain.model import Draft, Incident, Status
from incident_tui.remote.errors import BadResponse

if TYPE_CHECKING:
    from incident_tui.config_remotes import FourhseRemote

STATUSES = {"new": Status.TRIGGERED, "open": Status.ACKNOWLEDGED, "closed": Status.RESOLVED}
EDITABLE = (
    "code", "name", "date_incident", "category", "description_event",
    "description_actions_involved", "deponent", "manager", "assignee", "watcher", "to",
    "status", "external_reference_id", "date_closed", "tenant_id", "subtenant_id",
)
"""The incident fields an update sends back (contract 5.4: the full editable set)."""
CHILDREN = {
    "people": ("incident-person", "IncidentPerson", "office_incident_person_id"),
    "resources": ("incident-resource", "IncidentResource", "office_incident_resource_id"),
    "actions": ("incident-action", "IncidentAction", "office_incident_action_id"),
}
"""children() key -> (resource path, model name in the delete preview, primary key)."""
EXTRA_FIELDS = (
    "office_name", "project_name", "project_type", "totInvolvedPerson", "totSicknessDays",
    "external_reference_id", "description_actions_involved", "creator", "to",
)
KEY_NAMESPACE = uuid.UUID("3b7d5e2a-9c41-4f8e-b6a0-5d2c1e4f7a93")
"""uuid5 namespace for idempotency keys that are not UUIDs themselves."""


def created_id(key: str) -> str:
    """The ``office_incident_id`` a create with idempotency ``key`` uses: the key itself when
    it is a UUID (hex or hyphenated), else a uuid5 of it, so a retried create reuses it."""
    try:
        return str(uuid.UUID(key))
    except ValueError:
        return str(uuid.uuid5(KEY_NAMESPACE, key))


def json_names(value: object) -> list[str] | None:
    """Names in an opaque ``manager``/``assignee``/``watcher`` JSON string; ``None`` when it
    does not parse. Items may be strings or objects with a name-like key."""
    if isinstance(value, str):
        names = _names_in_text(value)
        return None if names is None else list(names)
    return _names(value)


@functools.lru_cache(maxsize=4096)
def _names_in_text(value: str) -> tuple[str, ...] | None:
    # Cached because a site has few managers and watchers and every row repeats them.
    try:
        parsed = jsontext.loads(value) if value.strip() else []
    except ValueError:
        return None
    return tuple(_names(parsed))


def _names(value: object) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list):
        value = list(value.values()) if isinstance(value, dict) else [value]
    names: list[str] = []
    for item in value:
        if isinstance(item, dict):
            item = next(
                (item[k] for k in ("name", "full_name", "username", "email", "id") if item.get(k)),
                None,
            )
        if item not in (None, ""):
            names.append(str(item))
    return names


def child_label(kind: str, row: dict[str, Any]) -> str:
    """A one-line name for a child row (person, resource or action) for the detail screen."""
    if kind == "people":
        first, last = row.get("person_first_name") or "", row.get("person_last_name") or ""
        name = f"{first} {last}".strip() or str(row.get("person_code") or "?")
        notes = [str(row["description"])] if row.get("description") else []
        notes += [f"{row['days']} sickness days"] if row.get("days") else []
    elif kind == "resources":
        name = str(row.get("entity_name") or row.get("entity_id") or "?")
        notes = [str(row["entity_type"])] if row.get("entity_type") else []
    else:
        code, title = row.get("action_code"), row.get("action_name") or row.get("entity_id")
        name = " ".join(str(part) for part in (code, title) if part) or "?"
        notes = [str(row["action_type"])] if row.get("action_type") else []
    return f"{name} ({', '.join(notes)})" if notes else name


RESOLVED_DAY = frozenset({"resolved_at"})
NO_SUCH_TIMES = frozenset({"updated_at", "acknowledged_at"})
"""Times a 4HSE incident has no field for (contract §4, §7): the store keeps its own."""


def row_id(row: dict[str, Any]) -> str | None:
    """An incident row's ``office_incident_id`` as text (a UUID; a number is taken as its
    digits), ``None`` when it has none that could name it."""
    value = row.get("office_incident_id")
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)


def incident_from(row: dict[str, Any], *, remote: str, clock: Callable[[], datetime]) -> Incident:
    """One 4HSE incident payload in the common model; ``clock`` stands in for a missing
    ``created_at`` and ``date_incident``."""
    remote_id = row_id(row)
    if remote_id is None:
        raise BadResponse("4HSE incident without office_incident_id")
    status_raw = str(row.get("status") or "new")
    status = STATUSES.get(status_raw.strip().lower()) or status_from_keywords(
        status_raw, remote=remote
    )
    # Both are calendar days (contract: date_incident, date_closed).
    occurred = parse_day(row.get("date_incident"))
    extra: dict[str, Any] = {
        key: row[key] for key in EXTRA_FIELDS if row.get(key) not in (None, "", "[]")
    }
    for key in ("manager", "watcher"):
        names = json_names(row.get(key))
        if names:
            extra[key] = names
        elif names is None and row.get(key):
            extra[key] = row[key]
    return Incident(
        remote=remote, kind="fourhse", remote_id=remote_id,
        title=str(row.get("name") or row.get("code") or ""),
        status=status, status_raw=status_raw,
        created_at=parse_time(row.get("created_at")) or occurred or clock(),
        ref=_text(row.get("code")), container=_text(row.get("subtenant_id")),
        description=text_of(row.get("description_event")), category=_text(row.get("category")),
        occurred_at=occurred,
        # A closing date left on an incident that is no longer closed (another client moved it
        # back without clearing it) is not a resolution.
        resolved_at=parse_day(row.get("date_closed")) if status is Status.RESOLVED else None,
        reporter=_text(row.get("deponent") or row.get("creator")),
        assignees=json_names(row.get("assignee")) or [], extra=extra,
        raw=row, comments=[], attachments=[],
        # The store times a resolution more precisely than its day where it can (our own
        # resolve, or the pass that first saw it closed): the handover counts it in its shift.
        day_only=RESOLVED_DAY,
        # Nor does it say when it was last changed or acknowledged: what this cache saw
        # (the user's acknowledge, edit or resolve) is kept, or it would be listed stale.
        unknown_times=NO_SUCH_TIMES,
    )


def update_body(raw: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """The editable fields of a read incident with ``changes`` applied."""
    body = {key: raw[key] for key in EDITABLE if key in raw}
    body.update(changes)
    return body


def create_body(
    draft: Draft, remote_id: str, *, tenant: str, office: str, day: str
) -> dict[str, Any]:
    """A new incident ``new`` on ``day`` in ``office`` with our derived ``remote_id``."""
    return {
        "office_incident_id": remote_id, "name": draft.title,
        "description_event": draft.description or "", "date_incident": day,
        "status": "new", "tenant_id": tenant, "subtenant_id": office,
    }


def office_refused(config: FourhseRemote, container: str | None) -> str | None:
    """Why a new incident cannot go to office ``container`` (``None``: the configured one) on
    the remote of ``config``, as far as the config tells; ``None`` when it may.

    The pull lists only the configured office, or without one every office of the configured
    project. An incident created elsewhere would be made on the server and then taken for
    deleted at the next sync, so it is refused before anything is queued. Whether an office
    belongs to a configured project only the server knows: the connector asks it on push.
    """
    missing = config.office_missing(container)
    if missing:
        return missing
    office = config.subtenant_id
    if container and office and container != office:
        return (
            f"4HSE remote {config.name!r} syncs office {office!r} only: an incident created "
            f"in office {container!r} would never show here; create it in {office!r} "
            f"or configure a remote for that office"
        )
    return None


def _text(value: object) -> str | None:
    return str(value) if value not in (None, "") else None
