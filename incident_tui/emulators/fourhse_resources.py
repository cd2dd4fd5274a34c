"""The four resources of the 4HSE emulator and their Yii2 model rules: resource names,
primary keys, model labels, the fields a client may write and must fill, and the validation
that answers 422 with Yii2's field-error list.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from incident_tui.emulators.fourhse_data import (
    ACTIONS,
    CATEGORIES,
    ENTITIES,
    OFFICES,
    PERSONS,
    PROJECTS,
    RESOURCE_TYPES,
    STATUSES,
)

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
