"""A remote's pause: the time a ``Retry-After`` on its listing asked us to leave it alone
until, as the cache keeps it (``remote.hold_until``). Read by the sync engine (no pass until
then) and by what needs the remote now (downloads, exports, look-ups), so no process on the
cache sends it a request before the time it named.
"""

from __future__ import annotations

import re
from datetime import datetime

from incident_tui.clock import from_db_or_none, time_of_day

_NOTE = re.compile(r";? ?paused until \S+ as the remote asked$")

STORAGE_WAIT = "storage_wait"
"""Payload key of an upload whose wait (``next_try_at``) the remote's attachment storage asked
for, not its API: it holds the remote's uploads alone, and its other changes go."""


def pause_note(until: datetime) -> str:
    """``paused until 03:14:20 as the remote asked``: what a failed pass's error ends with
    when the remote asked for a pause (the ``sync`` line and the remotes screen show it)."""
    return f"paused until {time_of_day(until)} as the remote asked"


def without_pause_note(reason: str) -> str:
    """``reason`` without its :func:`pause_note`, for a message that names the time itself."""
    return _NOTE.sub("", reason) or reason


def pause_left(
    hold_until: str | None, last_error: str | None, now: datetime
) -> tuple[datetime, str] | None:
    """Until when and why the remote gets no request, from its state row's ``hold_until``
    and ``last_error``: ``None`` when it asked for no pause, or the pause is over at ``now``
    (or the stored time cannot be read: a damaged row must not silence a remote)."""
    until = from_db_or_none(hold_until)
    if until is None or until <= now:
        return None
    return until, str(last_error or pause_note(until))
