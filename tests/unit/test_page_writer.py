"""The pull's page writer: pages stored in order in one thread of their own, none after a
page that failed (a cursor must never move past a page that is not in the cache), and
nothing left behind when the pull stops early."""

from __future__ import annotations

import asyncio
import gc
import threading
from typing import Any

import pytest

from incident_tui.sync.pages import PageWriter, StoreSkipped


def test_pages_are_stored_in_order_in_one_thread_apart_from_the_loop() -> None:
    stored: list[tuple[int, int]] = []

    def store(number: int) -> int:
        stored.append((number, threading.get_ident()))
        return number * 10

    async def main() -> list[int]:
        writer = PageWriter()
        try:
            futures = [writer.submit(store, n) for n in range(5)]
            return [await f for f in futures]
        finally:
            writer.close()

    assert asyncio.run(main()) == [0, 10, 20, 30, 40]
    assert [n for n, _ in stored] == [0, 1, 2, 3, 4]
    threads = {t for _, t in stored}
    assert len(threads) == 1 and threading.get_ident() not in threads


def test_no_page_is_stored_after_one_that_failed() -> None:
    stored: list[int] = []
    gate = threading.Event()

    def store(number: int) -> int:
        gate.wait(5)  # every page is queued before the first is stored
        if number == 1:
            raise RuntimeError("database is locked")
        stored.append(number)
        return number

    async def main() -> list[Any]:
        writer = PageWriter()
        try:
            futures = [writer.submit(store, n) for n in range(4)]
            gate.set()
            return await asyncio.gather(*futures, return_exceptions=True)
        finally:
            writer.close()

    first, failed, *skipped = asyncio.run(main())
    assert first == 0
    assert isinstance(failed, RuntimeError) and str(failed) == "database is locked"
    assert all(isinstance(s, StoreSkipped) for s in skipped) and len(skipped) == 2
    assert stored == [0]


def test_closing_early_drops_the_queued_pages_and_leaves_no_unread_failure() -> None:
    stored: list[int] = []
    started, release = threading.Event(), threading.Event()
    complaints: list[dict[str, Any]] = []

    def store(number: int) -> int:
        started.set()
        release.wait(5)
        if number == 0:
            raise RuntimeError("disk full")
        stored.append(number)
        return number

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, c: complaints.append(c))
        writer = PageWriter()
        futures = [writer.submit(store, n) for n in range(3)]
        await asyncio.to_thread(started.wait, 5)
        # The caller stops (cancelled, say) while page 0 is being stored.
        writer.close()
        release.set()
        await asyncio.sleep(0.2)  # page 0's failure reaches its (cancelled) future
        assert all(f.cancelled() for f in futures)
        del futures, writer
        gc.collect()

    asyncio.run(main())
    assert stored == []
    assert not complaints, complaints


def test_a_failure_nobody_awaited_is_not_reported_as_never_retrieved() -> None:
    complaints: list[dict[str, Any]] = []

    def store(number: int) -> int:
        raise RuntimeError(f"page {number} refused")

    async def main() -> None:
        asyncio.get_running_loop().set_exception_handler(lambda _, c: complaints.append(c))
        writer = PageWriter()
        futures = [writer.submit(store, n) for n in range(3)]
        with pytest.raises(RuntimeError, match="page 0 refused"):
            await futures[0]
        await asyncio.wait(futures[1:])  # both done: skipped, and no one asks
        writer.close()
        del futures, writer
        gc.collect()

    asyncio.run(main())
    assert not complaints, complaints
