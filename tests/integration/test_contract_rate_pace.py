"""The client-side pace (``max_rate``) against the OneUptime emulator's rate limit over HTTP:
a first sync that reads many incidents at once stays under the documented 100 operations a
second (contracts/oneuptime.md §3.1) instead of leaning on 429 retries."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli


def busiest_second(times: list[float]) -> int:
    """The most requests the emulator handled within any one second (a sliding window)."""
    most, first = 0, 0
    for last, at in enumerate(times):
        while at - times[first] >= 1.0:
            first += 1
        most = max(most, last - first + 1)
    return most


def test_a_first_oneuptime_sync_keeps_under_the_documented_rate(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status: Any = serve("oneuptime", sample=150, rate_limit=100)
    monkeypatch.setenv("INCIDENT_TUI_HYDRATE_LIMIT", "40")  # ~250 requests: 2.5 s paced
    point(("status", status))  # no max_rate given: OneUptime's default, 100 a second
    out, _ = cli(capsys, "sync", "--once")
    assert "150" in out
    log = status.emulator.log
    assert len(log) > 200  # enough to go over the limit in the first second if unpaced
    assert [e.status for e in log if e.status == 429] == []
    assert busiest_second(sorted(e.at for e in log)) <= 100


def test_max_rate_zero_leaves_a_remote_unpaced(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    status: Any = serve("oneuptime", sample=150)
    monkeypatch.setenv("INCIDENT_TUI_HYDRATE_LIMIT", "40")
    point({**status.emulator.remote_config("status"), "max_rate": 0})
    cli(capsys, "sync", "--once")
    assert busiest_second(sorted(e.at for e in status.emulator.log)) > 100
