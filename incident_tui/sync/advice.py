"""What a remote's failure means for the user, in a word or two and as a hint at what to do.

Read from the error text the cache keeps for each remote (``remote.last_error``), so the
status line, the remotes screen and the command line say the same, in this process or in
another one that reads the same cache.
"""

from __future__ import annotations

import re

from incident_tui.domain.text import clean
from incident_tui.remote.errors import UNTRUSTED_MARK

HTTP_STATUS = re.compile(r"\bHTTP (\d{3})\b")

CREDENTIALS_ADVICE = "Credentials refused: check this remote's token or login in the config."
CREDENTIALS_REFUSED = re.compile(r"\bHTTP 401\b|\bsign-in refused\b|\binvalid api key\b", re.I)
"""Errors that mean the remote refused who we said we are, whatever the status: a 401, a
sign-in server's refusal (Keycloak answers a wrong password with 400 ``invalid_grant``)
and OneUptime's 400 "Invalid API Key"."""

ADVICE = {
    "HTTP 401": CREDENTIALS_ADVICE,
    "HTTP 403": "Access refused: check this remote's token and its permissions.",
    "HTTP 429": "Rate limited: the next pass waits as long as the remote asked.",
}
"""What to do about the usual failures, by :func:`short_error`."""

OFFLINE_ADVICE = "Cannot reach the remote; changes stay queued until it answers."
UNTRUSTED_ADVICE = (
    "The remote's certificate is not trusted here: changes stay queued until it is."
)


def untrusted(error: str | None) -> bool:
    """Whether a remote is out of reach because we refuse its certificate: it may well
    answer, but waiting will not help."""
    return UNTRUSTED_MARK in (error or "")


def short_error(error: str | None) -> str:
    """A failing remote's error in a word or two: ``HTTP 401``, or ``failing`` when the
    error names no HTTP status."""
    found = HTTP_STATUS.search(clean(error, single_line=True))
    return f"HTTP {found.group(1)}" if found else "failing"


def advice(state: str, error: str | None) -> str:
    """What to do about a remote in ``state`` (``failing``, ``offline``, ...) whose last
    error was ``error``, for the usual causes; empty otherwise."""
    if state == "failing":
        if CREDENTIALS_REFUSED.search(clean(error, single_line=True)):
            return CREDENTIALS_ADVICE
        return ADVICE.get(short_error(error), "")
    if state == "offline":
        return UNTRUSTED_ADVICE if untrusted(error) else OFFLINE_ADVICE
    return ""
