"""The pace and size limits on an answer's body (:mod:`incident_tui.remote.answer_limits`),
on a body whose pieces come at set times of a stepped clock."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest

from incident_tui.remote.answer_limits import LimitedBody
from incident_tui.remote.errors import TooLarge, Unavailable


class Timed(httpx.AsyncByteStream):
    """Pieces of ``size`` bytes, one at each of the ``times`` (seconds on :attr:`now`)."""

    def __init__(self, size: int, times: list[float]) -> None:
        self.size = size
        self.times = times
        self.now = 0.0
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for moment in self.times:
            self.now = moment
            yield b"x" * self.size

    async def aclose(self) -> None:
        self.closed = True


def read(body: Timed, *, most: int | None = None) -> int:
    """Bytes read through the limits: 100 bytes a second over 10-second windows."""
    limited = LimitedBody(
        body, where="http://remote", status=200, most=most, floor=100, window=10,
        clock=lambda: body.now,
    )

    async def whole() -> int:
        try:
            return sum([len(chunk) async for chunk in limited])
        finally:
            await limited.aclose()

    return asyncio.run(whole())


def test_a_body_at_pace_is_read_whole_however_long_it_takes() -> None:
    # 500 bytes every 2 s: 250 a second, for 60 s.
    body = Timed(500, [2.0 * n for n in range(31)])
    assert read(body) == 500 * 31 and body.closed


def test_a_body_that_slows_below_the_floor_fails_at_the_end_of_that_window() -> None:
    # Fast for 20 s, then 50 bytes every 5 s (10 a second): fails once a window has passed.
    body = Timed(50, [0.1 * n for n in range(400)] + [40.0 + 5 * n for n in range(100)])
    with pytest.raises(Unavailable, match=r"too slowly \(100 B in 10 s, under 100 B a"):
        read(body)
    assert body.closed


def test_a_slow_start_counts_only_once_the_window_is_over() -> None:
    # 5 s of nothing, then quick: the first window still averages over the floor.
    body = Timed(2000, [5.0, 6.0, 7.0, 12.0])
    assert read(body) == 8000


def test_a_body_over_the_most_held_fails_with_the_limit_named() -> None:
    body = Timed(1024 * 1024, [0.0] * 5)
    with pytest.raises(TooLarge, match=r"more than 4\.0 MB") as caught:
        read(body, most=4 * 1024 * 1024)
    assert caught.value.status == 200 and not caught.value.retryable
    assert read(Timed(1024 * 1024, [0.0] * 4), most=4 * 1024 * 1024) == 4 * 1024 * 1024
