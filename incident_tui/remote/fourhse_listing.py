"""Walking a 4HSE ``index`` listing (contracts/fourhse.md §5.1, §5.6) page by page.

``POST /v2/{resource}/index`` takes ``filter``, ``per-page``, ``page`` and ``sort`` in a JSON
body and answers a bare array, with ``X-Pagination-*`` headers for the page count and total.
Sending one request is the connector's HTTP; this module holds what is done with the pages:
where a listing ends (the page count, or without the headers a short page or a page with
nothing new) and whether the listing moved while it was read.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Awaitable, Callable
from typing import Any

import httpx

from incident_tui.remote.errors import BadResponse

PER_PAGE = 100
"""The documented default and assumed maximum page size."""
PostIndex = Callable[[str, dict[str, Any]], Awaitable[tuple[httpx.Response, Any]]]
"""One ``POST /v2/{resource}/index`` with this JSON body: the response and its parsed JSON."""


async def pages(
    post: PostIndex, resource: str, flt: dict[str, Any], key: str, sort: str | None = None
) -> AsyncGenerator[tuple[list[dict[str, Any]], bool, bool | None], None]:
    """Yield ``(rows, last, shifted)`` for pages 1..X-Pagination-Page-Count (without the
    headers: until a short page). ``shifted`` turns true once the total count changed
    mid-listing, i.e. rows may have moved between pages, and on the last page when fewer
    distinct rows came than the total counts (rows that share their ``sort`` value may come
    in another order on each request: one came twice, another never); it is ``None`` when
    the server tells no total, so whether they moved cannot be known."""
    page, total, shifted = 1, None, False
    seen: set[str] = set()
    unnamed = 0  # rows without a ``key``: the total counts them all the same
    while True:
        body: dict[str, Any] = {"filter": flt, "per-page": PER_PAGE, "page": page}
        if sort:
            body["sort"] = sort
        response, rows = await post(resource, body)
        # An empty or ``null`` body is no list at all: read as an empty page it would end the
        # listing there and mark every cached incident deleted.
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise BadResponse(f"4HSE {resource}/index: expected a JSON array of objects")
        count = _header_int(response, "X-Pagination-Page-Count")
        now_total = _header_int(response, "X-Pagination-Total-Count")
        if total is None:
            total = now_total
        shifted = shifted or now_total != total
        fresh = {str(r[key]) for r in rows if r.get(key) not in (None, "")} - seen
        seen |= fresh
        unnamed += sum(1 for r in rows if r.get(key) in (None, ""))
        if count is not None:
            last = page >= count
        else:
            per_page = _header_int(response, "X-Pagination-Per-Page") or PER_PAGE
            # A server that repeats its last page for pages beyond the end would loop.
            last = len(rows) < per_page or not fresh
        if last and total is not None and len(seen) + unnamed < total:
            shifted = True
        yield rows, last, None if total is None else shifted
        if last:
            return
        page += 1


def _header_int(response: httpx.Response, name: str) -> int | None:
    value = response.headers.get(name)
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None
