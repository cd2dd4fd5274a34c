"""How the OneUptime connector walks a ``get-list`` listing: offset pages for per-incident
listings and searches, and keyset pages with their cursor for the incident pull (and for the
notes it reads since its last pass, see :mod:`incident_tui.remote.oneuptime_notes`).

Pull is keyset paging: each list call asks for ``updatedAt >= T`` sorted by ``updatedAt``,
``_id``, where ``T`` is the ``updatedAt`` of the last row delivered (the *edge*); rows at ``T``
that were already delivered come back and are dropped *by id*. Rows changed meanwhile move to
a later ``updatedAt`` and are read again, so the cursor ``"<T>|<ids delivered at T>"`` is safe
after every page, and a pull with nothing changed is one list call.

Why by id and not by ``(updatedAt, _id) > (T, last id)``: the server sorts on the microseconds
Postgres stores but sends milliseconds, so rows sharing a sent ``T`` come back in the order of
their hidden microseconds, not of their ``_id``; any row "before the last key" at ``T`` may be
one never delivered. ``skip`` moves only through the rows at ``T`` (a bulk update stamps many
at once), one row short so the first row of the next page must be the last one read: if it is
not, rows at ``T`` moved or appeared and the offset may step over one, so they are read again
from their first. The listing ends as the contract says, when ``skip + rows >= count`` (or no
rows come back); a full listing is reported complete only then, and only if it delivered at
least ``count`` of its first page distinct incidents (a row deleted meanwhile makes it
incomplete too: the next full listing settles it). A row without a readable ``_id`` or
``updatedAt`` is left out (the caller hears of it) and counts toward ``count`` all the same.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from itertools import pairwise
from typing import Any, NamedTuple

from incident_tui.domain.mapping import parse_time
from incident_tui.remote.errors import BadResponse, Unavailable

__all__ = ["LIMIT", "Fetch", "Typed", "decode_cursor", "keyset_pages", "offset_pages"]

LIMIT = 100
"""Rows per list call: the documented maximum."""
CURSOR_IDS = 1000
"""Most ids a cursor keeps of the rows delivered at its ``updatedAt`` (more only after a bulk
update): a row left out is delivered once more by the next pull, never skipped."""
EDGE_RETRIES = 20
"""Times in a row the rows at the edge may shift under ``skip`` before the pull gives up and
leaves it to the next sync (only under constant writes to rows sharing one millisecond)."""

Fetch = Callable[[str, dict[str, Any], int], Awaitable[tuple[list[Any], list[Any], int | None]]]
"""One list call, ``(path, body, skip)``: the rows as received and unwrapped, and ``count``."""
Typed = Callable[[str, str], Any]
"""A value as the server wants it in a query, ``(value, type)`` (typed or plain)."""
Unkeyed = Callable[[str], None]
"""Told what was wrong with a listed row left out for want of its keys."""


async def offset_pages(fetch: Fetch, path: str, body: dict[str, Any]
                       ) -> AsyncIterator[tuple[list[Any], list[Any]]]:
    """Every row of an offset listing, page by page (as received and unwrapped), ending
    as :func:`keyset_pages` does (see :func:`_ends`): a server may cap ``limit`` below ours,
    so a short page alone says nothing when ``count`` is there. Rows come once each:
    a page that brings nothing new means the server ignored ``skip``."""
    skip = 0
    seen: set[str] = set()
    while True:
        raws, rows, count = await fetch(path, body, skip)
        ids = [_row_id(row) for row in rows]
        fresh = [i for i, row_id in enumerate(ids) if row_id is None or row_id not in seen]
        seen.update(row_id for row_id in ids if row_id is not None)
        end = _ends(skip, len(raws), count)
        if not end and not fresh:
            if len(raws) >= LIMIT:
                raise BadResponse(f"{path}/get-list ignored skip")
            end = True  # a short page with nothing new, although count says more
        yield [raws[i] for i in fresh], [rows[i] for i in fresh]
        if end:
            return
        skip += len(raws)


async def keyset_pages(fetch: Fetch, select: dict[str, Any], typed: Typed, cursor: str | None,
                       full: bool, unkeyed: Unkeyed, path: str = "/incident"
                       ) -> AsyncGenerator[tuple[list[Any], list[Any], str | None, bool, bool],
                                           None]:
    """The rows of ``path`` (incidents; notes, which any listing pages alike) not delivered
    yet, page by page, as received and unwrapped, with the cursor after them, whether this
    was the last page of a complete full listing, and whether it was the last one at all.
    A row without its keys is left out and ``unkeyed`` told why."""
    what = path.strip("/").replace("-", " ")
    edge = None if full or not cursor else decode_cursor(cursor)
    listing_all, total, retries = edge is None, None, 0
    delivered: set[str] = set()  # by a full listing, for the count guard
    dropped = 0  # rows left out, which ``count`` counts all the same
    while True:
        body: dict[str, Any] = {"select": select, "query": {},
                                "sort": {"updatedAt": "ASC", "_id": "ASC"}}
        skip = 0
        if edge is not None:
            body["query"] = {"updatedAt": {"_type": "GreaterThanOrEqual",
                                           "value": typed(edge.text, "DateTime")}}
            skip = max(len(edge.read) - 1, 0)
        raws, rows, count = await fetch(path, body, skip)
        keyed = _keyed(raws, rows, unkeyed, what)
        if raws and not keyed:
            # Nothing to move the edge or the offset on by: the same page would come again.
            raise BadResponse(f"the {what} list sent a page of rows without _id/updatedAt")
        dropped += len(raws) - len(keyed)
        if edge is not None and skip and not edge.resumes(keyed):
            if keyed and keyed[0].id == next(iter(edge.read)):
                raise BadResponse(f"the {what} list ignored skip")
            retries += 1
            if retries > EDGE_RETRIES:
                raise Unavailable(f"{what}s sharing one updatedAt keep changing; "
                                  "the pull is left to the next sync")
            edge.read.clear()
            continue
        retries = 0
        if edge is None:
            total = count  # the first page of a full listing counts every incident
        if any(b.when < a.when for a, b in pairwise(keyed)) or (
                edge is not None and keyed and keyed[0].when < edge.when):
            raise BadResponse(f"the {what} list ignored the updatedAt sort")
        fresh = [k for k in keyed if edge is None or not edge.has(k)]
        if listing_all:
            delivered.update(k.id for k in fresh)
        progressed = bool(keyed)
        if keyed and (edge is None or keyed[-1].when > edge.when):
            at_last = dict.fromkeys(k.id for k in keyed if k.when == keyed[-1].when)
            edge = _Edge(keyed[-1].text, keyed[-1].when, at_last, dict(at_last))
        elif edge is not None and keyed:
            # The whole page sits at the edge: only skip moves us on (see resumes).
            unread = [k.id for k in keyed if k.id not in edge.read]
            edge.read.update(dict.fromkeys(unread))
            edge.delivered.update(dict.fromkeys(k.id for k in fresh))
            progressed = bool(unread)
        settled, end = _settled(skip, len(raws), count), _ends(skip, len(raws), count)
        if not end and not progressed:
            if len(raws) >= LIMIT:
                raise BadResponse(f"the {what} list ignored skip")
            end = True  # a short page with nothing new, although count says more
        complete = (listing_all and end and settled
                    and total is not None and len(delivered) + dropped >= total)
        yield ([k.raw for k in fresh], [k.row for k in fresh],
               edge.cursor() if edge is not None else cursor, complete, end)
        if end:
            return


def _settled(skip: int, rows: int, count: int | None) -> bool:
    """Whether ``count`` says a page of ``rows`` rows read at ``skip`` was the last one."""
    return count is not None and skip + rows >= count


def _ends(skip: int, rows: int, count: int | None) -> bool:
    """Whether an offset listing ends with this page, by the contract's rule: once
    ``skip + rows >= count``; only without a usable ``count`` at a page shorter than asked
    for (a server may cap ``limit`` lower, so that is no end when ``count`` says more); and
    always at an empty page, so a ``count`` too high cannot keep a listing going."""
    return not rows or _settled(skip, rows, count) or (count is None and rows < LIMIT)


def _row_id(row: Any) -> str | None:
    """A listed row's ``_id``, if it has one."""
    return str(row["_id"]) if isinstance(row, dict) and row.get("_id") else None


class _Keyed(NamedTuple):
    """An incident row of a listing with its ``updatedAt`` (parsed and as sent) and ``_id``."""

    when: datetime
    id: str
    text: str
    raw: Any
    row: Any


def _keyed(raws: list[Any], rows: list[Any], unkeyed: Unkeyed, what: str) -> list[_Keyed]:
    """The rows of a page with their keys; one without them is left out, ``unkeyed`` told
    what was wrong (one such row used to fail the remote on every pass)."""
    keyed = []
    for raw, row in zip(raws, rows, strict=True):
        row = row if isinstance(row, dict) else {}
        row_id = row.get("_id")
        when = parse_time(row.get("updatedAt"))
        if not isinstance(row_id, str) or not row_id:
            unkeyed(f"an {what} without an _id")
        elif when is None:
            unkeyed(f"an {what} whose updatedAt is not a readable time")
        else:
            keyed.append(_Keyed(when, row_id, str(row["updatedAt"]), raw, row))
    return keyed


@dataclass(slots=True)
class _Edge:
    """Where a keyset listing stands: the ``updatedAt`` of the last row delivered (as sent, to
    send back, and parsed), the ids delivered at exactly that time, and the ids of the rows at
    that time read in this pass, in the server's order from the first of them."""

    text: str
    when: datetime
    delivered: dict[str, None]
    read: dict[str, None] = field(default_factory=dict)

    def has(self, row: _Keyed) -> bool:
        """Whether ``row`` was delivered already (a row changed since has a later time)."""
        return row.when == self.when and row.id in self.delivered

    def resumes(self, page: list[_Keyed]) -> bool:
        """Whether a page asked for at ``skip = len(read) - 1`` starts with the last row read.

        Only then did every row before it at the edge stay put and get read; otherwise one
        moved on or appeared, and the offset may step over a row not read yet."""
        return bool(page) and page[0].when == self.when and page[0].id == next(reversed(
            self.read), None)

    def cursor(self) -> str:
        """``"<updatedAt>|<id>,<id>,..."``: the edge and (at most CURSOR_IDS of) its ids."""
        return f"{self.text}|{','.join(list(self.delivered)[-CURSOR_IDS:])}"


def decode_cursor(cursor: str) -> _Edge | None:
    """A stored cursor as the edge a pull starts from (``None`` if unreadable). The older
    ``"<updatedAt>|<_id>"`` reads as an edge with one id: the other rows at that time are
    delivered once more, which is harmless."""
    text, _, ids = cursor.partition("|")
    when = parse_time(text)
    if when is None:
        return None
    return _Edge(text, when, dict.fromkeys(i for i in ids.split(",") if i))
