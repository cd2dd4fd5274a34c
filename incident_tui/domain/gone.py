"""Why an incident kept in the cache only for the changes that wait is no longer on its
remote: a sync found it deleted there, or its remote now points at another system, which
does not have it. The reason is the conflict's, and the words each message uses follow it."""

from __future__ import annotations

import json
from collections.abc import Mapping

GONE_REASON = "deleted on the remote"
"""The reason of the conflict an incident deleted on the remote while changes of it wait
is kept with."""

MOVED_REASON = "its remote now points at another system, which does not have it"
"""The reason of the conflict an incident of the system a remote pointed at before is kept
with (the changes of it waiting): the new system cannot have it, so nothing of it can be
sent there, and saying it was deleted would tell of something that did not happen."""

GONE_REASONS = (GONE_REASON, MOVED_REASON)
"""Every reason an incident is kept as gone from its remote."""


def moved_away(conflict: object) -> bool:
    """Whether ``conflict`` (its JSON text, or the decoded mapping) keeps an incident of the
    system its remote pointed at before."""
    if isinstance(conflict, str):
        try:
            conflict = json.loads(conflict)
        except ValueError:
            return False
    return isinstance(conflict, Mapping) and conflict.get("reason") == MOVED_REASON


def gone_words(conflict: object) -> str:
    """What happened to an incident gone from its remote, after its name: ``was deleted on
    the remote``, or ``is not on the system its remote now points at``."""
    if moved_away(conflict):
        return "is not on the system its remote now points at"
    return "was deleted on the remote"
