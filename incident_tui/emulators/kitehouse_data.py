"""Fixed reference data and the stored incident record of the Kitehouse emulator.

The emulator keeps incidents the way MongoDB would (references as ``_id`` strings); they are
"populated" into the shapes of contracts/kitehouse.md §4 only when it answers
(:mod:`incident_tui.emulators.kitehouse_render`). Sample incidents become records here.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from incident_tui.emulators.sample import PEOPLE, SampleIncident

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
    ("Not assessed", "#9e9e9e"),
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
                            ("minor", ("Low", "Medium")), (None, ("Not assessed",) * 2))
    for odd, name in enumerate(names)
}
"""The priority of a sample incident by (severity, number odd). Every one has a priority, as
list and search rows require (§4.1, §4.2); one without a severity gets a priority whose name
says none was given, so that it still maps to no severity."""
STATUS_BY_SAMPLE = {"triggered": "open", "acknowledged": "in_progress", "resolved": "closed"}


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
        priority=_SAMPLE_PRIORITY[s.severity or None, n % 2],
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

