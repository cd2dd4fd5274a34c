"""The common incident model that every connector maps to and the cache stores.

Pure Python: nothing here imports httpx, SQLModel or Textual, so every layer can use it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class Status(StrEnum):
    """Lifecycle state in the common vocabulary (contracts/README.md)."""

    TRIGGERED = "triggered"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


STATUS_ALIASES: dict[str, Status] = {
    "new": Status.TRIGGERED,
    "open": Status.ACKNOWLEDGED,
    "closed": Status.RESOLVED,
}
"""The other names of the common statuses (contracts/README.md), taken wherever a user types
a status word (``list --status``, a ``status_map``) and read as the canonical word."""


class Severity(StrEnum):
    """Severity in the common vocabulary; systems without severity map to ``None``."""

    CRITICAL = "critical"
    MAJOR = "major"
    MINOR = "minor"


SEVERITY_RANK: dict[Severity | None, int] = {
    Severity.CRITICAL: 0,
    Severity.MAJOR: 1,
    Severity.MINOR: 2,
    None: 3,
}
"""Sort order of severities, most severe first."""

KINDS: tuple[str, ...] = ("kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims")
"""Every supported remote kind, as written in the config file."""
LOCAL_ID_PREFIX = "local-"
"""How the remote id of an incident created here begins until its remote accepts it."""


class ChangeKind(StrEnum):
    """What a queued local change asks the remote to do."""

    CREATE = "create"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    COMMENT = "comment"
    EDIT = "edit"
    DELETE = "delete"
    DELETE_COMMENT = "delete_comment"
    ATTACH = "attach"
    DELETE_ATTACHMENT = "delete_attachment"
    SET_ATTRIBUTE = "set_attribute"


STATUS_CHANGES: dict[ChangeKind, Status] = {
    ChangeKind.ACKNOWLEDGE: Status.ACKNOWLEDGED,
    ChangeKind.RESOLVE: Status.RESOLVED,
    ChangeKind.REOPEN: Status.TRIGGERED,
}
"""The status each status-changing action leads to (on most kinds: see :func:`status_after`)."""

REOPENED_TO: dict[str, Status] = {"fourhse": Status.ACKNOWLEDGED}
"""Remote kinds whose reopen does not lead back to triggered: 4HSE reopens by writing
``open`` (contracts/README.md, transition writes), which is its acknowledged status. The other
kinds write their triggered (created) status."""


def status_after(op: ChangeKind, kind: str) -> Status:
    """The status the change ``op`` leads to on a remote of ``kind``: what the incident shows
    while the change is queued, the same as the remote will have once it is sent."""
    if op is ChangeKind.REOPEN:
        return REOPENED_TO.get(kind, STATUS_CHANGES[op])
    return STATUS_CHANGES[op]

EDITABLE_FIELDS: tuple[str, ...] = ("title", "description", "severity")
"""Fields a user may edit locally (ChangeKind.EDIT)."""


@dataclass(slots=True)
class Comment:
    """One comment (or note) on an incident."""

    remote_id: str
    body: str
    created_at: datetime | None = None
    author: str | None = None
    visibility: str | None = None
    """``"public"`` or ``"internal"`` where the system distinguishes them (OneUptime notes)."""


@dataclass(slots=True)
class Attachment:
    """Metadata of a file attached to an incident; the bytes stay on the remote."""

    remote_id: str
    name: str
    content_type: str | None = None
    url: str | None = None
    size: int | None = None


@dataclass(slots=True)
class Incident:
    """An incident in the common model, as a connector maps it from its remote.

    ``comments`` and ``attachments`` are ``None`` when the remote's listing does not carry them
    (a summary row); the sync engine then fetches the full incident when it needs them.
    """

    remote: str
    kind: str
    remote_id: str
    title: str
    status: Status
    status_raw: str
    created_at: datetime
    ref: str | None = None
    container: str | None = None
    description: str | None = None
    severity: Severity | None = None
    severity_raw: str | None = None
    category: str | None = None
    occurred_at: datetime | None = None
    updated_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    reporter: str | None = None
    assignees: list[str] = field(default_factory=list)
    custom_fields: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    """The remote's own fields worth showing (people involved, office, labels, ...)."""
    version: str | None = None
    raw: dict[str, Any] = field(default_factory=dict)
    comments: list[Comment] | None = None
    attachments: list[Attachment] | None = None
    day_only: frozenset[str] = frozenset()
    """Time fields the remote gave as a calendar day alone (set to that day's start in the
    user's zone). The store keeps a more precise time it knows within that day (see
    :func:`incident_tui.store.days.settled_times`); nothing of this is stored."""
    unknown_times: frozenset[str] = frozenset()
    """Time fields the remote has no field for at all (4HSE keeps no update or
    acknowledgement time), so that an empty one here says nothing about the incident. The
    store keeps the time it has for them (see :func:`incident_tui.store.days.kept_times`):
    what this cache saw happen, such as the user's acknowledge, is not lost to a pull."""

    @property
    def id(self) -> str:
        """The stable local key, ``"<remote name>:<remote id>"``."""
        return f"{self.remote}:{self.remote_id}"


@dataclass(frozen=True, slots=True)
class SummaryGaps:
    """What a kind's listing rows (summaries) leave out that its full record carries.

    An empty value of one of these in a summary means "not in this row", not "cleared": the
    cache keeps what the last full record said until the engine reads the full record again.
    """

    fields: frozenset[str] = frozenset()
    """:class:`Incident` attributes, from :data:`GAP_FIELDS`."""
    extra: frozenset[str] = frozenset()
    """Keys of ``Incident.extra``."""

    def __post_init__(self) -> None:
        unknown = self.fields - GAP_FIELDS
        if unknown:
            raise ValueError(f"not a field a summary can leave out: {sorted(unknown)}")

    def __bool__(self) -> bool:
        return bool(self.fields or self.extra)


GAP_FIELDS = frozenset(
    {"description", "category", "reporter", "assignees", "custom_fields", "occurred_at",
     "acknowledged_at", "resolved_at"}
)  # fmt: skip
"""The common fields a summary may lack; ids, title, status and times of change it never does."""


@dataclass(slots=True)
class Draft:
    """A new incident as the user writes it, before any remote has seen it."""

    title: str
    description: str | None = None
    severity: Severity | None = None
    container: str | None = None
    """Where it goes when the remote has several places (a Revily service, a 4HSE office)."""
    made_at: datetime | None = None
    """When the user made it (queued the create), for a remote that dates a new incident by
    its day (4HSE's ``date_incident``): one made offline is sent later. ``None``: now."""


def incident_id(remote: str, remote_id: str) -> str:
    """Build the local id of an incident from its remote name and remote id."""
    return f"{remote}:{remote_id}"


def split_id(local_id: str) -> tuple[str, str]:
    """Split a local id into remote name and remote id; raise ``ValueError`` if malformed."""
    remote, sep, remote_id = local_id.partition(":")
    if not sep or not remote or not remote_id:
        raise ValueError(f"not an incident id (want REMOTE:ID): {local_id!r}")
    return remote, remote_id
