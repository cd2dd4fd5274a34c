"""Creating a Kitehouse incident (contracts/kitehouse.md, ambiguity #7) around the connector's
POST: a title cannot be given on create, so the POST is followed by a full PUT with the title
and our idempotency key. This module holds the category and source a POST needs when the
config names none, that PUT half, and, for a create that may have happened, telling ours from
the other incidents created about then.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Awaitable, Callable
from datetime import datetime, timedelta
from typing import Any

from incident_tui.config_remotes import KitehouseRemote
from incident_tui.domain.model import Draft, Incident
from incident_tui.remote.errors import NotFound, Refused, RemoteError
from incident_tui.remote.http import Http
from incident_tui.remote.kitehouse_mapping import (
    create_changes,
    created_key,
    put_body,
    ref_id,
)

CREATE_SLACK = timedelta(minutes=5)
"""How far before ``since`` find_created looks, for clock skew between us and the server."""


def learned_refs(rows: list[dict[str, Any]], remote: str) -> tuple[str, str]:
    """The category and source ids most common among ``rows``, for a create on a remote whose
    config names neither; :class:`Refused` when the rows carry none."""
    common = [Counter(i for i in (ref_id(r.get(key)) for r in rows) if i).most_common(1)
              for key in ("category", "source")]
    if not all(common):
        raise Refused(f"cannot create on {remote!r}: set default_category_id and "
                      "default_source_id (no incidents to learn them from)")
    return common[0][0][0], common[1][0][0]


async def finish_create(http: Http, path: str, raw: dict[str, Any], draft: Draft, key: str, *,
                        remote: str, config: KitehouseRemote, cleanup: bool) -> None:
    """The PUT half of a create: title, description, priority and our key."""
    changes = create_changes(raw, draft, key, remote=remote, config=config)
    try:
        await http.request("PUT", path, json=put_body(raw, changes, remote=remote, config=config))
    except RemoteError as error:
        if cleanup and not error.retryable:
            # Refused for good: do not leave an untitled incident behind.
            with contextlib.suppress(RemoteError):
                await http.request("DELETE", path)
        raise


async def ours_or_orphan(get: Callable[[str], Awaitable[Incident]], candidates: list[str],
                         key: str, since: datetime) -> tuple[Incident | None, Incident | None]:
    """Read the ``candidates`` (:func:`.kitehouse_listing.created_candidates`) until one carries
    ``key``: ``(that one, None)``. Else ``(None, orphan)``, the untitled incident without a key
    to finish (one created since ``since`` first, the earliest), or ``(None, None)``."""
    orphans: list[Incident] = []
    for remote_id in candidates:
        try:
            incident = await get(remote_id)
        except NotFound:
            continue
        owner = created_key(incident.raw)
        if owner == key:
            return incident, None
        if not incident.title and owner is None:
            orphans.append(incident)
    if not orphans:
        return None, None
    return None, min(orphans, key=lambda i: (i.created_at < since, i.created_at))
