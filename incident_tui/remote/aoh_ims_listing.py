"""Reading the whole AOH IMS incident listing (``GET /v1/incident``): the shapes its answer
comes in, ``page``/``size`` paging, and when a listing counts as complete.

The API has no change feed, so every pull walks this listing from the start.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from incident_tui.domain import jsontext
from incident_tui.domain.mapping import warn_once
from incident_tui.remote.errors import BadResponse

log = logging.getLogger(__name__)

PAGE_SIZE = 100

Fetch = Callable[[dict[str, int] | None], Awaitable[Any]]
"""One ``GET /v1/incident`` with these query parameters, answering the envelope's payload."""


async def list_page(
    fetch: Fetch, params: dict[str, int] | None = None
) -> tuple[list[dict[str, Any]], int, list[Any]]:
    """One listing answer's incident rows, the ``total`` it reports, and the entries left
    out for want of an ``id`` (which ``total`` counts all the same)."""
    body = await fetch(params)
    total: Any
    if isinstance(body, list):
        rows, total = body, len(body)
    elif isinstance(body, dict) and isinstance(body.get("incidents"), list):
        rows, total = body["incidents"], body.get("total")
    else:
        # A missing or null list (a maintenance page, an empty ``data``) is no news about
        # the incidents: read as an empty listing it would mark every cached one deleted.
        raise BadResponse("GET /v1/incident: no incident list in the answer")
    keyed = [r for r in rows if isinstance(r, dict) and r.get("id") is not None]
    unkeyed = [r for r in rows if not isinstance(r, dict) or r.get("id") is None]
    if not isinstance(total, int) or isinstance(total, bool):
        total = len(rows)
    return keyed, total, unkeyed


async def all_rows(
    fetch: Fetch, remote: str, unkeyed: Callable[[], None] = lambda: None
) -> AsyncGenerator[tuple[list[dict[str, Any]], bool], None]:
    """Every row once, as ``(new rows, complete)`` batches; ``complete`` only on the last
    batch and only when as many distinct rows were seen as the largest ``total`` reported
    (a row deleted mid-listing shifts later pages, so a shortfall means rows were missed).

    A row without an ``id`` is left out with a warning, and ``unkeyed`` is called; it counts
    as seen, as ``total`` counts it: otherwise the listing would never be complete, and an
    incident deleted on the server would stay in the cache for good."""
    seen: set[str] = set()
    left: set[str] = set()  # by content: a page read twice must not count one twice

    def seen_count(page: list[dict[str, Any]], without_id: list[Any]) -> int:
        if without_id:
            warn_once(f"{remote}: AOH IMS listed an incident without an id; it is left out "
                      "and the others are synced")
            unkeyed()
        left.update(jsontext.dumps(r, sort_keys=True) for r in without_id)
        seen.update(str(r["id"]) for r in page)
        return len(seen) + len(left)

    rows, total, without_id = await list_page(fetch)
    most = total
    if seen_count(rows, without_id) >= most:
        yield rows, True
        return
    yield rows, False
    page = 1
    while True:
        batch, total, without_id = await list_page(fetch, {"page": page, "size": PAGE_SIZE})
        most = max(most, total)
        fresh = [r for r in batch if str(r["id"]) not in seen]
        if seen_count(fresh, without_id) >= most:
            yield fresh, True
            return
        if not batch or (not fresh and page > 1):
            if batch:
                log.warning(
                    "%s: the server seems to ignore page/size; listed %d of %d incidents",
                    remote,
                    len(seen),
                    most,
                )
            yield fresh, False
            return
        yield fresh, False
        page += 1
