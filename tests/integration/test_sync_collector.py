"""A sync pass over HTTP runs with the cycle collector's raised threshold
(:mod:`incident_tui.sync.garbage`) and leaves the thresholds as it found them, also when one
of its remotes cannot be reached."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui.config import Settings
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import NullListener
from incident_tui.sync.garbage import PASS_THRESHOLD
from tests.conftest import dead_port
from tests.integration.conftest import Serve, no_sleep


class Thresholds(NullListener):
    """Records the collector's thresholds as each remote's pass starts."""

    def __init__(self) -> None:
        self.seen: dict[str, tuple[int, int, int]] = {}

    def remote_started(self, remote: str) -> None:
        self.seen[remote] = gc.get_threshold()


@pytest.fixture(autouse=True)
def defaults() -> Iterator[None]:
    before = gc.get_threshold()
    gc.set_threshold(700, 10, 10)
    yield
    gc.set_threshold(*before)


async def test_a_pass_counts_less_often_and_puts_the_thresholds_back(
    serve: Serve, tmp_path: Path
) -> None:
    school = serve("kitehouse", sample=30)
    gone = {**serve("revily", sample=0).emulator.remote_config("oncall"),
            "base_url": f"http://127.0.0.1:{dead_port()}"}  # fmt: skip
    settings = Settings(
        db=tmp_path / "cache.db", remotes=[school.emulator.remote_config("school"), gone]
    )
    listener = Thresholds()
    engine = SyncEngine(settings, listener=listener, sleep=no_sleep)
    try:
        report = await engine.sync()
    finally:
        await engine.aclose()
    assert [r.ok for r in report.results] == [True, False]
    assert listener.seen == {"school": (PASS_THRESHOLD, 10, 10), "oncall": (PASS_THRESHOLD, 10, 10)}
    assert gc.get_threshold() == (700, 10, 10)
