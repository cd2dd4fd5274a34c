"""The interface every connector implements, and the registry that builds one per remote.

A connector maps one remote API to the common model. It never touches the cache: the sync
engine calls it, stores what it returns and decides about conflicts.
"""

from __future__ import annotations

import asyncio
import importlib
from abc import ABC, abstractmethod
from collections.abc import AsyncGenerator, Collection, Iterator
from contextlib import aclosing
from dataclasses import dataclass
from datetime import datetime
from typing import Any, ClassVar, TypeVar

import httpx

from incident_tui.config_remotes import RemoteBase
from incident_tui.domain.capabilities import Capability
from incident_tui.domain.model import Comment, Draft, Incident, SummaryGaps
from incident_tui.remote.errors import Misdirected, NotFound, Unsupported
from incident_tui.remote.http import Sleep

T = TypeVar("T")


@dataclass(slots=True)
class Page:
    """One page of a pull.

    ``cursor`` is the sync cursor that is safe to store once this page is stored (``None``:
    keep the previous one). ``complete`` is true on the last page of a *full* listing, which
    lets the engine treat every cached incident not seen as deleted remotely.
    """

    incidents: list[Incident]
    cursor: str | None = None
    complete: bool = False
    partial: bool = False
    """True when the rows are summaries (no comments/description); the engine hydrates them."""
    comments: dict[str, list[Comment]] | None = None
    """Comments listed apart from their incidents (OneUptime's notes, which move no incident's
    update time), by local incident id: added to the cached incidents, or updated there by
    remote id; no other comment goes."""


PAGE_ROWS = 500
"""Most rows a connector maps into one :class:`Page` when a remote answers with everything at
once (Revily and AOH IMS by default): the engine stores one page while the next is mapped,
and shows progress, rather than mapping and then storing 50,000 rows in one go."""


def in_pages(rows: list[T], *, last: bool = True) -> Iterator[tuple[list[T], bool]]:
    """``rows`` in slices of at most :data:`PAGE_ROWS`, each with whether it ends the listing
    (only the final slice, and only when ``rows`` end it: ``last``). An empty final answer
    still gives one empty slice, so the end of a listing is always seen."""
    count = len(rows)
    if not count:
        if last:
            yield [], True
        return
    for start in range(0, count, PAGE_ROWS):
        yield rows[start : start + PAGE_ROWS], last and start + PAGE_ROWS >= count


def listing_not_found(error: NotFound) -> Misdirected:
    """What a 404 to the incident listing means: the config points at the wrong place."""
    return Misdirected(
        f"its incident listing answers {error} (check base_url and the remote's ids)",
        status=error.status,
    )


class Connector(ABC):
    """A client for one configured remote. One pooled HTTP client each; call :meth:`aclose`."""

    kind: ClassVar[str]
    capabilities: ClassVar[frozenset[Capability]] = frozenset()
    summary_gaps: ClassVar[SummaryGaps] = SummaryGaps()
    """What this kind's listing rows leave out that :meth:`get` brings (kept in the cache)."""
    listing_may_skip: bool = False
    """Its listing pages by position: an incident deleted during a full walk moves the later
    ones up a place, and one of them is never listed, though the walk ends as usual (and a
    total that stayed the same proves nothing: an incident created meanwhile makes up for
    it). The engine then asks for each cached incident a complete listing missed before it
    takes it for deleted. A connector whose listing took one request (nothing can move
    between pages then) leaves it false; one that learns it from the walk sets it during
    the walk, before it yields the last page."""

    def __init__(
        self,
        config: RemoteBase,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.config = config
        self.name = config.name
        self._transport = transport
        self._sleep = sleep
        self.lists_comments = True
        """False once the remote showed it cannot list an incident's comments: its full
        records then carry none (``comments`` is None), and the engine stops fetching them."""

    # Reading ---------------------------------------------------------------------------

    @abstractmethod
    def pull(self, cursor: str | None, *, full: bool = False) -> AsyncGenerator[Page, None]:
        """Yield pages of incidents changed since ``cursor``.

        With ``cursor=None`` or ``full=True`` list everything, and mark the last page
        ``complete`` so the engine can notice remote deletions. A full listing is given the
        stored cursor too, for what else it keeps the place of (OneUptime's notes). Kinds
        that cannot list incrementally (4HSE, Revily, AOH IMS) always list everything.
        """

    @abstractmethod
    async def get(self, remote_id: str) -> Incident:
        """The full incident (comments and attachments where the API has them).

        Raises :class:`NotFound` when it is gone.
        """

    async def still_listed(self, remote_id: str) -> Incident | None:
        """The incident as a full listing would now bring it, or ``None`` when the listing
        would leave it out (gone, or outside what the remote is configured to list). The
        engine asks for each cached incident a complete listing missed, where the listing
        may skip one (:attr:`listing_may_skip`). The answer may be a summary, as the
        listing's rows are (``comments`` None). By default the full record (:meth:`get`):
        right for a kind whose listing covers every incident ``get`` answers for."""
        try:
            return await self.get(remote_id)
        except NotFound:
            return None

    async def belongs_in_listing(self, remote_id: str) -> bool:
        """Whether the remote still has this incident where a full listing ought to list it,
        asked of a few cached incidents when a complete listing listed none (an empty
        answer by mistake would otherwise empty the cache). By default: the remote still
        has it (:meth:`get`), right for a kind whose listing covers every incident ``get``
        answers for."""
        return await self.still_listed(remote_id) is not None

    # Writing: ``current`` is the incident as just re-read from the remote ----------------

    @abstractmethod
    async def create(self, draft: Draft, key: str) -> Incident:
        """Create an incident; ``key`` is our idempotency key, stored on the remote where
        the API has a place for it, so :meth:`find_created` can recognise it later."""

    async def find_created(
        self, draft: Draft, key: str, since: datetime, *, taken: Collection[str] = ()
    ) -> Incident | None:
        """After a create whose outcome is unknown (killed or cut off between request and
        commit), find the incident it made, if any. ``since`` is when the attempt started;
        ``taken`` holds the remote ids of incidents other creates from here made, never this
        one's (where a remote keeps no key, two drafts are told apart by title only)."""
        return None

    async def acknowledge(self, current: Incident) -> Incident | None:
        """Acknowledge; return the incident as the remote now has it, or ``None`` to re-read."""
        raise Unsupported(f"{self.kind} cannot acknowledge")

    async def resolve(
        self, current: Incident, *, made_at: datetime | None = None
    ) -> Incident | None:
        """Resolve; return the fresh incident or ``None``. ``made_at``: when the user resolved
        it (queued the change, maybe offline long before it is sent), for a remote that
        records the day of a resolution (4HSE); ``None``: now. The others ignore it."""
        raise Unsupported(f"{self.kind} cannot resolve")

    async def reopen(self, current: Incident) -> Incident | None:
        """Reopen (back to triggered); return the fresh incident or ``None``."""
        raise Unsupported(f"{self.kind} cannot reopen an incident")

    async def edit(self, current: Incident, changes: dict[str, Any]) -> Incident | None:
        """Change ``title``, ``description`` and/or ``severity``; return fresh or ``None``."""
        raise Unsupported(f"{self.kind} cannot edit incidents")

    async def comment(self, current: Incident, body: str) -> Comment:
        """Add a comment and return it as stored by the remote."""
        raise Unsupported(f"{self.kind} has no comments")

    async def delete_comment(self, current: Incident, comment_id: str) -> None:
        """Delete one comment."""
        raise Unsupported(f"{self.kind} cannot delete comments")

    async def delete(self, current: Incident) -> None:
        """Delete the incident on the remote."""
        raise Unsupported(f"{self.kind} cannot delete incidents")

    async def probe(self) -> None:
        """Read the first page of the incident listing, which every correctly configured
        remote answers; raise :class:`Misdirected` when it answers 404.

        The sync asks this before it takes a 404 for "this incident (or comment, file) is
        gone": a wrong ``base_url`` answers 404 to everything, and taking that at its word
        would drop queued deletes and fail the other changes with a false reason."""
        try:
            # Every connector's pull is an async generator, so it can be closed early.
            async with aclosing(self.pull(None, full=True)) as pages:
                await anext(pages, None)
        except NotFound as error:
            raise listing_not_found(error) from None

    async def aclose(self) -> None:
        """Release the HTTP client (connectors that hold one override this)."""
        return None

    def can(self, capability: Capability) -> bool:
        """Whether this remote kind supports ``capability``."""
        return capability in self.capabilities


CONNECTOR_MODULES: dict[str, str] = {
    "kitehouse": "incident_tui.remote.kitehouse:KitehouseConnector",
    "fourhse": "incident_tui.remote.fourhse:FourhseConnector",
    "revily": "incident_tui.remote.revily:RevilyConnector",
    "oneuptime": "incident_tui.remote.oneuptime:OneuptimeConnector",
    "aoh_ims": "incident_tui.remote.aoh_ims:AohImsConnector",
}


def connector_class(kind: str) -> type[Connector]:
    """The connector class for a remote kind (imported on first use)."""
    module_name, _, class_name = CONNECTOR_MODULES[kind].partition(":")
    cls: type[Connector] = getattr(importlib.import_module(module_name), class_name)
    return cls


def make_connector(
    config: RemoteBase,
    *,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Connector:
    """Build the connector for one configured remote."""
    kind = config.kind
    return connector_class(kind)(config, transport=transport, sleep=sleep)


__all__ = [
    "Capability",
    "Connector",
    "Page",
    "in_pages",
    "listing_not_found",
    "make_connector",
]
