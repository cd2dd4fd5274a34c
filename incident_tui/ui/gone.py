"""Whether the incident a dialog was opened on is still there to send to, and what the
dialog says when it is not.

A sync may remove the incident while a comment or an edit of it is being written (someone
deleted it on the remote), or keep it, marked deleted there, while changes of it wait.
Sending then could only fail, and closing the dialog would take the text out of sight with
it: the dialog stays open with the text, to copy, and says why it cannot be sent. So does
the first escape: a draft kept for an incident that is gone could never come back.
"""

from __future__ import annotations

from typing import Any

from textual.screen import Screen

from incident_tui.domain.model import LOCAL_ID_PREFIX
from incident_tui.ui.services import Services

GONE_TIMEOUT = 12
"""Seconds the notice stays: long enough to read it and copy the text."""


def send_target(
    dialog: Screen[Any], services: Services, incident_id: str, name: str, what: str
) -> str | None:
    """The id to send ``what`` (``the comment``) to: ``incident_id``, or the remote's id
    once a create made here was sent. ``None`` when the cache no longer has the incident
    (called ``name``), or has it only for the changes that wait since it was deleted on the
    remote, once ``dialog`` said why it cannot be sent. A few primary-key reads, done when
    the user sends."""
    [now] = services.reader.current_ids([incident_id])
    if _sendable(services, now):
        return now
    _say_gone(dialog, services, now, name, what)
    return None


def kept_from_cancel(
    dialog: Screen[Any], services: Services, incident_id: str, name: str, what: str
) -> bool:
    """Whether escape must leave ``dialog`` open, once ``dialog`` said why: the incident
    (called ``name``) went while ``what`` (``the comment``) was being written. Its draft
    could never come back in a dialog (none opens on an incident that is gone), so closing
    would take the text out of sight for good; the next escape closes. A few primary-key
    reads, done when the user presses escape."""
    [now] = services.reader.current_ids([incident_id])
    if _sendable(services, now):
        return False
    _say_gone(dialog, services, now, name, what)
    return True


def _sendable(services: Services, incident_id: str) -> bool:
    reader = services.reader
    # One a sync found deleted on the remote is kept only for the changes that wait.
    return reader.exists(incident_id) and not reader.deleted_on_remote(incident_id)


def _say_gone(
    dialog: Screen[Any], services: Services, incident_id: str, name: str, what: str
) -> None:
    reason = cannot_send(services, incident_id, name, what)
    dialog.notify(reason, severity="error", markup=False, timeout=GONE_TIMEOUT)


def cannot_send(services: Services, incident_id: str, name: str, what: str) -> str:
    """One line: the incident ``name`` is gone, so ``what`` (``the comment``) cannot be
    sent, and the text stays in the dialog."""
    gone = services.reader.why_gone(incident_id)
    if gone is not None:
        why = gone
    elif services.reader.list_rows([incident_id]):
        why = "is being deleted"  # from another process on the cache: the row waits for it
    elif incident_id.partition(":")[2].startswith(LOCAL_ID_PREFIX):
        why = "was deleted before it reached its remote"
    else:
        why = "was deleted on the remote"
    return f"{name} {why}: {what} cannot be sent. Your text stays here to copy; escape closes."
