"""A ``sync`` left running for a shift: a warning about a remote's record is said once per
process, however many records have one and however many full listings read them again."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from incident_tui.config import Settings
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep

UNREADABLE = 300
"""Incidents whose day the mapping cannot read: more than a few hundred distinct warnings."""


async def test_each_warning_is_said_once_across_full_listings(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    server = serve("aoh_ims", sample=0)
    for n in range(UNREADABLE):
        # A day in a format the mapping does not read: one warning per incident.
        server.emulator.add(name=f"legacy {n}", date=f"22.11.2026 10:{n // 60:02d}:{n % 60:02d}")
    now = [FIXED_NOW]

    def clock() -> datetime:
        return now[0]

    settings = Settings(db=tmp_path / "cache.db", remotes=[server.emulator.remote_config("ops")])
    engine = SyncEngine(settings, clock=clock, sleep=no_sleep)
    try:
        with caplog.at_level(logging.WARNING, logger="incident_tui"):
            assert (await engine.sync()).ok
            # Past the interval of full listings: the next pass lists every incident again.
            now[0] += timedelta(minutes=16)
            assert (await engine.sync()).ok
    finally:
        await engine.aclose()
    said = Counter(r.getMessage() for r in caplog.records if "unreadable time" in r.getMessage())
    assert len(said) == UNREADABLE
    assert set(said.values()) == {1}, said.most_common(3)
