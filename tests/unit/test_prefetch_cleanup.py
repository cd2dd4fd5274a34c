"""A pull whose page cannot be stored (another process holds the cache's write lock) ends its
pass with nothing left running: the pages fetched ahead stop being fetched, the task that
fetched them ends, and the next pass works. Left behind, that task would wait for room in a
full queue forever, two more with every failed pass, and hang the program's exit.

Over a real Kitehouse emulator on loopback and a real cache; the lock is a real one taken by
another ``sqlite3`` connection, and only the busy timeout, the page size and the merge limit
are made small, so that a handful of pages fills the queue of pages fetched ahead."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator
from contextlib import aclosing
from pathlib import Path

import pytest

from incident_tui.config import Settings
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.remote.base import Page
from incident_tui.store import db as store_db
from incident_tui.store.reader import Reader
from incident_tui.sync import pages as sync_pages
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import NullListener
from tests.conftest import make_incident

INCIDENTS = 400
PAGE_SIZE = 20
"""Twenty pages: more than the first two stored plus the queue fetched ahead can hold."""


class LockAfterFirstPage(NullListener):
    """Takes the cache's write lock, as another incident-tui in a transaction does, once the
    first page of a pass is stored; :meth:`release` lets it go."""

    def __init__(self, db: Path) -> None:
        self.db = db
        self.holder: sqlite3.Connection | None = None

    def remote_progress(self, remote: str, listed: int) -> None:
        if self.holder is None:
            self.holder = sqlite3.connect(self.db, isolation_level=None)
            self.holder.execute("BEGIN IMMEDIATE")

    def release(self) -> None:
        if self.holder is not None:
            self.holder.execute("ROLLBACK")
            self.holder.close()


@pytest.fixture(autouse=True)
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait a fifth of a second for a lock instead of ten; store every page on its own."""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 0.2)
    monkeypatch.setattr(sync_pages, "MERGE_LIMIT", PAGE_SIZE)


def others() -> list[asyncio.Task[object]]:
    """The tasks of this loop other than the test's own."""
    return [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]


async def test_a_pass_whose_page_cannot_be_stored_leaves_no_task_behind(tmp_path: Path) -> None:
    server = EmulatorServer(make_emulator("kitehouse", sample=INCIDENTS)).start()
    db = tmp_path / "cache.db"
    remote = {**server.emulator.remote_config("school"), "page_size": PAGE_SIZE}
    listener = LockAfterFirstPage(db)
    engine = SyncEngine(Settings(db=db, remotes=[remote]), listener=listener)  # type: ignore[list-item]
    try:
        async with asyncio.timeout(20):  # a fetching task left waiting would hang the pass
            try:
                [result] = (await engine.sync()).results
            finally:
                listener.release()
        assert not result.ok and "the cache is busy" in (result.error or "")
        # The queue filled: fetching ahead had stopped before the listing's end.
        site = server.emulator.site_id  # type: ignore[attr-defined]
        lists = [e for e in server.emulator.log if e.path == f"/incidents/{site}"]  # type: ignore[attr-defined]
        assert 2 < len(lists) < INCIDENTS // PAGE_SIZE
        assert others() == []
        report = await engine.sync()
        assert report.ok, report.results[0].error
        assert others() == []
        assert Reader.open(db).count(ListQuery()) == INCIDENTS
    finally:
        await engine.aclose()
        server.stop()


async def test_stopping_early_closes_the_pages_source_at_once() -> None:
    # The source is a connector's pull, an async generator: left open, it would be closed
    # whenever the garbage collector gets to it, from a task of its own.
    closed: list[int] = []

    async def source() -> AsyncIterator[Page]:
        sent = 0
        try:
            for sent in range(1, 100):
                # A full page each (the merge limit): handed over one by one.
                yield Page([make_incident(sent * PAGE_SIZE + n) for n in range(PAGE_SIZE)])
        finally:
            closed.append(sent)

    async with aclosing(sync_pages.prefetch(source(), depth=2)) as pages:
        async for _ in pages:
            break
    assert closed and closed[0] < 99  # closed before the end, and already
    assert others() == []
