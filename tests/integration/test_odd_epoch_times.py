"""A time the remote sends as an epoch number in milliseconds, or out of any calendar, in one
incident: every pull of the remote still works (against an AOH IMS emulator over HTTP)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


async def test_epoch_milliseconds_are_read_and_an_impossible_time_stops_no_pull(
    serve: Serve, tmp_path: Path
) -> None:
    emulator: Any = serve("aoh_ims", sample=0).emulator
    promised = datetime(2025, 11, 25, 18, 30, tzinfo=UTC)
    in_ms = emulator.add(name="Next update in ms", next_update=int(promised.timestamp()) * 1000)
    absurd = emulator.add(name="Next update out of range", next_update=10**30)
    settings = settings_for(tmp_path, emulator.remote_config("ops"))

    for _ in range(2):  # the first pull, and the ones after it
        result = (await sync(settings)).results[0]
        assert result.ok, result.error

    reader = Reader.open(settings.db_path())
    shown = reader.detail(f"ops:{in_ms['id']}")
    assert shown is not None and shown.incident["extra"]["next_update"] == "2025-11-25T18:30:00Z"
    other = reader.detail(f"ops:{absurd['id']}")
    assert other is not None and other.incident["title"] == "Next update out of range"
    assert other.incident["extra"].get("next_update") is None
