"""4HSE says only on which day an incident was closed. An incident a responder resolved in
this shift must stay "resolved this shift" after the sync stores the remote's copy, and a
day must read as the user's day, not as the evening before west of Greenwich."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.domain.mapping import parse_day
from incident_tui.domain.model import Status
from incident_tui.domain.query import ListQuery
from incident_tui.remote.fourhse_mapping import incident_from
from incident_tui.store.days import settled_times
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve


def test_a_day_is_the_users_day(new_york: None) -> None:
    start = parse_day("2026-11-25")
    assert start == datetime(2026, 11, 25, 5, tzinfo=UTC)
    assert start is not None and start.astimezone().strftime("%Y-%m-%d %H:%M") == "2026-11-25 00:00"
    assert parse_day("2026-02-30") is None
    assert parse_day("2026-11-25T10:00:00Z") == datetime(2026, 11, 25, 10, tzinfo=UTC)


def closed_on(day: str) -> Any:
    row = {"office_incident_id": "i1", "name": "Spill", "status": "closed",
           "date_incident": day, "date_closed": day, "created_at": f"{day} 01:00:00"}
    return incident_from(row, remote="plant", clock=lambda: datetime.now(UTC))


def test_a_closing_day_keeps_the_time_known_within_it(new_york: None) -> None:
    incident = closed_on("2026-11-25")
    evening = datetime(2026, 11, 26, 1, 30, tzinfo=UTC)  # 20:30 on the 25th in New York
    # Resolved here at that moment: kept over the day's start.
    assert settled_times(incident, {"resolved_at": evening}, evening) == {"resolved_at": evening}
    # Closed elsewhere, first seen by this pass on that day: the pass's moment.
    assert settled_times(incident, {}, evening) == {"resolved_at": evening}
    # A cached time of another day (closed, reopened, closed again) says nothing of this one.
    other = datetime(2026, 11, 20, 12, tzinfo=UTC)
    assert settled_times(incident, {"resolved_at": other}, evening) == {"resolved_at": evening}
    # A day gone by: its last moment (a window reaching into that day counts it).
    later = datetime(2026, 11, 28, 12, tzinfo=UTC)
    last = settled_times(incident, {}, later)["resolved_at"]
    assert last.astimezone().strftime("%Y-%m-%d %H:%M") == "2026-11-25 23:59"
    assert incident.occurred_at == datetime(2026, 11, 25, 5, tzinfo=UTC)  # left a day


def test_resolved_here_stays_resolved_this_shift_after_the_sync(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    plant = serve("fourhse", sample=6)
    db: Path = use(("plant", plant))
    incident_id = next(
        row.id for row in Reader.open(db).all_rows(ListQuery())
        if row.status != Status.RESOLVED.value
    )
    assert main(["resolve", incident_id]) == 0
    resolved_here = Reader.open(db).detail(incident_id).incident["resolved_at"]  # type: ignore[union-attr]
    assert main(["sync", "--once"]) == 0
    key = incident_id.split(":", 1)[1]
    assert plant.emulator.rows["incident"][key]["status"] == "closed"  # type: ignore[attr-defined]
    detail = Reader.open(db).detail(incident_id)
    assert detail is not None and detail.incident["pending"] == 0
    assert detail.incident["resolved_at"] == resolved_here
    capsys.readouterr()
    assert main(["handover", "--hours", "1", "--format", "json"]) == 0
    report = json.loads(capsys.readouterr().out)
    resolved = [item["id"] for item in report["sections"]["resolved"]["items"]]
    assert incident_id in resolved

