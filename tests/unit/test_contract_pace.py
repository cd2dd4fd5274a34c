"""The client-side pace of :mod:`incident_tui.remote.http` (``max_rate``): slots freed a
window after each answer, taken in the order asked, and the per-kind defaults of the key."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from incident_tui.config import load_settings
from incident_tui.remote.http import Http, Pace

ONEUPTIME = (
    '[[remotes]]\nname = "status"\nkind = "oneuptime"\nbase_url = "https://ou.example.test"\n'
    'project_id = "p-1"\n'
    '[[remotes]]\nname = "pager"\nkind = "revily"\nbase_url = "https://rv.example.test"\n'
)


async def test_a_burst_of_rate_requests_goes_at_once_and_the_next_waits_a_window() -> None:
    slept: list[float] = []

    async def record(seconds: float) -> None:
        slept.append(seconds)

    pace = Pace(2.5, sleep=record)  # two per 0.8 s: never more than 2.5 a second
    assert (pace.burst, pace.window) == (2, pytest.approx(0.8))
    for _ in range(2):
        await pace.take()
        pace.give_back()
    assert slept == []
    await pace.take()
    assert slept == [pytest.approx(0.8, abs=0.05)]


async def test_a_slot_in_use_is_free_only_after_its_answer() -> None:
    pace = Pace(1)
    await pace.take()
    waiting = asyncio.create_task(pace.take())
    await asyncio.sleep(0.05)
    assert not waiting.done()  # the only slot's request is still unanswered
    pace.give_back()
    await asyncio.sleep(0.05)
    assert not waiting.done()  # and stays taken for a window after the answer
    await asyncio.wait_for(waiting, 2)
    assert pace.waited == pytest.approx(1.0, abs=0.1)


async def test_a_take_cancelled_while_it_waits_leaves_its_slot() -> None:
    pace = Pace(1)
    await pace.take()
    pace.give_back()
    waiting = asyncio.create_task(pace.take())
    await asyncio.sleep(0.05)
    waiting.cancel()
    with pytest.raises(asyncio.CancelledError):
        await waiting
    later = asyncio.create_task(pace.take())
    await asyncio.sleep(0.05)
    assert not later.done()  # the slot is back, still not free before its time
    later.cancel()
    with pytest.raises(asyncio.CancelledError):
        await later


async def test_no_rate_means_no_pace() -> None:
    http = Http("http://127.0.0.1:9")
    assert http.pace is None
    await http.aclose()
    paced = Http("http://127.0.0.1:9", max_rate=100)
    assert paced.pace is not None and paced.pace.burst == 100
    await paced.aclose()
    with pytest.raises(ValueError):
        Pace(0)


def test_oneuptime_is_paced_to_its_documented_limit_by_default(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(ONEUPTIME, encoding="utf-8")
    status, pager = load_settings(path).remotes
    assert (status.max_rate, pager.max_rate) == (100, 0)
    path.write_text(ONEUPTIME.replace('"p-1"\n', '"p-1"\nmax_rate = 0\n'), encoding="utf-8")
    assert load_settings(path).remotes[0].max_rate == 0
