"""Data side of the AOH IMS emulator: credentials, vocabularies, wire formats, validation,
per-tenant storage and the sample data (contracts/aoh-ims.md).

Kept apart from the HTTP routes: :mod:`incident_tui.emulators.aoh_ims` and the route modules
beside it.
"""

from __future__ import annotations

import functools
import random
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from incident_tui.domain.mapping import parse_time
from incident_tui.emulators.keycloak import b64_json
from incident_tui.emulators.sample import SampleIncident

DEFAULT_TENANT = "bec379e8-21e6-46af-a836-5e528b43108e"
"""The tenant of the default token (the seed's ``tenant_id``)."""
DEFAULT_USER = "System Admin"
"""The display name of the default token's user (the seed's ``created_by``)."""
DEFAULT_TOKEN = ".".join(
    (
        b64_json({"alg": "none", "typ": "JWT"}),
        b64_json(
            {
                "sub": "2f0c6b8e-5a0e-4c35-9a63-2f0e6f1d7c11",
                "name": DEFAULT_USER,
                "preferred_username": "sysadmin",
                "active_tenant": {"tenant_id": DEFAULT_TENANT, "tenant_name": "demo"},
            }
        ),
        "emulator",
    )
)
"""The emulator's fixed demo access token. It is shaped like a Keycloak JWT (unsigned) so a
client can read the ``name`` claim; the emulator only looks it up in its token table."""

REALM_TOKEN_PATH = "/realms/aoh/protocol/openid-connect/token"
"""Where the emulated Keycloak realm ``aoh`` issues tokens (Keycloak's own path)."""
DEFAULT_CLIENT_ID = "incident-tui"
"""The confidential OIDC client the emulator's realm knows."""
DEFAULT_CLIENT_SECRET = "emulator-client-secret"
"""That client's secret (client_credentials needs it; the password grant too, as on Keycloak)."""
SERVICE_ACCOUNT_USER = f"service-account-{DEFAULT_CLIENT_ID}"
"""The user a client_credentials token stands for (Keycloak's service-account naming)."""
DEFAULT_USERNAME = "sysadmin"
"""A realm user for the password grant; it signs in as :data:`DEFAULT_USER`."""
DEFAULT_PASSWORD = "ims-demo-2026"
"""The password of :data:`DEFAULT_USERNAME`."""

DEFAULT_STATUSES: tuple[str, ...] = (
    "NEW", "OPEN", "IN_PROGRESS", "INVESTIGATING", "RESOLVED", "CLOSED",
)
RESOLVED_STATUSES: frozenset[str] = frozenset({"RESOLVED", "CLOSED"})
"""Statuses that set ``resolved_date`` (moving away from them clears it)."""
DEFAULT_TYPES: tuple[str, ...] = (
    "OTHERS", "SYSTEM_FAILURE", "SECURITY", "PERFORMANCE", "MAINTENANCE",
)
DEFAULT_SEVERITIES: tuple[str, ...] = ("", "LOW", "MEDIUM", "HIGH", "MINOR", "MAJOR", "CRITICAL")
ATTRIBUTE_TYPES: tuple[str, ...] = ("BOOLEAN", "STRING", "NUMBER")
DEFAULT_ATTRIBUTES: dict[str, str] = {
    "workflowId": "STRING",
    "count": "NUMBER",
    "isPending": "BOOLEAN",
}
"""Attribute metadata defined by the "deployer" out of the box."""

REQUIRED_FIELDS: tuple[str, ...] = ("name", "status", "type", "date", "description", "reported_by")
OPTIONAL_DEFAULTS: dict[str, Any] = {
    "location": "",
    "severity": "",
    "next_update": 0,
    "resolved_date": None,
    "backdated": False,
}
"""Optional create/update fields and the zero values a full-replacement PUT resets them to."""


def _utc_seconds(value: datetime) -> str:
    # isoformat is several times faster than strftime, which matters for 50k sample rows.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19]


def rfc3339(value: datetime) -> str:
    """Whole-second RFC 3339 in UTC (``date``, ``resolved_date``, ``sent_at``)."""
    return _utc_seconds(value) + "Z"


def rfc3339_nano(value: datetime, extra_ns: int = 0) -> str:
    """RFC 3339 with nanoseconds the way Go's ``RFC3339Nano`` prints (trailing zeros cut)."""
    nanos = value.microsecond * 1000 + extra_ns % 1000
    base = _utc_seconds(value)
    fraction = f"{nanos:09d}".rstrip("0")
    return f"{base}.{fraction}Z" if fraction else f"{base}Z"


def parse_rfc3339(value: object) -> datetime | None:
    """A strict RFC 3339 timestamp (``T`` and an offset required), else ``None``."""
    if not isinstance(value, str) or "T" not in value:
        return None
    text = value.strip()
    if not (text[-1:] in ("Z", "z") or _OFFSET.search(text)):
        return None
    return parse_time(text)


_OFFSET = re.compile(r"[+-]\d\d:\d\d$")


@dataclass(frozen=True)
class Vocabulary:
    """The deployment's code tables (configurable, contract section 7)."""

    statuses: tuple[str, ...] = DEFAULT_STATUSES
    types: tuple[str, ...] = DEFAULT_TYPES
    severities: tuple[str, ...] = DEFAULT_SEVERITIES
    resolved: frozenset[str] = RESOLVED_STATUSES


def validate_incident(body: object, vocab: Vocabulary) -> tuple[dict[str, Any], list[str]]:
    """Check a create/update body; return the normalised editable fields and the problems.

    Required strings must be non-empty (Go ``validate:"required"``); optional fields left out
    get their zero values, which is what a full-replacement PUT does to them.
    """
    if not isinstance(body, dict):
        return {}, ["request body must be a JSON object"]
    errors: list[str] = []
    fields: dict[str, Any] = {}
    for name in REQUIRED_FIELDS:
        value = body.get(name)
        if not isinstance(value, str) or not value.strip():
            errors.append(f"{name} is required")
        else:
            fields[name] = value
    enums = (("status", vocab.statuses), ("type", vocab.types))
    for name, allowed in enums:
        if name in fields and fields[name] not in allowed:
            errors.append(f"{name} must be one of {', '.join(allowed)}")
    if "date" in fields:
        when = parse_rfc3339(fields["date"])
        if when is None:
            errors.append("date must be an RFC3339 date-time")
        else:
            fields["date"] = rfc3339(when)
    for name, default in OPTIONAL_DEFAULTS.items():
        fields[name] = body.get(name, default)
    if not isinstance(fields["location"], str):
        errors.append("location must be a string")
    severity = fields["severity"] if fields["severity"] is not None else ""
    fields["severity"] = severity
    if severity not in vocab.severities:
        errors.append(f"severity must be one of {', '.join(repr(s) for s in vocab.severities)}")
    next_update = fields["next_update"]
    if next_update is None:
        fields["next_update"] = 0
    elif isinstance(next_update, bool) or not isinstance(next_update, int) or next_update < 0:
        errors.append("next_update must be a non-negative integer (Unix seconds)")
    if fields["resolved_date"] is not None:
        resolved = parse_rfc3339(fields["resolved_date"])
        if resolved is None:
            errors.append("resolved_date must be an RFC3339 date-time or null")
        else:
            fields["resolved_date"] = rfc3339(resolved)
    if not isinstance(fields["backdated"], bool):
        errors.append("backdated must be a boolean")
    return fields, errors


def coerce_attribute(kind: str, value: Any) -> Any:
    """A value converted to the attribute's metadata type; ``ValueError`` when impossible.

    Strings are accepted for every type (the seed sends the NUMBER ``count`` as ``"5"``).
    """
    if kind == "STRING":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str | int | float):
            return str(value)
    elif kind == "NUMBER":
        if isinstance(value, int | float) and not isinstance(value, bool):
            return value
        if isinstance(value, str):
            try:
                return int(value.strip())
            except ValueError:
                try:
                    return float(value.strip())
                except ValueError:
                    pass
    elif kind == "BOOLEAN":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
    raise ValueError(f"value {value!r} is not a valid {kind}")


@dataclass
class Tenant:
    """One tenant's rows: incidents in creation order and comments per incident."""

    incidents: dict[str, dict[str, Any]] = field(default_factory=dict)
    comments: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)
    _ordered: list[dict[str, Any]] | None = None

    def rows(self) -> list[dict[str, Any]]:
        """Every incident, oldest first; cached until the set of rows changes."""
        if self._ordered is None:
            self._ordered = list(self.incidents.values())
        return self._ordered

    def add(self, row: dict[str, Any]) -> None:
        """Store a new incident (appended cheaply when the cache is warm)."""
        self.incidents[row["id"]] = row
        if self._ordered is not None:
            self._ordered.append(row)

    def remove(self, incident_id: str) -> None:
        """Drop an incident and its comments."""
        self.incidents.pop(incident_id, None)
        self.comments.pop(incident_id, None)
        self._ordered = None


def new_uuid(rng: random.Random) -> str:
    """A version-4 UUID drawn from ``rng`` so ids are reproducible."""
    # Set the version (4) and variant (10xx) bits by hand: uuid.UUID() is slow for 50k rows.
    bits = (rng.getrandbits(128) & ~(0xF000 << 64) & ~(0xC000 << 48)) | (0x4000 << 64) | (
        0x8000 << 48
    )
    text = f"{bits:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


@functools.lru_cache(maxsize=1024)
def user_id(user_name: str) -> str:
    """A stable user id for a display name (the emulator has no user directory)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"aoh-ims-user:{user_name}"))


_TYPE_OF_CATEGORY = {
    "infrastructure": "SYSTEM_FAILURE",
    "network": "SYSTEM_FAILURE",
    "security": "SECURITY",
    "application": "PERFORMANCE",
    "facilities": "MAINTENANCE",
    "safety": "OTHERS",
}
_SEVERITY_CODES: dict[str | None, Sequence[str]] = {
    "critical": ("CRITICAL",),
    "major": ("MAJOR", "MAJOR", "HIGH"),
    "minor": ("MINOR", "MEDIUM", "LOW"),
    None: ("",),
}
_ACK_CODES = ("OPEN", "OPEN", "IN_PROGRESS", "INVESTIGATING")


def sample_row(
    item: SampleIncident, *, now: datetime, rng: random.Random, tenant: str, seq: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """One sample incident (and its comments) in IMS shape.

    Some open incidents promise a ``next_update``, a few of them already overdue against
    ``now``; some carry custom attributes; resolved ones have a ``resolved_date``.
    """
    incident_id = new_uuid(rng)
    if item.status == "triggered":
        status = "NEW"
    elif item.status == "acknowledged":
        status = rng.choice(_ACK_CODES)
    else:
        status = rng.choice(("RESOLVED", "RESOLVED", "CLOSED"))
    next_update = 0
    if status not in RESOLVED_STATUSES and rng.random() < 0.6:
        # About a third of the promised updates are already late, the rest are due soon.
        minutes = rng.uniform(-240, -10) if rng.random() < 0.35 else rng.uniform(15, 240)
        next_update = int((now + timedelta(minutes=minutes)).timestamp())
    attributes: dict[str, Any] | None = None
    if rng.random() < 0.4:
        attributes = {"workflowId": new_uuid(rng)}
        if rng.random() < 0.6:
            attributes["count"] = rng.randint(1, 40)
        if rng.random() < 0.5:
            attributes["isPending"] = rng.random() < 0.5
    backdated = rng.random() < 0.1
    occurred = item.created_at - timedelta(minutes=rng.uniform(1, 600 if backdated else 20))
    updates = {"NEW": 0}.get(status, 1 if status not in RESOLVED_STATUSES else 2)
    updater = item.reporter if updates == 0 else rng.choice((DEFAULT_USER, item.reporter))
    row: dict[str, Any] = {
        "id": incident_id,
        "name": item.title,
        "status": status,
        "type": _TYPE_OF_CATEGORY.get(item.category, "OTHERS"),
        "date": rfc3339(occurred),
        "description": item.description,
        "reported_by": item.reporter,
        "attributes": attributes,
        "location": item.location,
        "severity": rng.choice(_SEVERITY_CODES[item.severity]),
        "next_update": next_update,
        "resolved_date": rfc3339(item.resolved_at) if item.resolved_at else None,
        "backdated": backdated,
        "created_at": rfc3339_nano(item.created_at, seq),
        "created_by": item.reporter,
        "updated_at": rfc3339_nano(item.updated_at, seq),
        "updated_by": updater,
        "tenant_id": tenant,
        "occ_lock": updates,
    }
    comments = []
    for index, note in enumerate(item.comments, start=1):
        stamp = rfc3339_nano(note.at, seq + index)
        comments.append(
            {
                "id": new_uuid(rng),
                "incident_id": incident_id,
                "user_id": user_id(note.author),
                "name": note.author,
                "text": note.body,
                "created_at": stamp,
                "created_by": note.author,
                "updated_at": stamp,
                "updated_by": note.author,
                "occ_lock": 0,
                "tenant_id": tenant,
            }
        )
    return row, comments


def token_table(tokens: Mapping[str, tuple[str, str]] | None) -> dict[str, tuple[str, str]]:
    """The accepted tokens: ``{token: (tenant_id, user_name)}``, the default one if none."""
    return dict(tokens) if tokens else {DEFAULT_TOKEN: (DEFAULT_TENANT, DEFAULT_USER)}
