"""The 4HSE emulator's sample data: the neutral sample incidents of
:mod:`incident_tui.emulators.sample` turned into 4HSE incidents of the fixed offices, a third
of them with involved people, resources and corrective actions.
"""

from __future__ import annotations

import json
import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from incident_tui.emulators.fourhse_data import (
    ACTIONS,
    CATEGORIES,
    DEFAULT_SUBTENANT_ID,
    ENTITIES,
    OFFICES,
    PERSONS,
)
from incident_tui.emulators.fourhse_render import CreatedAtFormat, format_created, local_day
from incident_tui.emulators.sample import PEOPLE, sample_incidents

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


def _uuid(rng: random.Random) -> str:
    """A random (version 4) UUID drawn from ``rng``, so sample ids repeat with the seed."""
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


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
                "date_incident": local_day(occurred),
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
                    local_day(sample.resolved_at)
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
