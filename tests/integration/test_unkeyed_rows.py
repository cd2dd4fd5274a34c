"""Listed rows the sync cannot key (no id, an id that is not text, an unreadable change
time): each is left out with one warning naming the remote, the other incidents are synced,
and a cached incident the listing missed is asked for before it is taken for deleted. Through
the sync engine and a real SQLite cache, against the emulators over HTTP, which serve such a
row in place of their listing. One such row used to fail its remote on every pass, so a
first sync stored nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.clock import system_clock
from incident_tui.domain.query import ListQuery
from incident_tui.emulators.aoh_ims import DEFAULT_TENANT as AOH_TENANT
from incident_tui.emulators.fourhse import INCIDENT
from incident_tui.emulators.oneuptime_data import API_KEY as ONEUPTIME_KEY
from incident_tui.emulators.revily import DEFAULT_TOKEN as REVILY_TOKEN
from incident_tui.remote.oneuptime_mapping import INCIDENT_SELECT
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


def _cached(db: Path, remote: str) -> set[str]:
    """Remote ids of the remote's cached incidents."""
    reader = Reader.open(db)
    try:
        return {row.remote_id for row in reader.all_rows(ListQuery()) if row.remote == remote}
    finally:
        reader.close()


def _warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]


# Revily ------------------------------------------------------------------------------------


def _revily(emulator: Any, method: str, path: str) -> Any:
    """One request to the Revily emulator as a client with its token would send it."""
    headers = {"Authorization": f'Token token="{REVILY_TOKEN}"'}
    response = httpx.request(method, emulator.base_url + path, headers=headers)
    response.raise_for_status()
    return response.json() if response.content else None


async def test_revily_rows_without_an_id_are_left_out(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("revily", sample=0).emulator
    disk, pager, queue = (emulator.add(t)["id"] for t in ("Disk full", "Pager", "Queue"))
    settings = settings_for(tmp_path, emulator.remote_config("oncall"))
    listed = _revily(emulator, "GET", "/incidents")
    ghost = {k: v for k, v in listed[0].items() if k != "id"} | {"message": "No id"}
    emulator.faults.add("status", method="GET", path=r"^/incidents$", status=200,
                        body=[*listed, ghost], times=-1)
    with caplog.at_level(logging.WARNING):
        first = await sync(settings)
    assert first.ok, [r.error for r in first.results]
    assert _cached(settings.db_path(), "oncall") == {disk, pager, queue}
    assert _warnings(caplog) == [
        "oncall: Revily listed an incident without an id; it is left out and the others "
        "are synced"
    ]

    # The pager incident is deleted on the server; the disk one comes without its id now.
    emulator.faults.clear()
    _revily(emulator, "DELETE", f"/incidents/{pager}")
    listed = _revily(emulator, "GET", "/incidents")
    unkeyed = [{k: v for k, v in r.items() if k != "id" or v != disk} for r in listed]
    emulator.faults.add("status", method="GET", path=r"^/incidents$", status=200,
                        body=unkeyed, times=-1)
    second = await sync(settings)
    assert second.ok, [r.error for r in second.results]
    assert [r.removed for r in second.results] == [1]
    assert _cached(settings.db_path(), "oncall") == {disk, queue}


# Kitehouse ---------------------------------------------------------------------------------


async def test_kitehouse_rows_whose_id_is_a_number_are_left_out(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("kitehouse", sample=0).emulator
    ids = [emulator.add(f"Spill {n}")["_id"] for n in range(7)]
    # Its list rows now carry _id 42: ObjectIds are text, and no GET answers for a number.
    emulator.touch(ids[-1], id=42)
    # Pages of 3 in the server's own order, newest first (every sync a full listing): the
    # first page, which lost that row, still counts as full, so the listing goes on.
    config = emulator.remote_config("school") | {"page_size": 3, "updated_sort": None}
    settings = settings_for(tmp_path, config)
    with caplog.at_level(logging.WARNING):
        first = await sync(settings)
    assert first.ok, [r.error for r in first.results]
    assert _cached(settings.db_path(), "school") == set(ids[:-1])
    assert _warnings(caplog) == [
        "school: Kitehouse listed an incident whose _id is not text (int); it is left out "
        "and the others are synced"
    ]

    with emulator.lock:
        del emulator.incidents[ids[0]]
        emulator.changed()
    second = await sync(settings)
    assert second.ok, [r.error for r in second.results]
    assert [r.removed for r in second.results] == [1]
    assert _cached(settings.db_path(), "school") == set(ids[1:-1])


# 4HSE --------------------------------------------------------------------------------------


async def test_fourhse_rows_without_an_office_incident_id_are_left_out(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("fourhse", sample=0, foreign=0).emulator
    ids = [emulator.add(name=f"Forklift {n}")["office_incident_id"] for n in range(3)]
    emulator.add(name="No id", office_incident_id=None)
    settings = settings_for(tmp_path, emulator.remote_config("plant"))
    with caplog.at_level(logging.WARNING):
        first = await sync(settings)
    assert first.ok, [r.error for r in first.results]
    assert _cached(settings.db_path(), "plant") == set(ids)
    assert _warnings(caplog) == [
        "plant: 4HSE listed an incident without an office_incident_id; it is left out and "
        "the others are synced"
    ]

    with emulator.lock:
        emulator._remove(INCIDENT, ids[0])
    second = await sync(settings)
    assert second.ok, [r.error for r in second.results]
    assert [r.removed for r in second.results] == [1]
    assert _cached(settings.db_path(), "plant") == set(ids[1:])


# OneUptime ---------------------------------------------------------------------------------


def _oneuptime(emulator: Any, path: str, body: dict[str, Any]) -> Any:
    """One POST to the OneUptime emulator with its API key."""
    response = httpx.post(f"{emulator.base_url}/api{path}", json=body,
                          headers={"ApiKey": ONEUPTIME_KEY})
    response.raise_for_status()
    return response.json()


async def test_oneuptime_rows_with_an_unreadable_update_time_are_left_out(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("oneuptime", sample=0).emulator
    ids = [str(emulator.add(f"Latency {n}")["_id"]) for n in range(3)]
    settings = settings_for(tmp_path, emulator.remote_config("status"))
    assert (await sync(settings)).ok
    assert _cached(settings.db_path(), "status") == set(ids)

    # Deleted on the server; and the first one comes with an updatedAt no one can read.
    _oneuptime(emulator, f"/incident/{ids[2]}/delete-item", {})
    listing = {"select": INCIDENT_SELECT, "query": {},
               "sort": {"updatedAt": "ASC", "_id": "ASC"}}
    answer = _oneuptime(emulator, "/incident/get-list?skip=0&limit=100", listing)
    for row in answer["data"]:
        if row["_id"] == ids[0]:
            row["updatedAt"] = "last Tuesday"
    emulator.faults.add("status", method="POST", path=r"^/api/incident/get-list$", status=200,
                        body=answer, times=-1)
    later = system_clock() + timedelta(hours=1)  # a full listing is due again
    with caplog.at_level(logging.WARNING):
        report = await sync(settings, clock=lambda: later)
    assert report.ok, [r.error for r in report.results]
    assert [r.removed for r in report.results] == [1]
    assert _cached(settings.db_path(), "status") == set(ids[:2])
    assert (
        "status: OneUptime listed an incident whose updatedAt is not a readable time; it is "
        "left out and the others are synced"
    ) in _warnings(caplog)


# AOH IMS -----------------------------------------------------------------------------------


async def test_aoh_ims_rows_without_an_id_are_counted_off_the_total(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("aoh_ims", sample=0).emulator
    ids = [emulator.add(name=f"Gate {n}")["id"] for n in range(3)]
    emulator.add(name="No id", id=None)  # its total still counts it
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    with caplog.at_level(logging.WARNING):
        first = await sync(settings)
    assert first.ok, [r.error for r in first.results]
    assert _cached(settings.db_path(), "ops") == set(ids)
    assert _warnings(caplog) == [
        "ops: AOH IMS listed an incident without an id; it is left out and the others are "
        "synced"
    ]

    with emulator.lock:
        emulator.tenant(AOH_TENANT).remove(ids[0])
    emulator.log.clear()
    second = await sync(settings)
    assert second.ok, [r.error for r in second.results]
    assert [r.removed for r in second.results] == [1]
    assert _cached(settings.db_path(), "ops") == set(ids[1:])
    # One answer holds the whole listing: no page requests after it.
    assert not [e.query for e in emulator.log if "page" in e.query]
