"""Kitehouse records in the common model (contracts/kitehouse.md §4): list rows, full
incidents and comments. Status words and priority names map by keyword; the remote's
``status_map`` and ``priority_map`` win. The other way, the whole §5.1 body of a full-PUT
write is built from a read incident, with severities as the configured priority ids, and a
create's PUT carries our idempotency key as a custom field."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from incident_tui.config_remotes import KitehouseRemote
from incident_tui.domain.mapping import (
    parse_time,
    severity_from_keywords,
    text_of,
    warn_once,
    without_empty,
)
from incident_tui.domain.mapping import status_from_keywords as status_of
from incident_tui.domain.model import Attachment, Comment, Draft, Incident, Severity
from incident_tui.remote.errors import BadResponse, Refused

FULL_ONLY_EXTRA = (
    "chargeable", "report_contains_welfare_flag", "incident_tracker_sync_status",
    "incident_tracker_reference", "inventory_status",
)  # fmt: skip
"""Fields of the full incident (§4.3) that the list rows lack, shown from ``extra``."""
_COPIED_EXTRA = (*FULL_ONLY_EXTRA, "attachments_length", "user_comments_count")
"""Fields copied into ``extra`` as the remote has them."""
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
KEY_FORM, KEY_FIELD = "incident-tui", "client_key"
"""Where ``KitehouseConnector.create`` stores its idempotency key (``custom_fields``); the
incident's custom fields leave it out, as the user never set it (:func:`created_key`)."""


def _as_list(value: Any) -> list[Any]:
    """``value`` when it is a list, else empty: a field of the contract's arrays sent as
    something else (a count, say) holds nothing that could be read as its items."""
    return value if isinstance(value, list) else []


def _is_key(field: dict[str, Any]) -> bool:
    """Whether a custom field entry is the key our create stores."""
    return field.get("form_id") == KEY_FORM and field.get("field_id") == KEY_FIELD


def created_key(raw: dict[str, Any]) -> Any:
    """The key our create stored on the incident ``raw`` (its full record), if any."""
    for field in _as_list(raw.get("custom_fields")):
        if isinstance(field, dict) and _is_key(field):
            return field.get("value")
    return None


def _listed(raw: dict[str, Any], key: str, remote: str) -> list[Any]:
    """The array ``raw[key]``; one of another type is read as empty, with a warning (it
    used to end the pass in a TypeError), and a missing, null or empty one is empty."""
    value = raw.get(key)
    if value and not isinstance(value, list):
        warn_once(f"{remote}: Kitehouse sent {key} as {type(value).__name__}, not a list; "
                  "it is read as empty")
    return _as_list(value)


def _name(person: Any) -> str | None:
    if isinstance(person, dict):
        text = f"{person.get('first_name') or ''} {person.get('last_name') or ''}".strip()
        return text or (str(person["_id"]) if person.get("_id") else None)
    return str(person) if isinstance(person, str) and person else None


def _names(people: Any) -> list[str]:
    """The names of one person or a list of them (objects or bare ids), empty ones left out."""
    return [n for n in map(_name, people if isinstance(people, list) else [people]) if n]


def ref_id(value: Any) -> str | None:
    """The ``_id`` of a reference read as an object, or the id string itself."""
    if isinstance(value, list):
        value = value[0] if value else None
    if isinstance(value, dict):
        value = value.get("_id")
    return str(value) if value not in (None, "") else None


def _ref_name(value: Any) -> str | None:
    return str(value["name"]) if isinstance(value, dict) and value.get("name") else None


def _person(p: dict[str, Any]) -> dict[str, Any]:
    flags = [f.get("name") for f in _as_list(p.get("flags")) if isinstance(f, dict)]
    info = {"name": _name(p), "type": p.get("type"), "record_name": p.get("record_name"),
            "student_id": p.get("student_id"), "email": p.get("email"),
            "section": _ref_name(p.get("section")), "location": p.get("location"),
            "job_title": p.get("job_title"), "welfare_flag": p.get("welfare_flag"),
            "flags": flags, "welfare_state": _ref_name(p.get("welfare_state"))}
    return without_empty(info)


def has_id(raw: dict[str, Any]) -> bool:
    """Whether a Kitehouse record carries an ``_id`` of text (the contract's ObjectId)."""
    return isinstance(raw.get("_id"), str) and bool(raw["_id"])


def incident_from(raw: Any, *, remote: str, config: KitehouseRemote, full: bool) -> Incident:
    """A Kitehouse incident in the common model: a list row (a summary) or, with ``full``,
    the full record with its comments and attachments."""
    if not isinstance(raw, dict) or not has_id(raw):
        raise BadResponse("Kitehouse sent an incident without an _id")
    status_raw, priority = str(raw.get("status") or ""), _ref_name(raw.get("priority"))
    updated = parse_time(raw.get("updated_at"))
    created = parse_time(raw.get("created_at")) or updated or _EPOCH
    retro = raw.get("retrospective_raised_at")  # list rows repeat created_at here
    occurred = created if retro == raw.get("created_at") else parse_time(retro) or created
    assigned = raw.get("assigned_to")
    raised_by = _name(raw.get("raised_by"))
    fields = {f"{f.get('form_id') or ''}.{f['field_id']}": f.get("value")
              for f in _listed(raw, "custom_fields", remote)
              if isinstance(f, dict) and f.get("field_id") and not _is_key(f)}
    urn = raw.get("urn")
    ref = str(int(urn)) if isinstance(urn, int | float) and float(urn).is_integer() else urn
    extra = {
        "urn": ref, "priority": priority, "source": _ref_name(raw.get("source")),
        "raised_by": raised_by,
        "people_involved": [_person(p) for p in _listed(raw, "people_involved", remote)
                            if isinstance(p, dict)],
        "staff": [_person(p) for p in _listed(raw, "staff", remote) if isinstance(p, dict)],
        **{k: raw[k] for k in _COPIED_EXTRA if raw.get(k) is not None},
    }
    incident = Incident(
        remote=remote, kind="kitehouse", remote_id=str(raw["_id"]),
        ref=None if ref is None else str(ref), container=config.site_id,
        title=str(raw.get("short_description") or ""),
        description=raw["description"] if isinstance(raw.get("description"), str) else None,
        status=status_of(status_raw, config.status_map, remote=remote), status_raw=status_raw,
        severity=_severity(raw.get("priority"), priority, config, remote),
        severity_raw=priority, category=_ref_name(raw.get("category")),
        occurred_at=occurred, created_at=created, updated_at=updated,
        acknowledged_at=parse_time(raw.get("sla_first_response_at")),
        resolved_at=parse_time(raw.get("sla_resolved_at")),
        reporter=raised_by,
        # The contract maps assignees from "assigned_to/staff": the staff on the incident
        # stand in when nobody is assigned (they stay in extra as well).
        assignees=_names(assigned) or _names(raw.get("staff")),
        custom_fields=fields, extra=without_empty(extra, keep_blank=True),
        version=str(raw.get("updated_at") or "") or None, raw=raw,
    )
    if full:
        incident.comments = [comment_from(c) for c in _listed(raw, "comments", remote)
                             if isinstance(c, dict) and c.get("_id")]
        incident.attachments = [
            Attachment(str(a["object_id"]), str(a.get("name") or ""), text_of(a.get("file_type")),
                       text_of(a.get("raw_url")))
            for a in _listed(raw, "attachments", remote)
            if isinstance(a, dict) and a.get("object_id")]
    return incident


def _severity(
    ref: Any, name: str | None, config: KitehouseRemote, remote: str
) -> Severity | None:
    """The severity priority ``name`` reads as (``priority_map``, else the keywords), with a
    warning when ``ref`` is the priority ``priority_ids`` writes for another severity.

    The two keys cannot be checked against each other when the config loads (one holds
    names, the other ids, and Kitehouse lists no priorities): unchecked, a severity set here
    was written and then shown, at the next pull, as the one its priority's name reads as."""
    severity = severity_from_keywords(name, config.priority_map)
    written = ref_id(ref)
    for level, ident in config.priority_ids.items():
        if written == ident and severity != level and name:
            shown = severity.value if severity else "no severity"
            warn_once(
                f"{remote}: priority {name!r} is the one priority_ids.{level} writes, but it "
                f"reads as {shown}, so an incident set to {level} shows {shown}: map "
                f"{name!r} to {level!r} in priority_map, or fix priority_ids.{level}"
            )
    return severity


def comment_from(data: Any) -> Comment:
    """A Kitehouse comment in the common model."""
    if not isinstance(data, dict) or not data.get("_id"):
        raise BadResponse("Kitehouse sent a comment without an _id")
    return Comment(str(data["_id"]), str(data.get("message") or ""),
                   parse_time(data.get("created_at")), _name(data.get("author")))


def priority_id(severity: Any, *, remote: str, config: KitehouseRemote) -> str:
    """The priority id configured for ``severity`` (``priority_ids``); refused if there is
    none, or no severity: Kitehouse needs a priority on every incident."""
    if not severity:
        raise Refused("Kitehouse needs a priority on every incident; it cannot be cleared")
    level = Severity(severity).value
    priority = config.priority_id(level)
    if not priority:
        raise Refused(config.no_priority_id(level))
    return priority


def _ids_or_as_sent(value: Any, id_of: Callable[[Any], str | None]) -> Any:
    """An array field of a full-PUT body: the ids of its items; empty when missing. One the
    server sent as something else goes back as it came: the PUT replaces the whole record,
    and an empty array in its place could throw away what it stands for."""
    if not value:
        return []
    if not isinstance(value, list):
        return value
    return [i for i in map(id_of, value) if i]


def put_body(raw: dict[str, Any], changes: dict[str, Any], *, remote: str,
             config: KitehouseRemote) -> dict[str, Any]:
    """The whole §5.1 body from a read incident: references as ids, attachments as ids."""
    body: dict[str, Any] = {
        "attachments": _ids_or_as_sent(raw.get("attachments"), lambda a: ref_id(
            a.get("object_id") if isinstance(a, dict) else a)),
        "category": ref_id(raw.get("category")), "source": ref_id(raw.get("source")),
        "priority": ref_id(raw.get("priority")) or config.default_priority_id,
        "people_involved": _ids_or_as_sent(raw.get("people_involved"), ref_id),
        "staff": _ids_or_as_sent(raw.get("staff"), ref_id),
        "short_description": str(raw.get("short_description") or ""),
        "status": str(raw.get("status") or ""),
        "assigned_to": ref_id(raw.get("assigned_to")),
        "description": raw.get("description"),
        "retrospective_raised_at": raw.get("retrospective_raised_at") or None,
    }
    if isinstance(raw.get("custom_fields"), list):
        body["custom_fields"] = [
            {k: str(f.get(k) or "") for k in ("form_id", "field_id", "value")}
            for f in raw["custom_fields"] if isinstance(f, dict)]
    body |= changes
    if not body["priority"]:
        raise Refused(f"incident has no priority and the update needs one: set "
                      f"default_priority_id for remote {remote!r}")
    if not body["category"] or not body["source"]:
        raise Refused("incident has no category or source; Kitehouse cannot update it")
    return {k: v for k, v in body.items() if v is not None}


def create_changes(raw: dict[str, Any], draft: Draft, key: str, *, remote: str,
                   config: KitehouseRemote) -> dict[str, Any]:
    """The changes of a create's PUT half: title, description, priority and our key (in
    place of any key the incident already carries)."""
    fields = [f for f in _as_list(raw.get("custom_fields"))
              if isinstance(f, dict) and f.get("field_id") != KEY_FIELD]
    changes: dict[str, Any] = {
        "short_description": draft.title, "description": draft.description,
        "custom_fields": [*fields, {"form_id": KEY_FORM, "field_id": KEY_FIELD, "value": key}]}
    if draft.severity:
        changes["priority"] = priority_id(draft.severity, remote=remote, config=config)
    return changes
