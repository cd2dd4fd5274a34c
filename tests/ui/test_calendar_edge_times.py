"""A time from a remote that lies before the year 1 or after 9999 in the user's zone (Go's
zero time, 0001-01-01T00:00:00Z, west of Greenwich; 9999-12-31T23:59:59Z east of it) is
still a time in UTC: the detail shows it there, marked Z, with the rest of the incident."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_tui.ui.screens.detail_kind import due
from tests.conftest import local_zone
from tests.ui.helpers import live_app, notifications, open_detail, screen_text, synced, until


@pytest.mark.parametrize(
    ("zone", "field", "moment", "shown"),
    [
        ("America/New_York", "triggered_at", datetime(1, 1, 1, tzinfo=UTC),
         "Created       0001-01-01 00:00Z"),
        ("Asia/Kathmandu", "resolved_at", datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
         "Resolved      9999-12-31 23:59Z"),
    ],
)
async def test_the_detail_shows_a_time_at_the_calendar_edge_in_utc(
    serve: Any, tmp_path: Path, zone: str, field: str, moment: datetime, shown: str
) -> None:
    server = serve("revily", sample=1)
    row = next(iter(server.emulator.incidents.values()))
    setattr(row, field, moment)
    app = live_app(server, "oncall", tmp_path)
    with local_zone(zone):
        async with app.run_test(size=(100, 50)) as pilot:
            await until(lambda: synced(app))
            await open_detail(pilot, f"oncall:{row.id}")
            await until(lambda: shown in screen_text(app), limit=5.0)
            assert row.message in screen_text(app)
            assert not notifications(app)


def test_a_promised_update_at_the_calendar_edge_shows_in_utc() -> None:
    now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
    with local_zone("Asia/Kathmandu"):
        shown = due("9999-12-31T23:59:59Z", now)
    assert shown[0] == "9999-12-31 23:59Z"
