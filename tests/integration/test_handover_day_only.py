"""4HSE records only the day an incident was closed. The handover must not print such a
resolution as an exact time with a made-up time open, its JSON must say the time stands for
a day, and a day no sync saw the incident closed on counts in "Resolved this shift" only when
the whole day lies in the shift (it may have been closed in the part before it)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

from incident_tui.clock import fixed_clock
from incident_tui.domain.handover import Handover
from incident_tui.domain.handover_render import to_json, to_markdown
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync

END = datetime(2026, 11, 26, 0, 56, tzinfo=UTC)
"""The shift's end: just after midnight (the user's zone is UTC in tests)."""


class Moment:
    """The emulator's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def _handover(db: Path, hours: float) -> Handover:
    return handover_report(Reader.open(db), now=END, hours=hours, stale_hours=24)


async def test_a_closing_day_in_the_handover(serve: Serve, tmp_path: Path) -> None:
    moment = Moment(datetime(2026, 11, 25, 22, 0, tzinfo=UTC))
    plant = serve("fourhse", sample=0, clock=moment)
    emulator = plant.emulator
    seen = emulator.add(  # type: ignore[attr-defined]
        name="Forklift near-miss", status="open", created_at="2026-11-25 20:00:00"
    )["office_incident_id"]
    settings = settings_for(tmp_path, emulator.remote_config("plant"))
    db = settings.db_path()

    async def sync_at(when: datetime) -> None:
        moment.now = when
        assert (await sync(settings, clock=fixed_clock(when))).ok

    await sync_at(moment.now)
    # Closed by a colleague; the next sync sees it closed that day.
    emulator.touch(seen, status="closed", date_closed="2026-11-25")  # type: ignore[attr-defined]
    await sync_at(datetime(2026, 11, 25, 23, 30, tzinfo=UTC))
    # Closed that day too, but first seen after it (in the morning, say, for real).
    unseen = emulator.add(  # type: ignore[attr-defined]
        name="Chemical spill", status="closed", date_closed="2026-11-25",
        created_at="2026-11-24 21:15:00",
    )["office_incident_id"]
    await sync_at(END)

    shift = _handover(db, 12)
    resolved = shift.section("resolved")
    assert [i.id for i in resolved.items] == [f"plant:{seen}"]
    assert resolved.total == 1 and resolved.day_only == 1
    text = to_markdown(shift)
    line = next(t for t in text.splitlines() if "Forklift" in t and "resolved on" in t)
    assert "resolved on 2026-11-25 (day only)" in line
    assert "open for" not in line and "23:30" not in line
    assert "- Resolved this shift: 1 (and 1 on a day only partly in this shift)" in text
    assert "Not counted: 1 resolved on a day that lies only partly in this shift" in text
    data = json.loads(json.dumps(to_json(shift)))
    item = data["sections"]["resolved"]["items"][0]
    assert item["resolved_day"] == "2026-11-25"
    assert item["resolved_at"] == "2026-11-25T23:30:00Z"
    assert data["sections"]["resolved"]["day_only"] == 1

    # A shift that holds the whole day counts both, each by its day alone.
    longer = _handover(db, 30)
    assert longer.since < datetime(2026, 11, 25, tzinfo=UTC)
    resolved = longer.section("resolved")
    assert [i.id for i in resolved.items] == [f"plant:{seen}", f"plant:{unseen}"]
    assert resolved.day_only == 0
    assert [i.resolved_day for i in resolved.items] == [date(2026, 11, 25)] * 2
    text = to_markdown(longer)
    spill = next(t for t in text.splitlines() if "Chemical spill" in t and "resolved on" in t)
    assert "resolved on 2026-11-25 (day only)" in spill and "open for" not in spill
    assert "23:59" not in spill
