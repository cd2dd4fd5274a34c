"""The remote's own words for an incident's status and severity, as shown beside ours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

WORDS = ("status_raw", "severity_raw")


def remote_words(incident: Mapping[str, Any]) -> dict[str, Any]:
    """``status_raw`` and ``severity_raw`` of a stored incident as the remote last said them.

    In a conflict that is the remote's side of it: the stored words are from before, and
    "acknowledged (remote: triggered)" beside a remote that has resolved it told something
    untrue. A conflict kept before the words were (no ``theirs_raw``) leaves the stored ones.
    """
    words = {name: incident.get(name) for name in WORDS}
    info = incident.get("conflict")
    theirs = info.get("theirs_raw") if isinstance(info, Mapping) else None
    if isinstance(theirs, Mapping):
        words.update((name, theirs[name]) for name in WORDS if theirs.get(name) is not None)
    return words
