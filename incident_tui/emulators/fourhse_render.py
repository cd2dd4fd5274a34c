"""How the 4HSE emulator writes its rows: ``created_at`` in the configured format, calendar
days in the local zone, and the read-only joined fields the API adds to every stored row it
returns (project and office names, the person, entity or action behind a child row, its parent
incident's fields, and an incident's involved-person totals).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from incident_tui.emulators.fourhse_data import ACTIONS, ENTITIES, OFFICES, PERSONS, PROJECTS
from incident_tui.emulators.fourhse_resources import INCIDENT, PERSON, RESOURCE

CreatedAtFormat = Literal["datetime", "iso", "epoch"]
"""How the server writes ``created_at`` (see :func:`format_created`)."""


def format_created(when: datetime, fmt: CreatedAtFormat) -> str | int:
    """``created_at`` as the server writes it: ``YYYY-MM-DD HH:MM:SS``, ISO 8601 or epoch."""
    if fmt == "epoch":
        return int(when.timestamp())
    if fmt == "iso":
        return when.strftime("%Y-%m-%dT%H:%M:%SZ")
    return when.strftime("%Y-%m-%d %H:%M:%S")


def local_day(when: datetime) -> str:
    """The calendar day (``YYYY-MM-DD``) of ``when`` in the local zone (``TZ``).

    The contract leaves the zone of ``date_incident`` and ``date_closed`` unsaid; the server
    is taken to write them in the zone of the office, where its users are, as the client
    writes and reads them. Written in UTC, an incident closed in New York at 20:00 would be
    closed "tomorrow" there."""
    return when.astimezone().date().isoformat()


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
