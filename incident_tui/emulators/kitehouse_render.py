"""The Kitehouse emulator's answers: stored records "populated" into the JSON shapes of
contracts/kitehouse.md §4 (list and search rows, the full incident, comments, the create and
dashboard answers), with references resolved from the reference data and times written as
JavaScript writes them.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from incident_tui.emulators.kitehouse_data import (
    CATEGORIES,
    DEFAULT_PRIORITY_ID,
    PRIORITIES,
    SOURCES,
    STUDENTS,
    USERS,
    CommentRecord,
    Record,
)


def iso(value: datetime | None) -> str | None:
    """A time as JavaScript's ``toISOString()`` writes it (milliseconds, ``Z``)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _person(pid: str, keys: tuple[str, ...]) -> dict[str, Any]:
    src = USERS.get(pid) or STUDENTS.get(pid) or {"_id": pid, "first_name": "", "last_name": ""}
    return {k: src[k] for k in keys if k in src}


_SHORT_PERSON = ("_id", "first_name", "last_name", "location", "student_id")
_SHORT_STAFF = ("_id", "first_name", "last_name", "photo_url")
_USER = ("_id", "first_name", "last_name", "photo_url")


def summary(rec: Record) -> dict[str, Any]:
    """The list row (§4.1). ``retrospective_raised_at`` is required here, so it falls back to
    ``created_at`` (a Mongoose ``default: Date.now``). ``priority`` is required too, and every
    sample and created incident has one; it is absent only for a record a test inserted
    without one (``KitehouseEmulator.add(priority=None)``), to try a client on the optional
    ``priority`` of the full incident (§4.3)."""
    row: dict[str, Any] = {
        "_id": rec.id, "urn": rec.urn, "status": rec.status,
        "category": CATEGORIES[rec.category], "source": SOURCES[rec.source],
        "short_description": rec.short_description,
        "people_involved": [_person(p, _SHORT_PERSON) for p in rec.people_involved],
        "staff": [_person(p, _SHORT_STAFF) for p in rec.staff],
        "raised_by": _person(rec.raised_by, _USER),
        "created_at": iso(rec.created_at), "updated_at": iso(rec.updated_at),
        "retrospective_raised_at": iso(rec.retrospective_raised_at or rec.created_at),
    }
    if rec.priority:
        row["priority"] = PRIORITIES[rec.priority]
    if rec.assigned_to:
        row["assigned_to"] = _person(rec.assigned_to, ("_id", "first_name", "last_name"))
    return row


def search_row(rec: Record) -> dict[str, Any]:
    """The search/stale row (§4.2): the summary plus counts and SLA times."""
    row = summary(rec)
    row["attachments_length"] = len(rec.attachments)
    row["user_comments_count"] = len(rec.comments)
    for key in ("sla_first_response_at", "sla_resolved_at"):
        if getattr(rec, key):
            row[key] = iso(getattr(rec, key))
    return row


def comment_json(c: CommentRecord, incident: str) -> dict[str, Any]:
    """A comment as embedded in the incident and returned by the add-comment route."""
    stamp = iso(c.created_at)
    return {"_id": c.id, "incident": incident, "message": c.message, "created_at": stamp,
            "updated_at": stamp, "author": _person(c.author, _USER)}


def full(rec: Record, base_url: str) -> dict[str, Any]:
    """The whole incident (§4.3): ``assigned_to`` is an array here, comments are embedded."""
    doc = summary(rec)
    doc.pop("assigned_to", None)
    if rec.retrospective_raised_at is None:
        doc.pop("retrospective_raised_at")
    doc["people_involved"] = [dict(STUDENTS.get(p) or _person(p, _USER))
                              for p in rec.people_involved]
    doc["staff"] = [_person(p, ("_id", "first_name", "last_name", "photo_url", "type",
                                "record_name", "job_title")) for p in rec.staff]
    doc["assigned_to"] = [_person(rec.assigned_to, _USER)] if rec.assigned_to else []
    if rec.description is not None:
        doc["description"] = rec.description
    doc["comments"] = [comment_json(c, rec.id) for c in rec.comments]
    doc["attachments"] = [
        {**a, "raw_url": f"{base_url}/_blob/{a['object_id']}"} for a in rec.attachments
    ]
    if rec.custom_fields is not None:
        doc["custom_fields"] = [dict(f) for f in rec.custom_fields]
    doc["chargeable"] = rec.chargeable
    doc["report_contains_welfare_flag"] = any(
        STUDENTS.get(p, {}).get("welfare_flag") for p in rec.people_involved
    )
    for key in ("sla_first_response_at", "sla_resolved_at"):
        if getattr(rec, key):
            doc[key] = iso(getattr(rec, key))
    return doc | rec.extra


def create_response(rec: Record) -> dict[str, Any]:
    """What ``POST /incidents`` answers (§4.4): ids only, no timestamps."""
    return {"_id": rec.id, "urn": rec.urn, "site": rec.site, "category": rec.category,
            "source": rec.source, "people_involved": list(rec.people_involved),
            "priority": rec.priority or DEFAULT_PRIORITY_ID, "raised_by": rec.raised_by,
            "status": rec.status, "staff": list(rec.staff),
            "attachments": [a["object_id"] for a in rec.attachments],
            "short_description": rec.short_description}


def dashboard_row(rec: Record) -> dict[str, Any]:
    """One incident of the ``/dashboard`` answer."""
    row: dict[str, Any] = {
        "_id": rec.id, "created_at": iso(rec.created_at), "updated_at": iso(rec.updated_at),
        "category": CATEGORIES[rec.category], "status": rec.status,
        "raised_by": _person(rec.raised_by, ("first_name", "last_name")),
        "people_involved": [_person(p, ("first_name", "last_name"))
                            for p in rec.people_involved],
    }
    if rec.priority:
        row["priority"] = PRIORITIES[rec.priority]
    return row


def name_of(pid: str | None) -> str:
    """A user's or student's "First Last" (empty for ``None``)."""
    person = _person(pid, ("first_name", "last_name")) if pid else {}
    return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()
