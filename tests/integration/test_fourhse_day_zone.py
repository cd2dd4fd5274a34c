"""4HSE writes days without a zone; they are read as the user's days. West of Greenwich a
remote (or an office east of the user) may already be on the next day: a resolution dated
then must not land in the future, where the handover would leave it out of every shift. The
emulator writes its days in the local zone, as the client reads them."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from incident_tui.clock import fixed_clock
from incident_tui.emulators import make_emulator
from incident_tui.remote.fourhse_mapping import incident_from
from incident_tui.store.days import settled_times
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync

EVENING = datetime(2026, 11, 26, 0, 58, 30, tzinfo=UTC)
"""19:58 on 25 November in New York, already the 26th in UTC."""


def test_a_closing_day_still_ahead_is_timed_at_the_pass(new_york: None) -> None:
    row = {"office_incident_id": "i1", "name": "Spill", "status": "closed",
           "date_incident": "2026-11-25", "date_closed": "2026-11-26",
           "created_at": "2026-11-25 14:00:00"}
    incident = incident_from(row, remote="plant", clock=lambda: EVENING)
    assert settled_times(incident, {}, EVENING) == {"resolved_at": EVENING}
    # Once that day has come here, a pass on it times it as any other.
    morning = EVENING + timedelta(hours=12)
    assert settled_times(incident, {"resolved_at": EVENING}, morning) == {"resolved_at": morning}


async def test_a_resolution_dated_tomorrow_counts_in_this_shift(
    serve: Serve, tmp_path: object, new_york: None
) -> None:
    plant = serve("fourhse", sample=0, clock=lambda: EVENING)
    row = plant.emulator.add(  # type: ignore[attr-defined]
        name="Spill", status="closed", date_closed="2026-11-26",
        created_at="2026-11-25 14:00:00",
    )
    settings = settings_for(tmp_path, plant.emulator.remote_config("plant"))  # type: ignore[arg-type]
    assert (await sync(settings, clock=fixed_clock(EVENING))).ok
    reader = Reader.open(settings.db_path())
    detail = reader.detail(f"plant:{row['office_incident_id']}")
    assert detail is not None
    assert detail.incident["resolved_at"] == "2026-11-26T00:58:30.000000Z"
    report = handover_report(reader, now=EVENING, hours=12, stale_hours=24)
    resolved = next(s for s in report.sections if s.key == "resolved")
    assert [i.id for i in resolved.items] == [f"plant:{row['office_incident_id']}"]
    assert report.after_end == 0
    # Here it was the 25th still: the remote's day had begun before the pass, on the 25th.
    assert resolved.items[0].resolved_day == date(2026, 11, 25)


def test_the_emulator_writes_days_in_the_local_zone(new_york: None) -> None:
    emulator = make_emulator("fourhse", sample=300, seed=8, clock=lambda: EVENING)
    today = "2026-11-25"
    rows = list(emulator.rows["incident"].values())  # type: ignore[attr-defined]
    closed = [r["date_closed"] for r in rows if r["date_closed"]]
    assert closed and max(closed) == today
    assert max(r["date_incident"] for r in rows) <= today
    assert emulator.add(name="Spill")["date_incident"] == today  # type: ignore[attr-defined]
