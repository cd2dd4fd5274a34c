"""The OneUptime emulator's fixed data: its two projects and their API keys (with the
operations each key grants), and the tables it serves, with their columns, relations and the
columns a client may write or must give.
"""

from __future__ import annotations

from incident_tui.emulators.oneuptime_table import Table

PROJECT_ID = "5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e"
"""The project the default key belongs to (the seed's example project)."""
OTHER_PROJECT_ID = "0b7e4a52-3c1d-4f6e-9a8b-7c6d5e4f3a2b"
"""A second project, to show that a key only ever sees its own project."""
API_KEY = "3f9a2c7e-5b1d-4e8f-a6c3-9d2b7e4f1a05"
"""Key of PROJECT_ID with every permission (Project Admin)."""
READ_ONLY_API_KEY = "6c1e8b4a-2f7d-4a9c-b3e5-8d0f2a6c4e71"
"""Key of PROJECT_ID with read permissions only (writes answer 422)."""
NO_PERMISSION_API_KEY = "a4d2f6b8-1c3e-4f5a-9b7d-2e4c6a8f0b13"
"""A fresh key of PROJECT_ID: valid, but granted nothing (every call answers 422)."""
OTHER_API_KEY = "d8b6f4a2-9e7c-4b5d-8f3a-1c9e7b5d3f26"
"""Key of OTHER_PROJECT_ID with every permission."""

ALL_PERMISSIONS = frozenset({"read", "create", "update", "delete"})
API_KEYS: dict[str, tuple[str, frozenset[str]]] = {
    API_KEY: (PROJECT_ID, ALL_PERMISSIONS),
    READ_ONLY_API_KEY: (PROJECT_ID, frozenset({"read"})),
    NO_PERMISSION_API_KEY: (PROJECT_ID, frozenset()),
    OTHER_API_KEY: (OTHER_PROJECT_ID, ALL_PERMISSIONS),
}
"""Every key the emulator knows: key -> (project, granted operations)."""


def make_tables() -> dict[str, Table]:
    """The resources the emulator serves, by path."""
    note = {"incidentId": "id", "note": "text", "createdByUserId": "id"}
    note_relations = {"createdByUser": ("createdByUserId", "user", False),
                      "incident": ("incidentId", "incident", False),
                      "attachments": ("attachments", "file", True)}
    state_like = {"name": "text", "slug": "text", "color": "text", "description": "text",
                  "order": "number"}
    tables = [
        Table("incident", "Incident", {
            "title": "text", "description": "text", "declaredAt": "date", "slug": "text",
            "createdByUserId": "id", "currentIncidentStateId": "id", "incidentSeverityId": "id",
            "changeMonitorStatusToId": "id", "customFields": "json", "rootCause": "text",
            "postmortemNote": "text", "remediationNotes": "text", "incidentNumber": "number",
            "incidentNumberWithPrefix": "text", "isVisibleOnStatusPage": "bool",
            "shouldStatusPageSubscribersBeNotifiedOnIncidentCreated": "bool",
            "isCreatedAutomatically": "bool", "impactStartedAt": "date",
            "incidentEpisodeId": "id", "postmortemPostedAt": "date",
            "showPostmortemOnStatusPage": "bool",
        }, {
            "currentIncidentState": ("currentIncidentStateId", "incident-state", False),
            "incidentSeverity": ("incidentSeverityId", "incident-severity", False),
            "labels": ("labels", "label", True), "monitors": ("monitors", "monitor", True),
            "createdByUser": ("createdByUserId", "user", False),
            "postmortemAttachments": ("postmortemAttachments", "file", True),
        }, frozenset({
            "title", "description", "declaredAt", "currentIncidentStateId", "incidentSeverityId",
            "changeMonitorStatusToId", "customFields", "rootCause", "postmortemNote",
            "remediationNotes", "isVisibleOnStatusPage", "impactStartedAt", "incidentEpisodeId",
            "shouldStatusPageSubscribersBeNotifiedOnIncidentCreated", "postmortemPostedAt",
            "showPostmortemOnStatusPage",
        }), ("title", "incidentSeverityId")),
        Table("incident-state", "Incident State", {
            **state_like, "isCreatedState": "bool", "isAcknowledgedState": "bool",
            "isResolvedState": "bool"},
            writable=frozenset({*state_like, "isCreatedState", "isAcknowledgedState",
                                "isResolvedState"}), required=("name",)),
        Table("incident-severity", "Incident Severity", dict(state_like),
              writable=frozenset(state_like), required=("name",)),
        Table("incident-state-timeline", "Incident State Timeline", {
            "incidentId": "id", "incidentStateId": "id", "startsAt": "date", "endsAt": "date",
            "rootCause": "text"},
            {"incidentState": ("incidentStateId", "incident-state", False),
             "incident": ("incidentId", "incident", False)},
            frozenset({"incidentId", "incidentStateId", "startsAt", "rootCause"}),
            ("incidentId", "incidentStateId"), "incidentId"),
        Table("incident-internal-note", "Incident Internal Note", dict(note), note_relations,
              frozenset({"incidentId", "note"}), ("incidentId", "note"), "incidentId"),
        Table("incident-public-note", "Incident Public Note", {**note, "postedAt": "date"},
              note_relations, frozenset({"incidentId", "note", "postedAt"}),
              ("incidentId", "note"), "incidentId"),
        Table("incident-owner-user", "Incident Owner User", {"incidentId": "id", "userId": "id"},
              {"user": ("userId", "user", False), "incident": ("incidentId", "incident", False)},
              frozenset({"incidentId", "userId"}),
              ("incidentId", "userId"), "incidentId"),
        Table("label", "Label", {"name": "text", "color": "text", "description": "text"},
              writable=frozenset({"name", "color", "description"}), required=("name",)),
        Table("monitor", "Monitor", {"name": "text", "description": "text"},
              writable=frozenset({"name", "description"}), required=("name",)),
        Table("user", "User", {"name": "text", "email": "text"}),
        # FileModel's columns; the bytes (column ``file``) stay in the row under "file" and are
        # never rendered: clients read them through the postmortem attachment route.
        Table("file", "File", {"name": "text", "fileType": "text", "slug": "text",
                               "isPublic": "bool"}),
    ]
    return {table.path: table for table in tables}
