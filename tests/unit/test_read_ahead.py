"""Reading a listing one page ahead: same items, same order, same errors, nothing left running."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator

import pytest

from incident_tui.remote.read_ahead import read_ahead


class Source:
    """An async generator that records how far it got and whether it was closed."""

    def __init__(self, count: int, fail_at: int | None = None) -> None:
        self.count = count
        self.fail_at = fail_at
        self.started: list[int] = []
        self.closed = False

    async def items(self) -> AsyncGenerator[int, None]:
        try:
            for number in range(self.count):
                self.started.append(number)
                await asyncio.sleep(0.001)  # a request
                if number == self.fail_at:
                    raise ValueError(f"page {number} failed")
                yield number
        finally:
            self.closed = True


def test_items_arrive_in_order_with_the_next_one_already_started() -> None:
    source = Source(4)

    async def consume() -> list[tuple[int, list[int]]]:
        return [(item, list(source.started)) async for item in read_ahead(source.items())]

    seen = asyncio.run(consume())
    assert [item for item, _ in seen] == [0, 1, 2, 3]
    # While the caller holds item n, item n + 1 is being fetched: never further ahead.
    assert [started for _, started in seen[:3]] == [[0, 1], [0, 1, 2], [0, 1, 2, 3]]
    assert source.closed


def test_an_error_comes_after_the_items_before_it() -> None:
    source = Source(5, fail_at=2)
    got: list[int] = []

    async def consume() -> None:
        async for item in read_ahead(source.items()):
            got.append(item)

    with pytest.raises(ValueError, match="page 2 failed"):
        asyncio.run(consume())
    assert got == [0, 1]
    assert source.started == [0, 1, 2] and source.closed


def test_stopping_early_cancels_the_step_ahead_and_closes_the_source() -> None:
    source = Source(10)

    async def consume() -> set[asyncio.Task[object]]:
        reader = read_ahead(source.items())
        async for item in reader:
            if item == 1:
                break
        await reader.aclose()  # what ``async for`` leaves to the garbage collector
        return {t for t in asyncio.all_tasks() if t is not asyncio.current_task()}

    assert asyncio.run(consume()) == set()
    assert source.started == [0, 1, 2] and source.closed


def test_a_step_that_sends_nothing_holds_the_caller_only_briefly() -> None:
    """A step that backs off (sleeps before its request) must not hold up the item in hand
    for its whole wait: the caller gets it after ``SEND_WAIT`` at most."""

    async def slow_second() -> AsyncGenerator[int, None]:
        yield 0
        await asyncio.sleep(30)  # a long Retry-After
        yield 1

    async def first_item() -> int:
        reader = read_ahead(slow_second())
        try:
            return await asyncio.wait_for(anext(reader), timeout=5)
        finally:
            await reader.aclose()

    assert asyncio.run(first_item()) == 0
