"""Fixed reference data, the stored incident record and the renderers of the Kitehouse emulator.

The emulator keeps incidents the way MongoDB would (references as ``_id`` strings) and
"populates" them into the shapes of contracts/kitehouse.md §4 when it answers. The exports
(CSV, a small hand-written PDF) and the handover e-mail text are built here too.
"""

from __future__ import annotations

import csv
import io
import json
import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from incident_tui.domain.mapping import parse_time
from incident_tui.emulators.sample import PEOPLE, SampleIncident
from incident_tui.emulators.server import HttpError, Request

DEFAULT_TOKEN = "kh_demo_0c5d7b3a9e214f6f"
"""The bearer token of the default (duty desk) user; works for every route but ``/reindex``."""

ADMIN_TOKEN = "kh_admin_7f1e4c2b8a6d0953"
"""An admin's bearer token: also allowed to call ``GET /incidents/reindex``."""

DEFAULT_SITE_ID = "65f0a1b2c3d4e5f601020304"
"""The site (school) the sample incidents belong to."""


def fixed_id(table: int, number: int) -> str:
    """A stable 24-hex ObjectId for reference data (``table`` keeps the tables apart)."""
    return f"65f0{table:04x}{number:016x}"


def _refs(table: int, rows: Iterable[tuple[str, str]]) -> dict[str, dict[str, str]]:
    return {
        fixed_id(table, n): {"_id": fixed_id(table, n), "name": name, "colour": colour}
        for n, (name, colour) in enumerate(rows, start=1)
    }


CATEGORIES = _refs(1, (
    ("IT & Infrastructure", "#1e88e5"), ("Security", "#6a1b9a"), ("Health & Safety", "#e53935"),
    ("Systems", "#00897b"), ("Estates & Facilities", "#6d4c41"), ("Network", "#3949ab"),
))
CATEGORY_BY_SAMPLE = dict(zip(
    ("infrastructure", "security", "safety", "application", "facilities", "network"),
    CATEGORIES, strict=True,
))
PRIORITIES = _refs(2, (
    ("Critical", "#b71c1c"), ("High", "#ef6c00"), ("Medium", "#f9a825"), ("Low", "#2e7d32"),
))
PRIORITY_BY_NAME = {p["name"]: pid for pid, p in PRIORITIES.items()}
DEFAULT_PRIORITY_ID = PRIORITY_BY_NAME["Medium"]
"""The priority the server gives a new incident."""
SOURCES = _refs(3, (
    ("Staff report", "#546e7a"), ("Student disclosure", "#8e24aa"),
    ("Parent / guardian", "#00acc1"), ("Monitoring alert", "#f4511e"), ("CCTV review", "#757575"),
))
_JOBS = ("Housemaster", "Matron", "Head of Year 9", "Deputy Head (Pastoral)", "IT Technician",
         "Site Manager", "Designated Safeguarding Lead", "School Nurse", "Tutor", "Bursar")

def _users() -> dict[str, dict[str, str]]:
    users = {}
    for n, full_name in enumerate(("Duty Desk", "Site Admin", *PEOPLE), start=1):
        first, _, last = full_name.partition(" ")
        uid = fixed_id(4, n)
        users[uid] = {
            "_id": uid, "first_name": first, "last_name": last,
            "photo_url": f"https://cdn.kitehouse.co.uk/avatars/{uid}.png", "type": "staff",
            "record_name": f"{last}, {first}", "job_title": _JOBS[n % len(_JOBS)],
        }
    return users


USERS = _users()
"""Staff accounts by ``_id``: raisers, assignees, comment authors and ``staff`` entries."""
DUTY_DESK_ID, ADMIN_ID = fixed_id(4, 1), fixed_id(4, 2)
TOKENS = {DEFAULT_TOKEN: DUTY_DESK_ID, ADMIN_TOKEN: ADMIN_ID}
"""Bearer token -> user id; the admin is the only one allowed to reindex."""
USER_BY_NAME = {f"{u['first_name']} {u['last_name']}": uid for uid, u in USERS.items()}
STAFF_IDS = [uid for uid in USERS if uid not in (DUTY_DESK_ID, ADMIN_ID)]

_SECTIONS = [{"_id": fixed_id(5, n), "name": name}
             for n, name in enumerate(("Austen House", "Brunel House", "Year 9", "Sixth Form"), 1)]
_FLAGS = _refs(6, (("SEN", "#0288d1"), ("Medical", "#c62828"), ("Looked after", "#7b1fa2")))
_WELFARE = _refs(7, (("Monitoring", "#fbc02d"), ("Concern", "#e64a19")))


def _students() -> dict[str, dict[str, Any]]:
    students: dict[str, dict[str, Any]] = {}
    for n, full_name in enumerate((
        "Alex Morgan", "Priya Patel", "Tom Fletcher", "Zara Ahmed", "Oliver Hughes", "Mei Chen",
        "Kwame Mensah", "Sophie Turner", "Luca Rossi", "Hannah Webb", "Visiting Contractor",
    ), start=1):
        first, _, last = full_name.partition(" ")
        pid = fixed_id(8, n)
        person: dict[str, Any] = {
            "_id": pid, "first_name": first, "last_name": last,
            "type": "visitor" if last == "Contractor" else "student",
            "record_name": f"{last}, {first}", "location": ("Boarding", "Day")[n % 2],
            "photo_url": f"https://cdn.kitehouse.co.uk/students/{pid}.jpg",
        }
        if person["type"] == "student":
            person |= {"student_id": f"S{10230 + n}", "email": f"{first.lower()}@pupils.example",
                       "section": _SECTIONS[n % len(_SECTIONS)], "welfare_flag": n % 4 == 0}
            if n % 3 == 0:
                person["flags"] = [list(_FLAGS.values())[n % len(_FLAGS)]]
            if n % 4 == 0:
                person["welfare_state"] = list(_WELFARE.values())[n % len(_WELFARE)]
        students[pid] = person
    return students


STUDENTS = _students()
"""Students (and one visitor) who can be ``people_involved``, by ``_id``."""
_STUDENT_IDS, _SOURCE_IDS = list(STUDENTS), list(SOURCES)

HOSTILE_ATTACHMENTS: dict[int, str] = {
    2: "../../.bashrc", 3: "/etc/passwd", 5: "con.txt", 7: "report\x00.pdf.exe",
    11: "C:\\Windows\\System32\\drivers\\etc\\hosts", 13: "site photo.jpg",
}
"""Sample incident number -> the name of its attachment (hostile on purpose, for download tests)."""

_SAMPLE_PRIORITY = {
    (severity, odd): PRIORITY_BY_NAME[name]
    for severity, names in (("critical", ("Critical",) * 2), ("major", ("High",) * 2),
                            ("minor", ("Low", "Medium")))
    for odd, name in enumerate(names)
}
STATUS_BY_SAMPLE = {"triggered": "open", "acknowledged": "in_progress", "resolved": "closed"}


def fastify(status: int, message: str) -> dict[str, Any]:
    """Fastify's default error body ``{statusCode, error, message}``."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"statusCode": status, "error": reason, "message": message}


def bad_request(message: str) -> HttpError:
    """A 400 as Fastify's schema validation words it, to ``raise``."""
    return HttpError(400, fastify(400, message))


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (400 if it is not one)."""
    try:
        data = json.loads(request.body) if request.body else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("Body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("body must be object")
    return data


def validate(body: dict[str, Any], required: tuple[str, ...], types: dict[str, str]) -> None:
    """Check ``required`` keys and the ``types`` (string, array of strings, custom fields)."""
    for key in required:
        if key not in body:
            raise bad_request(f"body must have required property '{key}'")
    for key, kind in types.items():
        value = body.get(key)
        if key not in body:
            continue
        if kind == "string" and not isinstance(value, str):
            raise bad_request(f"body/{key} must be string")
        if kind == "array" and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise bad_request(f"body/{key} must be array of string")
        if kind == "fields" and not (isinstance(value, list) and all(
            isinstance(f, dict) and all(isinstance(v, str) for v in f.values()) for f in value
        )):
            raise bad_request(f"body/{key} must be array of {{form_id, field_id, value}}")


def number_arg(request: Request, name: str, default: float) -> float:
    """A numeric query parameter, coerced as Fastify does (400 if not a number)."""
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise bad_request(f"querystring/{name} must be number")
    return value


def date_arg(request: Request, name: str, *, end: bool = False) -> datetime | None:
    """A date query parameter; a bare date as the ``end`` of a range means that whole day."""
    raw = request.arg(name)
    if not raw:
        return None
    value = parse_time(raw)
    if value is None:
        raise bad_request(f"querystring/{name} must be a date")
    return value + timedelta(days=1) if end and len(raw.strip()) == 10 else value


def iso(value: datetime | None) -> str | None:
    """A time as JavaScript's ``toISOString()`` writes it (milliseconds, ``Z``)."""
    if value is None:
        return None
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


class ObjectIds:
    """Deterministic MongoDB-style ids: creation seconds, a per-emulator part, a counter."""

    def __init__(self, seed: int) -> None:
        self._machine = random.Random(seed).getrandbits(40)
        self._counter = 0

    def new(self, at: datetime) -> str:
        """A fresh 24-hex id stamped with ``at``."""
        self._counter += 1
        return f"{int(at.timestamp()) & 0xFFFFFFFF:08x}{self._machine:010x}{self._counter:06x}"


@dataclass
class CommentRecord:
    """A stored comment; ``author`` is a user id."""

    id: str
    message: str
    author: str
    created_at: datetime


@dataclass
class Record:
    """A stored incident, references kept as ids (populated when rendered)."""

    id: str
    urn: int
    site: str
    status: str
    category: str
    source: str
    priority: str | None
    raised_by: str
    created_at: datetime
    updated_at: datetime
    short_description: str = ""
    description: str | None = None
    assigned_to: str | None = None
    people_involved: list[str] = field(default_factory=list)
    staff: list[str] = field(default_factory=list)
    retrospective_raised_at: datetime | None = None
    comments: list[CommentRecord] = field(default_factory=list)
    attachments: list[dict[str, Any]] = field(default_factory=list)
    custom_fields: list[dict[str, str]] | None = None
    chargeable: bool = False
    sla_first_response_at: datetime | None = None
    sla_resolved_at: datetime | None = None
    extra: dict[str, str] = field(default_factory=dict)
    """Set by ``/sync`` and ``/inventory``: incident_tracker_*, inventory_status."""


def record_from_sample(
    s: SampleIncident, ids: ObjectIds, site: str, urn: int
) -> tuple[Record, dict[str, bytes]]:
    """A sample incident in Kitehouse words, plus the blobs of its attachments."""
    n = s.number
    rec = Record(
        id=ids.new(s.created_at), urn=urn, site=site, status=STATUS_BY_SAMPLE[s.status],
        category=CATEGORY_BY_SAMPLE[s.category], source=_SOURCE_IDS[n % len(_SOURCE_IDS)],
        priority=_SAMPLE_PRIORITY[s.severity, n % 2] if s.severity else None,
        raised_by=USER_BY_NAME[s.reporter], created_at=s.created_at, updated_at=s.updated_at,
        short_description=s.title, description=s.description,
        people_involved=list(dict.fromkeys(
            _STUDENT_IDS[(n * k) % len(_STUDENT_IDS)] for k in range(1, 1 + n % 3)
        )),
        staff=[STAFF_IDS[(n + 1) % len(STAFF_IDS)]] if n % 2 else [],
        chargeable=n % 6 == 0,
        sla_first_response_at=s.acknowledged_at, sla_resolved_at=s.resolved_at,
    )
    if s.status != "triggered" or n % 5 == 0:
        rec.assigned_to = STAFF_IDS[(n * 3) % len(STAFF_IDS)]
    if n % 9 == 0:
        rec.retrospective_raised_at = s.created_at - timedelta(hours=3)
    if n % 4 == 0:
        rec.custom_fields = [{"form_id": "incident-form", "field_id": "location",
                              "value": s.location}]
    for c in s.comments:
        rec.comments.append(CommentRecord(ids.new(c.at), c.body, USER_BY_NAME[c.author], c.at))
    blobs: dict[str, bytes] = {}
    if n in HOSTILE_ATTACHMENTS:
        name = HOSTILE_ATTACHMENTS[n]
        oid = ids.new(s.created_at)
        blobs[oid] = f"sample attachment {name!r} of incident {urn}\n".encode()
        rec.attachments.append(attachment(oid, name, "text/plain", site, rec.id))
    return rec, blobs


def attachment(oid: str, name: str, content_type: str, site: str, incident: str,
               **more: str) -> dict[str, Any]:
    """A stored attachment (``raw_url`` is filled in when rendered, once the port is known)."""
    return {"name": name, "file_type": content_type, "object_id": oid, "uploaded": True,
            "source_uri": f"s3://kitehouse-attachments/{site}/{incident}/{oid}", **more}


def _person(pid: str, keys: tuple[str, ...]) -> dict[str, Any]:
    src = USERS.get(pid) or STUDENTS.get(pid) or {"_id": pid, "first_name": "", "last_name": ""}
    return {k: src[k] for k in keys if k in src}


_SHORT_PERSON = ("_id", "first_name", "last_name", "location", "student_id")
_SHORT_STAFF = ("_id", "first_name", "last_name", "photo_url")
_USER = ("_id", "first_name", "last_name", "photo_url")


def summary(rec: Record) -> dict[str, Any]:
    """The list row (§4.1). ``retrospective_raised_at`` is required here, so it falls back to
    ``created_at`` (a Mongoose ``default: Date.now``); ``priority`` is absent when unset."""
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


def csv_export(records: Iterable[Record]) -> bytes:
    """The CSV of ``/export-csv``: one row per incident, UTF-8 with a BOM (Excel friendly)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["URN", "Created", "Updated", "Status", "Priority", "Category", "Source",
                     "Short description", "Raised by", "Assigned to", "People involved",
                     "Comments", "Attachments"])
    for rec in records:
        writer.writerow([
            rec.urn, iso(rec.created_at), iso(rec.updated_at), rec.status,
            PRIORITIES[rec.priority]["name"] if rec.priority else "",
            CATEGORIES[rec.category]["name"], SOURCES[rec.source]["name"],
            rec.short_description, name_of(rec.raised_by), name_of(rec.assigned_to),
            "; ".join(name_of(p) for p in rec.people_involved), len(rec.comments),
            len(rec.attachments),
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def incident_lines(rec: Record, with_attachments: bool) -> list[str]:
    """The text of the PDF export of one incident."""
    lines = [
        f"Incident {rec.urn}: {rec.short_description}", "",
        f"Status: {rec.status}    Priority: "
        f"{PRIORITIES[rec.priority]['name'] if rec.priority else '-'}",
        f"Category: {CATEGORIES[rec.category]['name']}    Source: {SOURCES[rec.source]['name']}",
        f"Raised by: {name_of(rec.raised_by)} at {iso(rec.created_at)}",
        f"Assigned to: {name_of(rec.assigned_to) or '-'}",
        "People involved: " + (", ".join(name_of(p) for p in rec.people_involved) or "-"), "",
        "Description:", rec.description or "-", "", "Comments:",
        *(f"{iso(c.created_at)} {name_of(c.author)}: {c.message}" for c in rec.comments),
    ]
    if with_attachments:
        lines += ["", "Attachments:"]
        lines += [f"- {a['name']!r} ({a['file_type']})" for a in rec.attachments] or ["-"]
    return lines


def pdf_document(title: str, lines: list[str]) -> bytes:
    """A small valid PDF of ``lines`` (fpdf2, imported on first use: it is slow to load)."""
    from fpdf import FPDF

    def latin1(text: str) -> str:
        # The core Helvetica font only covers Latin-1; anything else prints as "?".
        text = "".join(ch if ch >= " " else " " for ch in text)
        return text.encode("latin-1", "replace").decode("latin-1")

    pdf = FPDF(format="A4")
    pdf.set_title(latin1(title))
    pdf.set_creator("Kitehouse emulator")
    pdf.add_page()
    pdf.set_font("Helvetica", size=10)
    for line in lines:
        pdf.multi_cell(0, 5, latin1(line) or " ", new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def handover_lines(records: list[Record], hours: float, now: datetime,
                   resolved: set[str], acknowledged: set[str]) -> list[str]:
    """The "AI" handover e-mail, bucketed by state, as the lines the SSE stream sends.

    ``resolved``/``acknowledged`` are the incident ids in those states (mapped by the caller).
    """
    def bullet(rec: Record) -> str:
        prio = PRIORITIES[rec.priority]["name"] if rec.priority else "No priority"
        who = name_of(rec.assigned_to) or "unassigned"
        return f"- #{rec.urn} [{prio}] {rec.short_description} ({who})"

    buckets = (
        ("Needs attention", [r for r in records if r.id not in resolved | acknowledged]),
        ("In progress", [r for r in records if r.id in acknowledged]),
        ("Resolved", [r for r in records if r.id in resolved]),
    )
    lines = [f"Subject: Handover - last {hours:g} hours to {iso(now)}", "", "Hello team,", "",
             f"{len(records)} incident(s) saw activity in the last {hours:g} hours."]
    for heading, rows in buckets:
        lines += ["", f"{heading} ({len(rows)}):", *(bullet(r) for r in rows)]
        if not rows:
            lines.append("- none")
    return [*lines, "", "Regards,", "Kitehouse Assistant"]
