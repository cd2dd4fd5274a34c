"""Where summer time starts at midnight (Chile, Cuba, Lebanon, Egypt) the clocks go from
23:59 to 01:00 and that day has no 00:00. A 4HSE day is still that day: its start is 01:00,
not 23:00 the evening before, so an incident occurred and closed on it is not dated a day
early, and one a responder resolved that morning stays "resolved this shift" once the sync
stores the remote's copy."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.domain.mapping import parse_day
from incident_tui.remote.fourhse_mapping import incident_from
from incident_tui.store.actions import Actions
from incident_tui.store.days import local_day, settled_times
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from tests.conftest import local_zone
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync

MORNING = datetime(2026, 9, 6, 13, 0, tzinfo=UTC)
"""10:00 in Santiago on 6 September 2026, the day its clocks jump from 24:00 to 01:00."""


@pytest.fixture(autouse=True)
def santiago() -> Iterator[None]:
    with local_zone("America/Santiago"):
        # The machine's zone data must have that jump (a missing zone reads as UTC, and
        # Chile has changed its rules before): otherwise there is nothing to test here.
        before = datetime(2026, 9, 6, 3, 59, tzinfo=UTC).astimezone()
        after = datetime(2026, 9, 6, 4, 0, tzinfo=UTC).astimezone()
        if (before.hour, after.hour) != (23, 1):
            pytest.skip("this machine's zone data has no jump at midnight in Santiago in 2026")
        yield


def test_the_day_starts_when_the_clocks_jump() -> None:
    start = parse_day("2026-09-06")
    assert start == datetime(2026, 9, 6, 4, tzinfo=UTC)  # 01:00 -03
    assert start is not None and start.astimezone().date() == date(2026, 9, 6)
    assert parse_day("2026-09-07") == datetime(2026, 9, 7, 3, tzinfo=UTC)
    # Closed elsewhere that day, seen days later: it stands for that day, at its last moment.
    row = {"office_incident_id": "i1", "name": "Spill", "status": "closed",
           "date_incident": "2026-09-06", "date_closed": "2026-09-06"}
    later = datetime(2026, 9, 8, 15, tzinfo=UTC)
    incident = incident_from(row, remote="plant", clock=lambda: later)
    closed = settled_times(incident, {}, later)["resolved_at"]
    assert closed == datetime(2026, 9, 7, 2, 59, 59, 999999, tzinfo=UTC)  # 23:59:59 -03
    assert local_day(closed) == date(2026, 9, 6)


async def test_a_resolve_that_morning_stays_resolved_this_shift(
    serve: Serve, tmp_path: Path
) -> None:
    plant = serve("fourhse", sample=0, clock=lambda: MORNING)
    row = plant.emulator.add(  # type: ignore[attr-defined]
        name="Spill", status="open", date_incident="2026-09-06",
        created_at="2026-09-06 04:30:00",
    )
    incident_id = f"plant:{row['office_incident_id']}"
    settings = settings_for(tmp_path, plant.emulator.remote_config("plant"))  # type: ignore[arg-type]
    assert (await sync(settings, clock=fixed_clock(MORNING))).ok
    actions = Actions.open(settings.db_path(), clock=fixed_clock(MORNING), remotes=["plant"])
    try:
        actions.resolve([incident_id])
    finally:
        actions.engine.dispose()
    assert (await sync(settings, clock=fixed_clock(MORNING))).ok
    assert row["date_closed"] == "2026-09-06"

    reader = Reader.open(settings.db_path())
    detail = reader.detail(incident_id)
    assert detail is not None and detail.incident["pending"] == 0
    assert detail.incident["resolved_at"] == "2026-09-06T13:00:00.000000Z"
    assert detail.incident["occurred_at"] == "2026-09-06T04:00:00.000000Z"
    report = handover_report(reader, now=MORNING, hours=12, stale_hours=24)
    resolved = next(s for s in report.sections if s.key == "resolved")
    assert [i.id for i in resolved.items] == [incident_id]
