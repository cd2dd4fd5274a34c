"""AOH IMS ``occ_lock`` conflicts: the lock a full PUT sends, a conflict recognised in an
error answer (contract section 5.4), and our own write recognised behind one.

A stale lock answers 409 (or a lock-related 400), which surfaces as :class:`Conflict` for the
sync engine to merge; the connector never retries it blindly.
"""

from __future__ import annotations

import re
from typing import Any

import httpx

from incident_tui.domain import jsontext
from incident_tui.domain.mapping import parse_time
from incident_tui.domain.model import Incident
from incident_tui.remote.errors import Conflict, RemoteError

_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+")
"""The words of a message, also inside identifiers: ``OCC_LOCK_MISMATCH``, ``OccLock``,
``versionConflict`` and ``occ_lock_value`` each name the lock."""
_LOCK_WORDS = frozenset(
    {"occ", "occlock", "lock", "locked", "locking", "version", "conflict", "conflicts",
     "conflicting"}
)  # fmt: skip
"""Words that make a 400 a conflict. Whole words, so that "clock" or "blocked" do not."""


def about_lock(text: str) -> bool:
    """Whether an error message mentions the lock (contract section 5.4)."""
    return any(word.lower() in _LOCK_WORDS for word in _WORDS.findall(text))


def classify_conflict(response: httpx.Response, reason: str) -> RemoteError | None:
    """409, and a 400 about the lock, are conflicts (contract section 5.4). The lock may be
    named in any of the error body's messages or its code, not only those ``reason`` is
    made of (the top-level ``message`` is left out of it when ``errors`` has entries)."""
    status = response.status_code
    if status == 409 or status == 400 and about_lock(f"{reason} {_top_message(response)}"):
        return Conflict(f"HTTP {status}: {reason}", status=status)
    return None


def _top_message(response: httpx.Response) -> str:
    """The error body's ``errorCode``, ``errorMessage`` and ``message``, if it has them
    (the code may be all that names the lock: ``OCC_LOCK_MISMATCH``)."""
    try:
        body = jsontext.loads(response.content)
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return " ".join(str(body[k]) for k in ("errorCode", "errorMessage", "message") if body.get(k))


def lock_of(current: Incident) -> int:
    """The ``occ_lock`` to send with a full PUT of ``current``: the payload's, else the one
    its version token starts with (see :func:`~incident_tui.remote.aoh_ims_mapping.version_of`)."""
    lock = current.raw.get("occ_lock")
    if isinstance(lock, int):
        return lock
    token = (current.version or "").split("+", 1)[0]
    return int(token) if token.lstrip("-").isdigit() else 0


def holds_our_write(row: dict[str, Any], body: dict[str, Any]) -> bool:
    """Whether the server's ``row`` is exactly the PUT ``body`` we sent, one version on: our
    PUT landed before a lost answer and the retry then met its own lock change."""
    if row.get("occ_lock") != body["occ_lock"] + 1:
        return False
    for key, sent in body.items():
        have = row.get(key)
        if key in ("date", "resolved_date"):
            have, sent = parse_time(have), parse_time(sent)  # the server may reformat
        if key != "occ_lock" and have != sent:
            return False
    return True
