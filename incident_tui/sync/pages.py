"""The pages of a pull on their way to the cache: fetched ahead of the one being stored,
merged when they queue up, so a pull costs fewer, larger transactions, and stored one after
the other by a writer thread of the pull's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from incident_tui.domain.model import Comment, Incident
from incident_tui.remote.base import Page

T = TypeVar("T")

PREFETCH_PAGES = 8
"""Pages fetched ahead of the one being stored."""
MERGE_LIMIT = 1000
"""Most incidents stored in one transaction when pages queue up."""
BATCH_WAIT = 0.25
"""Longest a pulled page waits for the pages after it, to be stored in one transaction with
them (seconds). Each transaction costs a fixed amount on top of its rows (index and full-text
pages rewritten, the commit): storing a 50,000-incident pull 100 rows at a time took about 45%
longer than 1,000 at a time."""


def merge_pages(pages: list[Page]) -> Page:
    """Several consecutive pages as one: every incident once (the later copy wins), the last
    cursor any of them carried, complete when the last one is, and their comments in order."""
    if len(pages) == 1:
        return pages[0]
    incidents: dict[str, Incident] = {}
    cursor: str | None = None
    comments: dict[str, list[Comment]] = {}
    for page in pages:
        for incident in page.incidents:
            incidents.pop(incident.id, None)
            incidents[incident.id] = incident
        cursor = page.cursor if page.cursor is not None else cursor
        for incident_id, listed in (page.comments or {}).items():
            comments.setdefault(incident_id, []).extend(listed)
    last = pages[-1]
    return Page(list(incidents.values()), cursor, last.complete, last.partial, comments or None)


async def prefetch(
    pages: AsyncIterator[Page], depth: int = PREFETCH_PAGES
) -> AsyncGenerator[Page, None]:
    """Fetch the next pages while the caller stores the current one, so network waits and
    SQLite writes overlap. Consecutive pages are handed over as one (:func:`merge_pages`)
    up to :data:`MERGE_LIMIT` incidents, waiting at most :data:`BATCH_WAIT` for the next
    ones, so a pull costs fewer, larger transactions and a slow remote's pages still
    show up as they come. A failure of the fetching side is raised to the caller after
    the pages it did fetch.

    Close it (``contextlib.aclosing``) when stopping early, as on a failure to store a
    page: that stops the fetching at once and closes ``pages``, leaving no task behind."""
    queue: asyncio.Queue[Page | None] = asyncio.Queue(maxsize=depth)

    async def produce() -> None:
        cancelled = False
        try:
            async for page in pages:
                await queue.put(page)
                # A turn for the consumer, which may be idle: a connector that maps a
                # whole answer in slices gives none, and storing would wait for all.
                await asyncio.sleep(0)
        except asyncio.CancelledError:
            # The consumer stopped early: close the source now, not later from a task of
            # the garbage collector's, and put no end mark: nobody would read it, and
            # waiting for room for it in a full queue would never end.
            cancelled = True
            await _close(pages)
            raise
        finally:
            if not cancelled:
                await queue.put(None)  # after a failure too: the consumer raises it

    producer = asyncio.create_task(produce())
    loop = asyncio.get_running_loop()
    try:
        ended = False
        while not ended and (page := await queue.get()) is not None:
            ready, count = [page], len(page.incidents)
            deadline = loop.time() + BATCH_WAIT
            while count < MERGE_LIMIT:
                try:
                    # A cancelled get leaves its page in the queue: nothing is lost.
                    async with asyncio.timeout_at(deadline):
                        following = await queue.get()
                except TimeoutError:
                    break
                if following is None:
                    ended = True
                    break
                if following.partial != ready[-1].partial:
                    # Never mix summaries with full records: yield them apart.
                    yield merge_pages(ready)
                    ready, count = [], 0
                ready.append(following)
                count += len(following.incidents)
            yield merge_pages(ready)
        await producer
    finally:
        if not producer.done():
            producer.cancel()
            # Waited for, not awaited: a cancellation of ours (Ctrl-C) that comes while the
            # fetching side winds down must reach the caller, and awaiting the task would
            # take it for the task's own and swallow it.
            await asyncio.wait([producer])
            if not producer.cancelled():
                producer.exception()  # moot: the caller is ending for its own reason


async def _close(pages: AsyncIterator[Page]) -> None:
    """Close ``pages`` early (every connector's pull is an async generator, which can be)."""
    aclose = getattr(pages, "aclose", None)
    if aclose is not None:
        await aclose()


class StoreSkipped(Exception):
    """A page was not stored because one before it failed to be."""


class PageWriter:
    """Stores a pull's pages one after the other in a thread of its own, while the caller
    fetches and maps the next ones.

    The next page's transaction starts the moment the last one commits. Handing each page
    to a thread of the event loop's pool (``asyncio.to_thread``) instead left SQLite idle
    until the loop came round to the finished one and sent the next: some 12 ms a page
    while the loop parsed and mapped pages, an eighth of a 50,000-incident pull.

    A page is stored only if every page before it was: after a failure the ones queued
    behind it raise :class:`StoreSkipped`, so a cursor never moves past a page that is not
    in the cache. :meth:`close` drops what has not started; one being stored finishes."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="incident-tui-pull")
        self._failed = False
        self._submitted: list[asyncio.Future[Any]] = []

    def submit(self, store: Callable[..., T], *args: Any) -> asyncio.Future[T]:
        """Queue ``store(*args)`` behind the pages already queued; await the result."""

        def run() -> T:
            if self._failed:
                raise StoreSkipped
            try:
                return store(*args)
            except BaseException:
                self._failed = True
                raise

        future = asyncio.wrap_future(self._pool.submit(run))
        self._submitted.append(future)
        return future

    def close(self) -> None:
        """Drop the pages not yet stored (their results will not be asked for) and let the
        thread end after the one it is storing, without waiting for it."""
        for future in self._submitted:
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # moot: the caller stopped for its own reason
        self._pool.shutdown(wait=False, cancel_futures=True)
