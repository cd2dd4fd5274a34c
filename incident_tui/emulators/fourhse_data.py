"""Fixed catalogues and sample data for the 4HSE emulator (contracts/fourhse.md).

The projects, offices, people, resources and corrective actions are fixed so that tests and
the demo can name them; :func:`build_sample` turns the neutral sample incidents into 4HSE
incidents with involved people, resources and actions.
"""

from __future__ import annotations

import json
import random
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from incident_tui.emulators.sample import PEOPLE, sample_incidents

DEFAULT_USERNAME = "rspp.demo"
"""Username accepted by the emulator's OAuth2 password flow."""
DEFAULT_PASSWORD = "sicurezza-2026"
"""Password accepted by the emulator's OAuth2 password flow."""
DEFAULT_CLIENT_ID = "4hse"
"""OAuth2 client id the emulator accepts (the config default)."""
DEFAULT_TOKEN = "4hse-demo-static-token"
"""A long-lived access token the emulator accepts as Bearer or ``?access-token=``."""

DEFAULT_TENANT_ID = "452b7448-1c2d-4e5f-8a9b-0c1d2e3f4a5b"
"""The project (tenant) that ``remote_config`` syncs."""
DEFAULT_SUBTENANT_ID = "a1b2c3d4-e5f6-7890-abcd-ef1234567890"
"""The office (subtenant) that ``remote_config`` syncs; every ``sample`` incident is here."""

CATEGORIES: tuple[str, ...] = (
    "NON_COMPLIANCE",
    "ACCIDENTS",
    "ACCIDENTS_AND_MISSED_INJURIES",
    "REPORT_MALFUNCTION",
    "REPORT_FAILURE",
    "REQUEST_INSPECTION",
    "REQUEST_MAINTENANCE",
    "REQUEST_REPLACEMENT",
    "REQUEST_INTERVENTION",
)
"""The category enum of the seed."""
STATUSES: tuple[str, ...] = ("new", "open", "closed")
"""The workflow statuses of the seed."""
RESOURCE_TYPES: tuple[str, ...] = (
    "EQUIPMENT", "WORK_ENVIRONMENT", "SUBSTANCE", "WORK_GROUP", "MATERIAL", "MATERIAL_ITEM",
    "ACTION",
)
"""IncidentResource ``entity_type`` values."""

PROJECTS: dict[str, dict[str, str]] = {
    DEFAULT_TENANT_ID: {"project_name": "ACME Logistica S.p.A.", "project_type": "safety"},
    "7d3e9f10-2a4b-4c6d-8e0f-1a2b3c4d5e6f": {
        "project_name": "Officine Rossi S.r.l.", "project_type": "safety",
    },
    "0f9e8d7c-6b5a-4938-8271-6a5b4c3d2e1f": {
        "project_name": "Modello DVR standard", "project_type": "template",
    },
}
"""tenant_id -> project name and type."""

OFFICES: dict[str, dict[str, str]] = {
    DEFAULT_SUBTENANT_ID: {"office_name": "Warehouse North", "tenant_id": DEFAULT_TENANT_ID},
    "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e": {
        "office_name": "Sede Milano", "tenant_id": DEFAULT_TENANT_ID,
    },
    "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f": {
        "office_name": "Stabilimento Bologna", "tenant_id": "7d3e9f10-2a4b-4c6d-8e0f-1a2b3c4d5e6f",
    },
    "d4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f80": {
        "office_name": "Officina Verona", "tenant_id": "7d3e9f10-2a4b-4c6d-8e0f-1a2b3c4d5e6f",
    },
}
"""subtenant_id -> office name and its project."""

_NS = uuid.UUID("6f1c1d0e-4a5b-4c3d-9e8f-7a6b5c4d3e2f")


def _id(label: str) -> str:
    return str(uuid.uuid5(_NS, label))


PERSONS: dict[str, dict[str, Any]] = {}
"""person_office_id -> the joined person fields (every office employs everyone in PEOPLE)."""
for _office in OFFICES:
    for _number, _full in enumerate(PEOPLE, start=1):
        _first, _, _last = _full.partition(" ")
        PERSONS[_id(f"person-office:{_office}:{_full}")] = {
            "person_id": _id(f"person:{_full}"),
            "person_code": f"DIP-{_number:03d}",
            "person_first_name": _first,
            "person_last_name": _last,
            "person_is_employee": _number % 4 != 0,
            "subtenant_id": _office,
        }

ENTITIES: dict[str, dict[str, str]] = {
    _id(f"entity:{name}"): {"entity_type": kind, "entity_name": name, "entity_code": code}
    for kind, name, code in (
        ("EQUIPMENT", "Forklift Linde H30 #2", "ATT-0107"),
        ("EQUIPMENT", "Pallet wrapper Robopac", "ATT-0112"),
        ("EQUIPMENT", "Overhead crane 5t bay C", "ATT-0031"),
        ("WORK_ENVIRONMENT", "Loading dock 3", "AMB-003"),
        ("WORK_ENVIRONMENT", "Battery charging room", "AMB-011"),
        ("SUBSTANCE", "Sodium hypochlorite 12%", "SOS-024"),
        ("SUBSTANCE", "Hydraulic oil ISO 46", "SOS-031"),
        ("WORK_GROUP", "Night shift team B", "GRP-002"),
        ("MATERIAL", "Cut-resistant gloves EN388", "MAT-045"),
        ("MATERIAL_ITEM", "Safety goggles EN166 lot 7", "ITM-0703"),
    )
}
"""entity_id -> the joined resource fields."""

ACTIONS: dict[str, dict[str, str]] = {
    _id(f"action:{code}"): {"action_code": code, "action_name": name, "action_type": kind}
    for code, name, kind in (
        ("AZ-014", "Forklift operator refresher training", "TRAINING"),
        ("AZ-021", "Replace dock leveller hydraulic hose", "MAINTENANCE"),
        ("AZ-022", "Service the overhead crane limit switch", "MAINTENANCE"),
        ("AZ-030", "Occupational health check after exposure", "HEALTH"),
        ("AZ-041", "Weekly walkway and marking inspection", "CHECK"),
        ("AZ-052", "Issue cut-resistant gloves to the shift", "PER"),
    )
}
"""action_id (the IncidentAction entity_id) -> the joined action fields."""

_CATEGORY_FOR = {
    "safety": ("ACCIDENTS", "ACCIDENTS_AND_MISSED_INJURIES", "NON_COMPLIANCE"),
    "facilities": ("REPORT_MALFUNCTION", "REQUEST_MAINTENANCE", "REQUEST_REPLACEMENT"),
    "infrastructure": ("REPORT_FAILURE", "REQUEST_INTERVENTION", "REPORT_MALFUNCTION"),
    "security": ("NON_COMPLIANCE", "REQUEST_INSPECTION"),
    "application": ("REPORT_MALFUNCTION", "REQUEST_INTERVENTION"),
    "network": ("REPORT_FAILURE", "REQUEST_INTERVENTION"),
}
_ACTIONS_TAKEN = (
    "Area cordoned off and supervisor informed.",
    "Equipment taken out of service pending inspection.",
    "First aid given on site; worker sent to the occupational doctor.",
    "Spill contained with absorbent kit, waste sent for disposal.",
    "Maintenance contractor called; temporary fix in place.",
)
_PERSON_NOTES = ("injured worker", "witness", "first aider", "shift supervisor")

_AS_JSON = {name: json.dumps([name]) for name in PEOPLE}
_STAFF = {
    office: [key for key, person in PERSONS.items() if person["subtenant_id"] == office]
    for office in OFFICES
}
_ENTITY_IDS = sorted(ENTITIES)
_ACTION_IDS = sorted(ACTIONS)

CreatedAtFormat = Literal["datetime", "iso", "epoch"]


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from ``rng``, so sample ids repeat with the seed."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def format_created(when: datetime, fmt: CreatedAtFormat) -> str | int:
    """``created_at`` as the server writes it: ``YYYY-MM-DD HH:MM:SS``, ISO 8601 or epoch."""
    if fmt == "epoch":
        return int(when.timestamp())
    if fmt == "iso":
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.strftime("%Y-%m-%d %H:%M:%S")


def username_of(full_name: str) -> str:
    """A 4HSE-style username for a person (``Ana Souza`` -> ``asouza``)."""
    first, _, last = full_name.partition(" ")
    return (first[:1] + last.replace("'", "")).lower()


@dataclass
class SampleData:
    """Stored rows (without joined read-only fields) for the emulator to load."""

    incidents: list[dict[str, Any]] = field(default_factory=list)
    people: list[dict[str, Any]] = field(default_factory=list)
    resources: list[dict[str, Any]] = field(default_factory=list)
    actions: list[dict[str, Any]] = field(default_factory=list)


def build_sample(
    count: int,
    *,
    now: datetime,
    seed: int,
    foreign: int = 0,
    created_at_format: CreatedAtFormat = "datetime",
) -> SampleData:
    """``count`` incidents in the default office plus ``foreign`` in the other offices,
    oldest first, a third of them with involved people, resources and actions."""
    rng = random.Random(seed * 7919 + 1)
    data = SampleData()
    codes: dict[str, int] = {}
    others = [office for office in OFFICES if office != DEFAULT_SUBTENANT_ID]
    batches = (
        (sample_incidents(count, now=now, seed=seed, comments=False), None),
        (sample_incidents(foreign, now=now, seed=seed + 1, comments=False), others),
    )
    for batch, offices in batches:
        for sample in batch:
            office = rng.choice(offices) if offices else DEFAULT_SUBTENANT_ID
            codes[office] = codes.get(office, 0) + 1
            status = {"triggered": "new", "acknowledged": "open"}.get(sample.status, "closed")
            occurred = sample.created_at - timedelta(hours=rng.uniform(0, 30))
            category = rng.choice(_CATEGORY_FOR.get(sample.category, CATEGORIES))
            handlers = rng.sample(PEOPLE, 2)
            incident = {
                "office_incident_id": _uuid(rng),
                "code": f"INC-{codes[office]:04d}",
                "name": sample.title,
                "date_incident": occurred.date().isoformat(),
                "category": category,
                "description_event": sample.description,
                "description_actions_involved": (
                    rng.choice(_ACTIONS_TAKEN) if status != "new" else ""
                ),
                "deponent": sample.reporter,
                "manager": _AS_JSON[handlers[0]],
                "assignee": _AS_JSON[handlers[1]] if status != "new" else "[]",
                "watcher": "[]",
                "to": None,
                "status": status,
                "external_reference_id": (
                    f"INAIL-{occurred.year}-{rng.randrange(100000, 999999)}"
                    if category == "ACCIDENTS"
                    else None
                ),
                "date_closed": (
                    sample.resolved_at.date().isoformat()
                    if status == "closed" and sample.resolved_at
                    else None
                ),
                "creator": username_of(sample.reporter),
                "created_at": format_created(sample.created_at, created_at_format),
                "tenant_id": OFFICES[office]["tenant_id"],
                "subtenant_id": office,
            }
            data.incidents.append(incident)
            if rng.random() < 0.34:
                _add_children(rng, data, incident)
    return data


def _add_children(rng: random.Random, data: SampleData, incident: dict[str, Any]) -> None:
    office = incident["subtenant_id"]
    base = {
        "office_incident_id": incident["office_incident_id"],
        "tenant_id": incident["tenant_id"],
        "subtenant_id": office,
    }
    for number, person in enumerate(rng.sample(_STAFF[office], rng.randint(1, 3)), start=1):
        hurt = number == 1 and incident["category"] == "ACCIDENTS"
        data.people.append({
            **base,
            "office_incident_person_id": _uuid(rng),
            "person_office_id": person,
            "code": f"{incident['code']}-P{number}",
            "description": "injured worker" if hurt else rng.choice(_PERSON_NOTES[1:]),
            "days": rng.randint(1, 30) if hurt else 0,
        })
    for entity in rng.sample(_ENTITY_IDS, rng.randint(0, 2)):
        data.resources.append({
            **base,
            "office_incident_resource_id": _uuid(rng),
            "entity_id": entity,
            "entity_type": ENTITIES[entity]["entity_type"],
            "description": "involved in the event",
        })
    for action in rng.sample(_ACTION_IDS, rng.randint(0, 2)):
        data.actions.append({
            **base,
            "office_incident_action_id": _uuid(rng),
            "entity_type": "ACTION",
            "entity_id": action,
            "description": "corrective action",
        })


# Resources and their Yii2 rules --------------------------------------------------------

INCIDENT = "incident"
PERSON = "incident-person"
RESOURCE = "incident-resource"
ACTION = "incident-action"
CHILDREN = (PERSON, RESOURCE, ACTION)

KEYS = {
    INCIDENT: "office_incident_id",
    PERSON: "office_incident_person_id",
    RESOURCE: "office_incident_resource_id",
    ACTION: "office_incident_action_id",
}
"""Primary key field of each resource."""
LABELS = {PERSON: "IncidentPerson", RESOURCE: "IncidentResource", ACTION: "IncidentAction"}
"""Model names used in the delete preview."""
_COMMON = ("office_incident_id", "description", "tenant_id", "subtenant_id")
EDITABLE: dict[str, tuple[str, ...]] = {
    INCIDENT: (
        "code", "name", "date_incident", "category", "description_event",
        "description_actions_involved", "deponent", "manager", "assignee", "watcher", "to",
        "status", "external_reference_id", "date_closed", "tenant_id", "subtenant_id",
    ),
    PERSON: (*_COMMON, "person_office_id", "code", "days"),
    RESOURCE: (*_COMMON, "entity_id", "entity_type"),
    ACTION: (*_COMMON, "entity_id", "entity_type"),
}
"""Fields a client may write (the others are ignored, as Yii2 does with unsafe attributes)."""
REQUIRED: dict[str, tuple[str, ...]] = {
    INCIDENT: ("name", "date_incident", "subtenant_id", "tenant_id"),
    PERSON: ("office_incident_id", "person_office_id", "subtenant_id", "tenant_id"),
    RESOURCE: ("office_incident_id", "entity_id", "entity_type", "subtenant_id", "tenant_id"),
    ACTION: ("office_incident_id", "entity_id", "subtenant_id", "tenant_id"),
}
"""Fields that must not be blank (the incident's are the seed's; the children's are P6-P8)."""


def label(name: str) -> str:
    """Yii2's generated attribute label: ``date_incident`` -> ``Date Incident``."""
    return " ".join("ID" if part == "id" else part.capitalize() for part in name.split("_"))


def blank(value: object) -> bool:
    """Yii2's ``isEmpty``: ``None`` or a blank string."""
    return value is None or (isinstance(value, str) and not value.strip())


def _is_date(value: object) -> bool:
    if not isinstance(value, str) or len(value) != 10:
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def validate(
    resource: str, row: dict[str, Any], *, incidents: Mapping[str, Any], categories: bool
) -> list[dict[str, str]]:
    """The resource's rules as Yii2's field-error list (empty when valid). ``incidents`` are
    the stored incidents (children must point at one); ``categories`` enforces the enum."""
    errors: list[dict[str, str]] = []

    def error(field_name: str, message: str) -> None:
        if not any(e["field"] == field_name for e in errors):
            errors.append({"field": field_name, "message": message})

    for name in REQUIRED[resource]:
        if blank(row.get(name)):
            error(name, f"{label(name)} cannot be blank.")
    for name in ("name", "description_event", "deponent", "code", "description"):
        if row.get(name) is not None and not isinstance(row[name], str):
            error(name, f"{label(name)} must be a string.")
    tenant, office = row.get("tenant_id"), row.get("subtenant_id")
    if not blank(tenant) and tenant not in PROJECTS:
        error("tenant_id", "Tenant ID is invalid.")
    if not blank(office) and (
        office not in OFFICES or (tenant in PROJECTS and OFFICES[office]["tenant_id"] != tenant)
    ):
        error("subtenant_id", "Subtenant ID is invalid.")
    if resource == INCIDENT:
        for name in ("date_incident", "date_closed"):
            if not blank(row.get(name)) and not _is_date(row.get(name)):
                error(name, f"The format of {label(name)} is invalid.")
        if not blank(row.get("status")) and row.get("status") not in STATUSES:
            error("status", "Status is invalid.")
        if row.get("status") == "closed" and blank(row.get("date_closed")):
            error("date_closed", "Date Closed cannot be blank.")
        category = row.get("category")
        if categories and not blank(category) and category not in CATEGORIES:
            error("category", "Category is invalid.")
        return errors
    parent = row.get("office_incident_id")
    if not blank(parent) and parent not in incidents:
        error("office_incident_id", "Office Incident ID is invalid.")
    entity = row.get("entity_id")
    if resource == PERSON:
        if not blank(row.get("person_office_id")) and row["person_office_id"] not in PERSONS:
            error("person_office_id", "Person Office ID is invalid.")
        if row.get("days") not in (None, "") and not str(row["days"]).isdigit():
            error("days", "Days must be an integer.")
    elif resource == RESOURCE:
        if not blank(row.get("entity_type")) and row["entity_type"] not in RESOURCE_TYPES:
            error("entity_type", "Entity Type is invalid.")
        if not blank(entity) and entity not in ENTITIES:
            error("entity_id", "Entity ID is invalid.")
    elif not blank(entity) and entity not in ACTIONS:
        error("entity_id", "Entity ID is invalid.")
    return errors


def joined(
    resource: str, row: dict[str, Any], incident: Mapping[str, Any], people: list[dict[str, Any]]
) -> dict[str, Any]:
    """The row with its read-only joined fields, as the API returns it. For an incident,
    ``incident`` is the row itself and ``people`` its IncidentPerson rows."""
    project = PROJECTS.get(str(incident.get("tenant_id")), {})
    office_name = OFFICES.get(str(incident.get("subtenant_id")), {}).get("office_name")
    if resource == INCIDENT:
        return {
            **row,
            "office_name": office_name,
            "project_name": project.get("project_name"),
            "project_type": project.get("project_type"),
            "totInvolvedPerson": len(people),
            "totSicknessDays": sum(int(p.get("days") or 0) for p in people),
        }
    out = dict(row)
    if resource == PERSON:
        person = PERSONS.get(str(row.get("person_office_id")), {})
        out.update({k: v for k, v in person.items() if k != "subtenant_id"})
    elif resource == RESOURCE:
        entity = ENTITIES.get(str(row.get("entity_id")), {})
        out.update(entity_name=entity.get("entity_name"), entity_code=entity.get("entity_code"))
    else:
        out.update(ACTIONS.get(str(row.get("entity_id")), {}))
    out.update(
        incident_code=incident.get("code"), incident_name=incident.get("name"),
        incident_date=incident.get("date_incident"), incident_category=incident.get("category"),
        incident_status=incident.get("status"), project_name=project.get("project_name"),
        project_type=project.get("project_type"), office_name=office_name,
    )
    return out
