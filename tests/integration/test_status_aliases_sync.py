"""A Kitehouse ``status_map`` written with the status aliases (``"in_review" = "new"``)
maps the remote's words as their canonical statuses, through a sync over HTTP from the
emulator, and ``list --status`` finds them by alias too."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli


def test_a_status_map_of_aliases_maps_a_synced_incident(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    school: Any = serve("kitehouse", sample=0)
    started = school.emulator.add("Boiler inspection", status="in_review")
    parked = school.emulator.add("Fence repair", status="parked")
    config = school.emulator.remote_config("school")
    point({**config, "status_map": {"in_review": "new", "parked": "open"}})
    cli(capsys, "sync", "--once")
    rows = json.loads(cli(capsys, "list", "--json")[0])
    statuses = {row["remote_id"]: (row["status"], row["status_raw"]) for row in rows}
    # Without the map "in_review" reads as acknowledged (it holds "review").
    assert statuses == {
        started["_id"]: ("triggered", "in_review"),
        parked["_id"]: ("acknowledged", "parked"),
    }
    found = json.loads(cli(capsys, "list", "--json", "--status", "new")[0])
    assert [row["remote_id"] for row in found] == [started["_id"]]
