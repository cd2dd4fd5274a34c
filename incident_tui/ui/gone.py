"""Whether the incident a dialog was opened on is still there to send to, and what the
dialog says when it is not.

A sync may remove the incident while a comment or an edit of it is being written (someone
deleted it on the remote), or keep it, marked deleted there, while changes of it wait.
Sending then could only fail, and closing the dialog would take the text out of sight with
it: the dialog stays open with the text, to copy, and says why it cannot be sent.
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
    reader = services.reader
    # One a sync found deleted on the remote is kept only for the changes that wait.
    if reader.exists(now) and not reader.deleted_on_remote(now):
        return now
    reason = cannot_send(services, now, name, what)
    dialog.notify(reason, severity="error", markup=False, timeout=GONE_TIMEOUT)
    return None


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
