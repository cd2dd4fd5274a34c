"""AOH IMS status and severity code tables (contracts/aoh-ims.md) and how a status code reads
against a remote's ``status_map``. Apart from the incident mapping, which needs the remote's
config model, so that the config can check its own write codes with the same reading."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

from incident_tui.domain.mapping import status_by_code
from incident_tui.domain.model import Severity, Status

STATUS_CODES: dict[str, Status] = {
    "NEW": Status.TRIGGERED,
    **dict.fromkeys(("OPEN", "IN_PROGRESS", "INVESTIGATING", "ACKNOWLEDGED"), Status.ACKNOWLEDGED),
    **dict.fromkeys(("RESOLVED", "CLOSED"), Status.RESOLVED),
}
SEVERITY_CODES: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    **dict.fromkeys(("HIGH", "MAJOR"), Severity.MAJOR),
    **dict.fromkeys(("MEDIUM", "MINOR", "LOW"), Severity.MINOR),
}

_Value = TypeVar("_Value")


def normal_code(value: object) -> str:
    """A code-table value normalised: upper case, spaces and dashes as underscores."""
    return str(value or "").strip().upper().replace(" ", "_").replace("-", "_")


def by_code(words: Mapping[str, _Value]) -> dict[str, _Value]:
    """A ``status_map`` or ``severity_map`` keyed by normalised codes."""
    return {normal_code(k): v for k, v in words.items()}


def known_status(raw: object, status_map: Mapping[str, str]) -> Status | None:
    """The common status the IMS status code ``raw`` reads as (``status_map`` first), or
    ``None`` where neither knows it (a pull shows it as triggered, with a warning)."""
    return status_by_code(normal_code(raw), STATUS_CODES, by_code(status_map))
