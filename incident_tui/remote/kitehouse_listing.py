"""Walking a Kitehouse site's incident list (contracts/kitehouse.md §6) page by page.

The list is paged with ``page`` and ``limit``; a short page (short of ``limit``, or of the
server's cap on it) is the end. Whether pages count from 0 or 1 is not documented: page 0
is asked for once and compared with page 1 (:func:`first_page`). How the server really
pages is not known in advance either, so the walk also notices a page it has seen before
and stops there. Reading one page is the connector's HTTP; this module holds what is done
with the pages: where a walk starts and stops, which rows are new, and which rows may be
our own create.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, Literal, NamedTuple

from incident_tui.config_remotes import KITEHOUSE_LIMIT_CAP
from incident_tui.domain.mapping import parse_time
from incident_tui.remote.errors import Refused

WalkEnd = Literal["end", "since", "repeat"]
"""How a walk through the site's list ended (see :func:`walk`)."""


class Listed(NamedTuple):
    """One page of the list: the rows that can be keyed (each with an ``_id`` of text) and
    how many entries the server sent, those left out included: only that count tells a
    short page, the end of the list, from a full one missing a row."""

    rows: list[dict[str, Any]]
    sent: int


ReadRows = Callable[[int, str | None], Awaitable[Listed]]
"""Reads one page of list rows: ``(page, sortBy)``."""


PAGE_ZERO_REFUSALS = tuple(
    status for status in range(400, 500) if status not in (401, 403, 407, 408, 429)
)
"""Answers to page 0 that mean the server counts from 1: it refuses the page (400, 404,
422, ...). A busy server (408, 429) tells nothing about its pages, nor does one refusing
the credentials (401, 403, 407: a token rotating, a proxy): those fail the pass as on any
page, and page 0 is asked again at the next."""

ReadFirst = Callable[[int, str | None], Awaitable[Listed | None]]
"""Reads page 0 as :data:`ReadRows` does: :class:`Refused` when the server refuses it, ``None``
when it answered with a server error every time (its own fault, or the page's: cannot tell)."""


async def first_page(read_zero: ReadFirst, read: ReadRows, sort: str | None) -> int | None:
    """The number of the server's first list page: 0 when page 0 brings other rows than
    page 1 (a server counting from 0), 1 when it brings mostly the same ones (one counting
    from 1 reads page 0 as page 1) or ``read_zero`` refuses it; ``None`` when it cannot tell
    yet (no rows on page 0, or only server errors: a server counting from 1 may fail on
    page 0, say from a negative offset, but a passing fault of one counting from 0 looks
    the same, and taking it for good would hide that one's newest page). Mostly: an
    incident created between the two requests moves a row along."""
    try:
        listed = await read_zero(0, sort)
    except Refused:
        return 1
    if listed is None or not listed.rows:
        return None
    zero = [row["_id"] for row in listed.rows]
    one = {row["_id"] for row in (await read(1, sort)).rows}
    shared = sum(1 for row_id in zero if row_id in one)
    return 1 if shared * 2 >= len(zero) else 0


CURSOR_FROM_0 = "|page0"
"""What a cursor ends with when the server counts its pages from 0: an incremental walk,
one request when nothing changed, must start at the right page without asking."""


def cursor_for(version: str | None, first: int | None) -> str | None:
    """The sync cursor after a walk whose newest row has ``version`` (its ``updated_at``),
    on a server whose first page is ``first``."""
    if version is None or first != 0 or version.endswith(CURSOR_FROM_0):
        return version
    return version + CURSOR_FROM_0


def cursor_parts(cursor: str) -> tuple[str, int | None]:
    """A stored cursor as ``(updated_at, first page)``; the first page is ``None`` (not
    known) for a cursor that does not say."""
    if cursor.endswith(CURSOR_FROM_0):
        return cursor.removesuffix(CURSOR_FROM_0), 0
    return cursor, None


async def walk(read: ReadRows, page_size: int, sort: str | None, since: datetime | None,
               seen: dict[str, str], first: int = 1
               ) -> AsyncGenerator[tuple[list[dict[str, Any]], WalkEnd | None], None]:
    """The site's rows page by page from page ``first``, skipping rows already in ``seen``
    unchanged, each batch with how the walk ended (``None`` until the last one).

    With ``since`` (only in ``updated_sort`` order, newest-updated first) the walk stops
    at the first row updated before it ("since"; inclusive: a later write in the same
    millisecond must not be missed). A listing ends at a short page ("end"). A page of
    ids all seen before in a full walk, or the same page twice, means the server pages
    differently than we think (``page`` ignored): the walk stops there ("repeat") and
    what it read is not the whole list."""
    page, previous = first, [""]
    # A full page is what the server sends at most: asked for more than its cap, it sends the
    # cap, and taking that for a short last page would drop the rest of the site as deleted.
    # The config keeps page_size within the cap; this holds for a connector built otherwise.
    full = min(page_size, KITEHOUSE_LIMIT_CAP)
    while True:
        rows, sent = await read(page, sort)
        ids = [r["_id"] for r in rows]
        end: WalkEnd | None = "end" if sent < full else None
        if ids and (ids == previous or since is None and all(i in seen for i in ids)):
            end = "repeat"
        previous = ids
        batch: list[dict[str, Any]] = []
        for row in rows if end != "repeat" else ():
            stamp = str(row.get("updated_at") or "")
            moment = parse_time(stamp) if since is not None else None
            if since is not None and moment is not None and moment < since:
                end = "since"
                break
            if seen.get(row["_id"]) != stamp:
                seen[row["_id"]] = stamp
                batch.append(row)
        yield batch, end
        if end is not None:
            return
        page += 1


async def created_candidates(
    batches: AsyncIterator[tuple[list[dict[str, Any]], WalkEnd | None]], floor: datetime,
    title: str,
) -> list[str]:
    """Ids of the walked rows created since ``floor`` whose title is empty or ``title``:
    the incidents that may be one we created (see ``KitehouseConnector.find_created``)."""
    candidates: list[str] = []
    async for rows, _end in batches:
        for row in rows:
            created = parse_time(row.get("created_at"))
            if created is not None and created < floor:
                continue
            if (row.get("short_description") or "") in ("", title):
                candidates.append(str(row["_id"]))
    return candidates
