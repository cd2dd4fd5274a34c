"""Reading the whole AOH IMS incident listing (``GET /v1/incident``): the shapes its answer
comes in, ``page``/``size`` paging, and when a listing counts as complete.

The API has no change feed, so every pull walks this listing from the start.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

from incident_tui.remote.errors import BadResponse

log = logging.getLogger(__name__)

PAGE_SIZE = 100

Fetch = Callable[[dict[str, int] | None], Awaitable[Any]]
"""One ``GET /v1/incident`` with these query parameters, answering the envelope's payload."""


async def list_page(
    fetch: Fetch, params: dict[str, int] | None = None
) -> tuple[list[dict[str, Any]], int]:
    """One listing answer's incident rows and the ``total`` it reports."""
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
    rows = [r for r in rows if isinstance(r, dict) and r.get("id") is not None]
    if not isinstance(total, int) or isinstance(total, bool):
        total = len(rows)
    return rows, total


async def all_rows(
    fetch: Fetch, remote: str
) -> AsyncGenerator[tuple[list[dict[str, Any]], bool], None]:
    """Every row once, as ``(new rows, complete)`` batches; ``complete`` only on the last
    batch and only when as many distinct rows were seen as the largest ``total`` reported
    (a row deleted mid-listing shifts later pages, so a shortfall means rows were missed)."""
    rows, total = await list_page(fetch)
    seen = {str(r["id"]) for r in rows}
    most = total
    if len(seen) >= most:
        yield rows, True
        return
    yield rows, False
    page = 1
    while True:
        batch, total = await list_page(fetch, {"page": page, "size": PAGE_SIZE})
        most = max(most, total)
        fresh = [r for r in batch if str(r["id"]) not in seen]
        seen.update(str(r["id"]) for r in fresh)
        if len(seen) >= most:
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
