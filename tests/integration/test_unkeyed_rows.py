"""Listed rows the sync cannot key (no id, an id that is not text, an unreadable change
time): each is left out with one warning naming the remote, the other incidents are synced,
and a cached incident the listing missed is asked for before it is taken for deleted. Through
the sync engine and a real SQLite cache, against the emulators over HTTP, which serve such a
row in place of their listing. One such row used to fail its remote on every pass, so a
first sync stored nothing."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.fourhse import INCIDENT
from incident_tui.emulators.revily import DEFAULT_TOKEN as REVILY_TOKEN
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
