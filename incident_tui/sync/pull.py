"""Pulling one remote into the cache: its changed incidents page by page (or, now and then,
all of them, to notice remote deletions), the incidents marked to be read again in full,
then the full records of the newest incidents that only have a summary so far.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TypeVar

from sqlalchemy import Engine

from incident_tui.clock import Clock, from_db
from incident_tui.config import Settings
from incident_tui.domain.capabilities import Capability
from incident_tui.domain.mapping import warn_once
from incident_tui.domain.model import Incident, Severity
from incident_tui.remote.base import Connector, Page, listing_not_found
from incident_tui.remote.errors import BadResponse, NotFound, Refused, SignInGarbled
from incident_tui.store.upsert import UpsertResult
from incident_tui.sync import pull_store
from incident_tui.sync.events import RemoteResult, SyncListener
from incident_tui.sync.pages import PageWriter, prefetch

log = logging.getLogger(__name__)

T = TypeVar("T")

FULL_EVERY = timedelta(minutes=15)
"""Incremental remotes are fully re-listed this often, to notice remote deletions."""
STORES_AHEAD = 2
"""Pages handed to the writer and not yet reported: one being stored, one waiting. More
would be stored as they came; fewer wait in the fetching side, merged into larger
transactions (see :mod:`incident_tui.sync.pages`)."""
HYDRATE_CONCURRENCY = 4
"""Full-record fetches in flight per remote: quick, yet gentle on rate limits."""
EMPTY_CHECKS = 3
"""Cached incidents asked for when a complete listing lists none (see
:meth:`Puller._confirm_empty`)."""
HYDRATE_BATCH = 25
"""Full records stored (and reported as progress) together."""

URGENT = {Severity.CRITICAL.value, Severity.MAJOR.value}
"""Severities whose new, unresolved incidents are reported as urgent (never on a first sync)."""

MAPPING_ERRORS: tuple[type[Exception], ...] = (LookupError, TypeError, ValueError, AttributeError)
"""What mapping a record of an unexpected shape raises: that record's trouble alone."""
REMOTE_REFUSALS = (407, 408)
"""Refusals that are about the link, not the record (a proxy's credentials, a server too
busy to wait for the request): they fail the pass as a listing refused so would."""


@dataclass(slots=True)
class _Listing:
    """One pass over a remote's listing: what it is, and what its stored pages came to."""

    connector: Connector
    kind: str
    result: RemoteResult
    now: datetime
    full: bool
    first_sync: bool
    seen: list[str] = field(default_factory=list)
    urgent: list[str] = field(default_factory=list)
    """New urgent incidents not yet reported (never on a first sync)."""
    listed_all: bool = False
    """A full listing reached its last page."""
    reported: int = -1
    """The count of listed incidents last reported (-1: none yet)."""
    before: frozenset[str] | None = None
    """A full listing's: the remote's incidents the cache held as it began. Only those can
    be missing from it; one another process stored meanwhile (a create it sent, a pull
    that found a new incident) came after the listing was read."""


class Puller:
    """Brings one remote's incidents into the cache."""

    def __init__(
        self, engine: Engine, *, clock: Clock, listener: SyncListener, settings: Settings
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.listener = listener
        self.settings = settings

    async def pull(self, connector: Connector, kind: str, result: RemoteResult) -> datetime | None:
        """Store the remote's changes since the last pull, page by page (every incident when
        a full listing is due, then drop the cached ones it no longer lists). Returns the
        time of the full listing it completed, if it made one: the caller notes it with the
        pass's outcome (:func:`~incident_tui.sync.pull_store.store_full_listing`)."""
        cursor, last_full = await asyncio.to_thread(
            pull_store.remote_state, self.engine, connector.name
        )
        now = self.clock()
        last_full_at = from_db(last_full)
        full = (
            cursor is None
            or not connector.can(Capability.INCREMENTAL)
            or last_full_at is None
            or now - last_full_at > FULL_EVERY
        )
        listing = _Listing(connector, kind, result, now, full, first_sync=last_full_at is None)
        if full:
            # Before the first page is asked for (a create another process sends from now
            # on may or may not be in the listing).
            listing.before = await asyncio.to_thread(
                pull_store.cached_ids, self.engine, connector.name
            )
        # The stored cursor on a full listing too: it may keep the place of more than the
        # listing (OneUptime's notes), which starts over all the same.
        pages = prefetch(connector.pull(cursor, full=full))
        writer = PageWriter()
        stores: deque[tuple[Page, asyncio.Future[UpsertResult]]] = deque()
        try:
            # Closed however the pass ends: a page that cannot be stored (a busy cache) stops
            # the fetching ahead at once, rather than leaving it to the garbage collector.
            async with aclosing(pages):
                async for page in pages:
                    future = writer.submit(
                        pull_store.store_page,
                        self.engine,
                        connector.name,
                        kind,
                        page.incidents,
                        page.cursor,
                        now,
                        connector.summary_gaps if page.partial else None,
                        page.comments,
                    )
                    stores.append((page, future))
                    if len(stores) >= STORES_AHEAD:
                        oldest, storing = stores.popleft()
                        await self._stored(listing, oldest, await storing)
                while stores:
                    oldest, storing = stores.popleft()
                    await self._stored(listing, oldest, await storing)
        except NotFound as error:
            # The listing itself is not there: the config points at the wrong place.
            raise listing_not_found(error) from None
        finally:
            writer.close()
        return now if listing.listed_all else None

    async def _stored(self, listing: _Listing, page: Page, stored: UpsertResult) -> None:
        """Report a stored page; after the last page of a full listing, drop the cached
        incidents it did not list and note the time."""
        name = listing.connector.name
        listing.seen += [i.id for i in page.incidents]
        listing.result.pulled += len(stored.new) + len(stored.changed)
        if not listing.first_sync:
            new = set(stored.new)
            listing.urgent += [
                i.id
                for i in page.incidents
                if i.id in new
                and i.severity
                and i.severity.value in URGENT
                and i.status.value != "resolved"
            ]
        if len(listing.seen) != listing.reported:
            # A listing's last page can come alone and empty (Kitehouse's, on a slow link):
            # the same count again says nothing new.
            listing.reported = len(listing.seen)
            self.listener.remote_progress(name, listing.reported)
        touched = stored.touched()
        if page.complete and listing.full:
            if listing.connector.listing_may_skip:
                touched += await self._still_there(listing)
            elif not listing.seen:
                await self._confirm_empty(listing)
            settled = await asyncio.to_thread(
                pull_store.store_full_listing,
                self.engine,
                name,
                listing.kind,
                listing.seen,
                listing.now if listing.first_sync else None,
                listing.before,
            )
            # Only those that left the cache: one kept for its queued changes, or listed
            # again after all, is still there.
            listing.result.removed += len(settled.removed)
            listing.listed_all = True
            touched += settled.touched()
        if touched or listing.urgent:
            self.listener.incidents_changed(touched, listing.urgent)
            listing.urgent = []

    async def _still_there(self, listing: _Listing) -> list[str]:
        """Ask for each cached incident a complete listing did not list, where the listing
        may skip one (:attr:`~incident_tui.remote.base.Connector.listing_may_skip`); store
        those the remote still has, count them as listed, and return their ids. The rest
        are gone, as the listing said."""
        connector = listing.connector
        unlisted = await asyncio.to_thread(
            pull_store.unlisted, self.engine, connector.name, listing.seen, listing.before
        )
        if not unlisted:
            return []
        found = await _each(connector.still_listed, [remote_id for _, remote_id in unlisted])
        living = [incident for incident in found if incident is not None]
        if not living:
            return []
        log.info("%s: %d incidents the listing skipped are still there",
                 connector.name, len(living))
        # Summaries among them (as the listing's rows) keep what only full records carry.
        stored = await asyncio.to_thread(
            pull_store.store_page, self.engine, connector.name, listing.kind, living, None,
            listing.now, connector.summary_gaps,
        )
        listing.seen += [incident.id for incident in living]
        listing.result.pulled += len(stored.changed)
        return stored.touched()

    async def _confirm_empty(self, listing: _Listing) -> None:
        """Before a complete listing of no incident at all removes every cached one, ask for
        a few of them: a server answering ``[]`` by mistake (a proxy, a half-started
        deployment) would otherwise empty the cache. :class:`BadResponse` when one is still
        there; nothing is removed then."""
        connector = listing.connector
        cached = await asyncio.to_thread(
            pull_store.unlisted, self.engine, connector.name, [], listing.before
        )
        sample = [remote_id for _, remote_id in cached[:EMPTY_CHECKS]]
        answers = await asyncio.gather(*map(connector.belongs_in_listing, sample))
        for remote_id, found in zip(sample, answers, strict=True):
            if found:
                raise BadResponse(
                    f"{connector.name} listed no incidents, but still has {remote_id}: "
                    "the listing is taken for a wrong answer and nothing was removed"
                )

    async def reread(self, connector: Connector, result: RemoteResult) -> None:
        """Read the incidents marked for it again in full
        (:class:`~incident_tui.store.schema.RereadRow`): a discarded change put them back to
        the remote's view as last pulled, and what the remote changed since may never show
        in its incremental listing.

        Runs after the listing, which showed the remote answers at this address: an
        incident it then says it does not have is gone, as a full listing would find it."""
        wanted = await asyncio.to_thread(pull_store.rereads, self.engine, connector.name)
        if not wanted:
            return
        found = await _full_records(connector, [remote_id for _, remote_id in wanted])
        incidents = [i for i in found.values() if i is not None]
        # One that could not be read is neither: it keeps its mark for the next sync.
        gone = [
            incident_id
            for incident_id, remote_id in wanted
            if remote_id in found and found[remote_id] is None
        ]
        stored = await asyncio.to_thread(
            pull_store.store_reread, self.engine, incidents, gone, self.clock()
        )
        result.pulled += len(stored.new) + len(set(stored.changed).difference(gone))
        result.removed += len(stored.removed)
        self.listener.incidents_changed([incident_id for incident_id, _ in wanted], [])

    async def hydrate(self, connector: Connector) -> None:
        """Fetch the full record of the newest summary-only incidents, a few at a time."""
        limit = self.settings.hydrate_limit
        remote_ids = await asyncio.to_thread(
            pull_store.unhydrated, self.engine, connector.name, limit
        )
        for start in range(0, len(remote_ids), HYDRATE_BATCH):
            if not connector.lists_comments:
                # What the full records add is their comments; none can be read.
                break
            wanted = remote_ids[start : start + HYDRATE_BATCH]
            batch = await _full_records(connector, wanted)
            incidents = [i for i in batch.values() if i is not None]
            if incidents:
                await asyncio.to_thread(
                    pull_store.store_page, self.engine, connector.name, connector.kind, incidents,
                    None, self.clock(),
                )
                self.listener.incidents_changed([i.id for i in incidents], [])
            self.listener.remote_details(connector.name, start + len(wanted), len(remote_ids))


async def _full_records(
    connector: Connector, remote_ids: list[str]
) -> dict[str, Incident | None]:
    """The full records of ``remote_ids`` by remote id (``None`` for one the remote does not
    have), :data:`HYDRATE_CONCURRENCY` at a time.

    One whose read fails for that record alone (:func:`_record_trouble`) is left out, with a
    warning: the cache keeps it as it is and the next sync asks again, while the others are
    stored. A failure that is the remote's (down, refusing the credentials, asking to slow
    down) still fails the pass."""

    async def fetch(remote_id: str) -> Incident | None | _Unreadable:
        try:
            return await connector.get(remote_id)
        except NotFound:
            return None
        except Exception as error:
            trouble = _record_trouble(error)
            if trouble is None:
                raise
            # Once per process: the same record fails the same way at every pass.
            warn_once(
                f"{connector.name}: incident {remote_id} is kept as last synced: its full "
                f"record cannot be read ({trouble}); it is asked for again at the next sync"
            )
            return _Unreadable()

    answers = await _each(fetch, remote_ids)
    return {
        remote_id: answer
        for remote_id, answer in zip(remote_ids, answers, strict=True)
        if not isinstance(answer, _Unreadable)
    }


class _Unreadable:
    """A full record that could not be read: the cache keeps what it has of the incident."""


def _record_trouble(error: Exception) -> str | None:
    """What went wrong reading one full record, fit for the user, when ``error`` is about that
    record alone: an answer that cannot be read or mapped, or a refusal of that id (AOH IMS
    answers 400 to an id it will not take). ``None`` when it is the remote's trouble."""
    if isinstance(error, BadResponse) and not isinstance(error, SignInGarbled):
        return str(error)
    if isinstance(error, Refused) and error.status not in REMOTE_REFUSALS:
        return str(error)
    if isinstance(error, MAPPING_ERRORS):
        return f"an answer of a shape not understood: {type(error).__name__}: {error}"
    return None


async def _each(read: Callable[[str], Awaitable[T]], remote_ids: list[str]) -> list[T]:
    """``read`` of each of ``remote_ids``, in their order, :data:`HYDRATE_CONCURRENCY` at a
    time."""
    gate = asyncio.Semaphore(HYDRATE_CONCURRENCY)

    async def one(remote_id: str) -> T:
        async with gate:
            return await read(remote_id)

    reads = [asyncio.ensure_future(one(r)) for r in remote_ids]
    try:
        return list(await asyncio.gather(*reads))
    except BaseException:
        # A read that failed failed the remote (a record's own trouble is answered inside
        # ``read``): the others, left running, would each go on asking a remote that is
        # down or refuses the sign-in, after the pass has ended.
        for pending in reads:
            pending.cancel()
        await asyncio.gather(*reads, return_exceptions=True)
        raise
