"""AOH IMS records in the common model (contracts/aoh-ims.md): status and severity codes read
with the code tables (the remote's ``status_map`` and ``severity_map`` first), the severity
code to write back, and incident and comment objects mapped to :class:`Incident` and
:class:`Comment`."""

from __future__ import annotations

import hashlib
from typing import Any

from incident_tui.clock import system_clock
from incident_tui.config_remotes import AohImsRemote
from incident_tui.domain import jsontext
from incident_tui.domain.mapping import format_time, parse_time, status_from_code, text_of
from incident_tui.domain.model import Comment, Incident, Severity, Status
from incident_tui.remote.aoh_ims_codes import SEVERITY_CODES, STATUS_CODES, by_code, normal_code
from incident_tui.remote.errors import Refused

NO_DESCRIPTION = "(no description)"
"""Sent when a description is empty: the API requires a non-empty one. Read back as none,
so it is never shown, searched or edited as text someone wrote."""
SEVERITY_WRITE = {Severity.CRITICAL: "CRITICAL", Severity.MAJOR: "MAJOR", Severity.MINOR: "MINOR"}
"""The code written for a common severity when ``severity_map`` names none."""


def version_of(row: dict[str, Any], attributes: Any) -> str | None:
    """The incident's version token: ``occ_lock`` as text (contract section 8), followed by
    a digest of the attribute values when it has any (``7+3f2a9c01b4d2``).

    Attribute writes need not move ``occ_lock`` (contract section 5.6), and the cache keeps a
    pulled row whose token did not move, so the lock alone would keep old values for good."""
    lock = row.get("occ_lock")
    if lock is None:
        return None
    if not isinstance(attributes, dict) or not attributes:
        return str(lock)
    text = jsontext.dumps(attributes, sort_keys=True).encode()
    return f"{lock}+{hashlib.sha1(text, usedforsecurity=False).hexdigest()[:12]}"


def written_code(key: str) -> str:
    """The code to write for ``severity_map`` key ``key``: one of the contract's codes in
    its spelling (``major`` as MAJOR), another code as the key has it.

    A key matches the remote's codes in any case (:func:`by_code`), so ``major`` was a
    valid key but, sent as typed, refused by a server whose code table holds MAJOR. The
    contract's codes are written in its spelling anyway (:data:`SEVERITY_WRITE`); a
    deployment's own code (``SEV-1``) is known only as the user wrote it."""
    code = normal_code(key)
    return code if code in SEVERITY_CODES else key


class ImsMapping:
    """One AOH IMS remote's code tables and its incident objects in the common model."""

    def __init__(self, config: AohImsRemote, *, kind: str) -> None:
        self.cfg = config
        self.name = config.name
        self.kind = kind
        self._status_map = by_code(config.status_map)
        self._severity_map = by_code(config.severity_map)

    def status(self, raw: object) -> Status:
        """The common status of an IMS status code (``status_map`` first)."""
        return status_from_code(normal_code(raw), STATUS_CODES, self._status_map, remote=self.name)

    def severity(self, raw: object) -> Severity | None:
        """The common severity of an IMS severity code (``severity_map`` first)."""
        code = normal_code(raw)
        if code in self._severity_map:
            value = self._severity_map[code]
            return Severity(value) if value else None
        return SEVERITY_CODES.get(code)

    def severity_code(self, severity: Severity | None, current: object = "") -> str:
        """The IMS code to write for a common severity; keeps ``current`` when it already
        means that severity (a deployment may use HIGH where we would write MAJOR). Else the
        one ``severity_map`` names for it, else a default code that still reads back as it;
        :class:`Refused` when there is none."""
        if severity is None:
            return ""
        if current and self.severity(current) == severity:
            return str(current)
        for code, value in self.cfg.severity_map.items():
            if value == severity.value:
                return written_code(code)
        # A default code ``severity_map`` gives another meaning would be read back as that.
        defaults = [SEVERITY_WRITE[severity], *SEVERITY_CODES]
        for code in defaults:
            if SEVERITY_CODES.get(code) == severity and self.severity(code) == severity:
                return code
        raise Refused(
            f"the severity_map of {self.name} leaves no AOH IMS code that reads back as "
            f"{severity.value}: map the code to write for it to {severity.value!r} there"
        )

    def to_incident(self, row: dict[str, Any], comments: list[Comment] | None = None) -> Incident:
        """Map one IMS incident object to the common model."""
        status_raw = str(row.get("status") or "")
        severity_raw = row.get("severity")
        attributes = row.get("attributes")
        if not isinstance(attributes, dict):
            attributes = row.get("attribute")
        created = parse_time(row.get("created_at")) or parse_time(row.get("date"))
        next_update = row.get("next_update")
        status = self.status(status_raw)
        return Incident(
            remote=self.name,
            kind=self.kind,
            remote_id=str(row["id"]),
            title=str(row.get("name") or ""),
            status=status,
            status_raw=status_raw,
            created_at=created or system_clock(),
            ref=None,
            container=str(row["tenant_id"]) if row.get("tenant_id") else None,
            description=_description(row.get("description")),
            severity=self.severity(severity_raw),
            severity_raw=str(severity_raw) if severity_raw else None,
            category=str(row["type"]) if row.get("type") else None,
            occurred_at=parse_time(row.get("date")),
            updated_at=parse_time(row.get("updated_at")),
            # Clients write resolved_date, and one that moves an incident back to open may
            # leave it: it says when it was resolved only while it still is.
            resolved_at=(
                parse_time(row.get("resolved_date")) if status is Status.RESOLVED else None
            ),
            reporter=text_of(row.get("reported_by")) or None,
            custom_fields=dict(attributes) if isinstance(attributes, dict) else {},
            extra={
                "type": row.get("type"),
                "location": row.get("location") or None,
                "next_update": format_time(parse_time(next_update)) if next_update else None,
                "backdated": bool(row.get("backdated")),
                "created_by": row.get("created_by"),
                "updated_by": row.get("updated_by"),
            },
            version=version_of(row, attributes),
            raw=row,
            comments=comments,
            attachments=[],  # the API has no attachments at all
        )


def _description(value: object) -> str | None:
    """The incident's description; none where it is the placeholder sent for none."""
    text = text_of(value)
    return None if text is not None and text.strip() == NO_DESCRIPTION else text


def to_comment(row: dict[str, Any]) -> Comment:
    """Map one IMS comment object."""
    return Comment(
        remote_id=str(row.get("id")),
        body=str(row.get("text") or ""),
        created_at=parse_time(row.get("created_at")),
        author=text_of(row.get("name") or row.get("created_by")) or None,
    )
