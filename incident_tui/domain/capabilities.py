"""What each remote kind can do, as plain data, so the UI can grey out actions without
importing any HTTP code."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import Any


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
    CLEAR_SEVERITY = "clear_severity"
    """An incident's severity can be set to none (Kitehouse and OneUptime always keep one)."""
    DELETE = "delete"
    ATTACHMENTS = "attachments"
    """Files can be attached to incidents."""
    DELETE_ATTACHMENT = "delete_attachment"
    """Attached files can be deleted (OneUptime lists its postmortem files but has no way to
    delete them)."""
    DOWNLOAD = "download"
    """The files attached to an incident can be downloaded."""
    ATTRIBUTES = "attributes"
    INCREMENTAL = "incremental"
    PUBLIC_NOTES = "public_notes"
    """A comment can be posted as a public note (on the status page)."""
    PDF_REPORT = "pdf_report"
    """The remote renders an incident report as PDF."""
    DELETE_PREVIEW = "delete_preview"
    """A delete removes more than the incident, and the remote can say what first."""
    REMOTE_SUMMARIES = "remote_summaries"
    """The remote has its own dashboard figures and streamed handover summary."""
    CONTAINERS = "containers"
    """A new incident can go into one of several places (Revily services, 4HSE offices);
    the other kinds create every incident where their remote is configured."""


_COMMON = frozenset(
    {Capability.CREATE, Capability.ACKNOWLEDGE, Capability.RESOLVE, Capability.DELETE}
)

_WORKFLOW = _COMMON | {
    Capability.REOPEN,
    Capability.COMMENT,
    Capability.DELETE_COMMENT,
    Capability.EDIT,
    Capability.EDIT_SEVERITY,
}
"""The full incident workflow: the common actions plus reopening, comments and edits."""

KIND_CAPABILITIES: dict[str, frozenset[Capability]] = {
    "kitehouse": _WORKFLOW
    | {
        Capability.ATTACHMENTS,
        Capability.DELETE_ATTACHMENT,
        Capability.DOWNLOAD,
        Capability.INCREMENTAL,
        Capability.PDF_REPORT,
        Capability.REMOTE_SUMMARIES,
    },
    "fourhse": _COMMON
    | {Capability.REOPEN, Capability.EDIT, Capability.DELETE_PREVIEW, Capability.CONTAINERS},
    # Revily: no reopen (the state machine refuses it), no comments, no edit in the seed.
    "revily": _COMMON | {Capability.CONTAINERS},
    "oneuptime": _WORKFLOW
    | {
        Capability.INCREMENTAL,
        Capability.PUBLIC_NOTES,
        # Postmortem files only: OneUptime documents no route for a note's file.
        Capability.DOWNLOAD,
    },
    "aoh_ims": _WORKFLOW | {Capability.ATTRIBUTES, Capability.CLEAR_SEVERITY},
}


KIND_TITLES: dict[str, str] = {
    "kitehouse": "Kitehouse",
    "fourhse": "4HSE",
    "revily": "Revily",
    "oneuptime": "OneUptime",
    "aoh_ims": "AOH IMS",
}
"""Each kind's name as people know it."""

OCCURRED_AS_DAY = frozenset({"fourhse"})
"""Kinds whose incidents say only on which day they occurred (4HSE's ``date_incident``): shown
as the day, not as its midnight."""

LISTED_WITHOUT_DESCRIPTION = frozenset({"kitehouse"})
"""Kinds whose listing rows carry no description (their connector's ``summary_gaps``): until
the full record is read, an empty one says nothing about the remote's."""


DESCRIPTION_UNREAD = "Not loaded yet: it is read from the remote {when}."
"""What stands for a description :func:`description_unread` says was never read, in the TUI's
detail and in ``show`` alike; ``when`` says what reads it there."""


def description_unread(incident: Mapping[str, Any]) -> bool:
    """Whether a cached incident (a row as the reader gives it) has no description only
    because its full record was never read: the remote may well have one."""
    return (
        incident.get("kind") in LISTED_WITHOUT_DESCRIPTION
        and not incident.get("hydrated")
        and not incident.get("local_only")
        and not incident.get("description")
    )


LACKING: dict[Capability, str] = {
    Capability.REOPEN: "{title} cannot reopen an incident.",
    Capability.COMMENT: "{title} incidents take no comments.",
    Capability.DELETE_COMMENT: "{title} does not let comments be deleted.",
    Capability.EDIT: "{title} incidents cannot be edited from here.",
    Capability.EDIT_SEVERITY: "{title} incidents have no severity to edit.",
    Capability.CLEAR_SEVERITY: "{title} incidents always have a severity; it cannot be cleared.",
    Capability.DOWNLOAD: "{title} incidents have no files to download.",
    # Not "take no attachments": OneUptime incidents have files, only none added from here.
    Capability.ATTACHMENTS: "{title} does not let files be attached.",
    Capability.DELETE_ATTACHMENT: "{title} does not let attachments be deleted.",
    Capability.PDF_REPORT: "{title} has no PDF report of an incident.",
    Capability.ATTRIBUTES: "{title} incidents have no custom attributes.",
}
"""Why an action does nothing, per missing capability: the TUI's greyed-out key and the
command line's refusal say the same."""


ROUTED_DOWNLOADS: dict[str, str] = {
    "oneuptime": (
        "OneUptime has no download route for a note's files (only postmortem files can be "
        "saved)."
    ),
}
"""Kinds that can download a file only where their mapping gave it a route (``url``), with
why one without cannot be: OneUptime documents none for the files on a note."""


def no_download_route(kind: str | None, attachment: Mapping[str, Any]) -> str | None:
    """Why a file the remote has cannot be downloaded although its kind downloads files (the
    kind needs a route, the file has none: a OneUptime note's file); ``None`` when it can.
    ``attachment``: a cached attachment row, or one with the same ``url`` key."""
    if attachment.get("url"):
        return None
    return ROUTED_DOWNLOADS.get(kind or "")


def can(kind: str, capability: Capability) -> bool:
    """Whether remotes of ``kind`` support ``capability``."""
    return capability in KIND_CAPABILITIES.get(kind, frozenset())


def lacking(kind: str, capability: Capability) -> str | None:
    """Why incidents of ``kind`` cannot do ``capability``, for the user; None when they can."""
    if can(kind, capability):
        return None
    title = KIND_TITLES.get(kind, kind)
    return LACKING.get(capability, "{title} does not allow this.").format(title=title)
