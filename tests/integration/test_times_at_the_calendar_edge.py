"""Valid ISO 8601 times whose offset takes them past year 1 or 9999 in UTC, from a remote:
the time is left out with a warning (another the incident has may stand in), never the end
of the remote's pull, and the other incidents are kept. A time early in year 1 is written
in ``--json`` with a four-digit year, as ISO 8601 has it. So is a 4HSE day whose start in
the user's zone is out of reach (year 1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from incident_tui.emulators.revily_data import DEFAULT_TOKEN
from tests.conftest import local_zone
from tests.integration.conftest import Point, Serve, cli


def test_times_past_the_calendar_edge_are_left_out_and_the_rest_kept(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("revily", sample=3)
    emulator: Any = server.emulator
    rows = httpx.get(
        f"{server.url}/incidents", headers={"Authorization": f'Token token="{DEFAULT_TOKEN}"'}
    ).json()
    rows[0]["created_at"] = "9999-12-31T23:59:59-01:00"
    rows[1]["created_at"] = "0001-01-01T00:00:00+01:00"
    rows[2]["created_at"] = "0001-01-01T00:00:00-12:00"
    emulator.faults.add("status", method="GET", path=r"/incidents$", status=200, body=rows)
    point(("oncall", server))

    out, err = cli(capsys, "sync", "--once")

    assert "oncall: ok" in out
    assert "time '9999-12-31T23:59:59-01:00' out of range, left out" in err
    listed = json.loads(cli(capsys, "list", "--json")[0])
    created = {row["id"]: row["created_at"] for row in listed}
    assert len(created) == 3
    # Left out, the creation time is another the incident has (its trigger time here).
    assert created[f"oncall:{rows[0]['id']}"] != rows[0]["created_at"]
    assert created[f"oncall:{rows[2]['id']}"] == "0001-01-01T12:00:00Z"


@pytest.mark.parametrize("zone", ["UTC", "America/New_York", "Asia/Kathmandu"])
def test_a_4hse_day_of_year_one_is_left_out_and_the_rest_kept(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], zone: str
) -> None:
    # 0001-01-01 is what some systems write for "no date" (.NET's DateTime.MinValue); Python
    # reckons the start of that day in no local zone.
    server = serve("fourhse", sample=2)
    emulator: Any = server.emulator
    row = emulator.add(name="No date", date_incident="0001-01-01")
    closed = emulator.add(name="Closed, no date", status="closed",
                          date_incident="2026-11-20", date_closed="0001-01-01")
    point(("office", server))

    with local_zone(zone):
        out, err = cli(capsys, "sync", "--once")
        listed = {r["id"]: r for r in json.loads(cli(capsys, "list", "--json")[0])}

    assert "office: ok" in out
    assert "day '0001-01-01' out of range, left out" in err
    assert len(listed) == 4
    assert listed[f"office:{row['office_incident_id']}"]["title"] == "No date"
    assert listed[f"office:{closed['office_incident_id']}"]["status"] == "resolved"


def test_the_handover_writes_a_time_of_year_one_with_four_digits(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("revily", sample=1)
    row = next(iter(server.emulator.incidents.values()))  # type: ignore[attr-defined]
    row.state, row.triggered_at = "triggered", datetime(1, 1, 1, tzinfo=UTC)  # Go's zero time
    row.acknowledged_at = row.resolved_at = None
    point(("oncall", server))
    cli(capsys, "sync", "--once")

    out = cli(capsys, "handover")[0]

    assert f"oncall:{row.id}" in out
    assert "opened 0001-01-01 00:00Z" in out
