"""Fixed catalogues of the 4HSE emulator (contracts/fourhse.md): the demo credentials, the
category, status and resource type enums, and the projects, offices, people, resources and
corrective actions, fixed so that tests and the demo can name them. The sample incidents that
involve them are built in :mod:`incident_tui.emulators.fourhse_sample`.
"""

from __future__ import annotations

import uuid
from typing import Any

from incident_tui.emulators.sample import PEOPLE

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
