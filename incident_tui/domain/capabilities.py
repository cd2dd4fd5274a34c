"""What each remote kind can do, as plain data, so the UI can grey out actions without
importing any HTTP code."""

from __future__ import annotations

from enum import StrEnum


class Capability(StrEnum):
    """What a remote kind can do beyond listing and reading."""

    CREATE = "create"
    ACKNOWLEDGE = "acknowledge"
    RESOLVE = "resolve"
    REOPEN = "reopen"
    COMMENT = "comment"
    DELETE_COMMENT = "delete_comment"
    EDIT = "edit"
    EDIT_SEVERITY = "edit_severity"
    DELETE = "delete"
    ATTACHMENTS = "attachments"
    ATTRIBUTES = "attributes"
    INCREMENTAL = "incremental"


_COMMON = frozenset(
    {Capability.CREATE, Capability.ACKNOWLEDGE, Capability.RESOLVE, Capability.DELETE}
)

KIND_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "kitehouse": _COMMON
    | {
        Capability.REOPEN,
        Capability.COMMENT,
        Capability.DELETE_COMMENT,
        Capability.EDIT,
        Capability.EDIT_SEVERITY,
        Capability.ATTACHMENTS,
        Capability.INCREMENTAL,
    },
    "fourhse": _COMMON | {Capability.REOPEN, Capability.EDIT},
    # Revily: no reopen (the state machine refuses it), no comments, no edit in the seed.
    "revily": _COMMON,
    "oneuptime": _COMMON
    | {
        Capability.REOPEN,
        Capability.COMMENT,
        Capability.DELETE_COMMENT,
        Capability.EDIT,
        Capability.EDIT_SEVERITY,
        Capability.INCREMENTAL,
    },
    "aoh_ims": _COMMON
    | {
        Capability.REOPEN,
        Capability.COMMENT,
        Capability.DELETE_COMMENT,
        Capability.EDIT,
        Capability.EDIT_SEVERITY,
        Capability.ATTRIBUTES,
    },
}


def can(kind: str, capability: Capability) -> bool:
    """Whether remotes of ``kind`` support ``capability``."""
    return capability in KIND_CAPABILITIES.get(kind, frozenset())
