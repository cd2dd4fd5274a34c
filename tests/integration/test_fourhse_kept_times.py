"""4HSE keeps no update or acknowledgement time. What this cache saw happen to an incident
(the user's acknowledge) must outlast the sync that stores the remote's copy: an incident
acknowledged this shift is not "stale" afterwards. Keeping those times must not make a full
listing of unchanged incidents rewrite them, and they still follow what the remote says. An
incident someone else changed there is timed at the sync that finds it changed: it is not
"stale" either, with its creation as its last update."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.remote.fourhse_mapping import incident_from
from incident_tui.store.days import kept_times
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Point, Serve, cli
from tests.integration.test_sync import settings_for, sync

HOUR = timedelta(hours=1)


def _times(db: Path, incident_id: str) -> dict[str, Any]:
    detail = Reader.open(db).detail(incident_id)
    assert detail is not None
    return {key: detail.incident[key] for key in ("status", "updated_at", "acknowledged_at")}


def _stale(capsys: pytest.CaptureFixture[str]) -> list[str]:
    report = json.loads(cli(capsys, "handover", "--format", "json")[0])
    return [item["id"] for item in report["sections"]["stale"]["items"]]


def _synced_at(db: Path) -> dict[str, str]:
    with sqlite3.connect(db) as conn:
        return dict(conn.execute("SELECT id, synced_at FROM incident"))


def test_acknowledged_here_is_not_stale_after_the_sync(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant = serve("fourhse", sample=5)
    # Reported days ago and untouched since: stale until someone acts on it.
    days_ago = datetime.now(UTC) - timedelta(days=5)
    row = plant.emulator.add(  # type: ignore[attr-defined]
        name="Leaking valve", status="new", date_incident=days_ago.date().isoformat(),
        created_at=days_ago.strftime("%Y-%m-%d %H:%M:%S"),
    )
    key = row["office_incident_id"]
    incident_id = f"plant:{key}"
    point(("plant", plant))
    db = tmp_path / "cache.db"
    cli(capsys, "sync", "--once")
    assert incident_id in _stale(capsys)

    cli(capsys, "ack", incident_id)
    acted = _times(db, incident_id)
    assert acted["updated_at"] and acted["acknowledged_at"]
    assert incident_id not in _stale(capsys)

    cli(capsys, "sync", "--once")  # sends the acknowledge and stores the remote's copy
    assert plant.emulator.rows["incident"][key]["status"] == "open"  # type: ignore[attr-defined]
    assert incident_id not in _stale(capsys)
    assert _times(db, incident_id) == acted

    # The kept times are not part of what tells a changed incident: a listing of unchanged
    # incidents writes none of them.
    written = _synced_at(db)
    cli(capsys, "sync", "--once")
    assert _synced_at(db) == written

    # Changed by someone else: stored, timed at the sync that found it, and our
    # acknowledgement is still kept.
    plant.emulator.touch(key, name="Leaking valve, pump room")  # type: ignore[attr-defined]
    cli(capsys, "sync", "--once")
    assert Reader.open(db).detail(incident_id).incident["title"] == (  # type: ignore[union-attr]
        "Leaking valve, pump room"
    )
    touched = _times(db, incident_id)
    assert touched["updated_at"] > acted["updated_at"]
    assert touched == {**acted, "updated_at": touched["updated_at"]}

    # Moved back to "new" there: no longer acknowledged.
    plant.emulator.touch(key, status="new")  # type: ignore[attr-defined]
    cli(capsys, "sync", "--once")
    back = _times(db, incident_id)
    assert back["updated_at"] >= touched["updated_at"]
    assert back == {**acted, "status": "triggered", "acknowledged_at": None,
                    "updated_at": back["updated_at"]}


def test_only_the_times_the_remote_says_nothing_of_are_kept() -> None:
    row = {"office_incident_id": "i1", "name": "Spill", "status": "open",
           "date_incident": "2026-11-20", "created_at": "2026-11-20 08:00:00"}
    incident = incident_from(row, remote="plant", clock=lambda: datetime.now(UTC))
    acted = datetime(2026, 11, 24, 9, 15, tzinfo=UTC)
    cached = {"updated_at": acted, "acknowledged_at": acted, "resolved_at": None}
    assert kept_times(incident, cached) == {"updated_at": acted, "acknowledged_at": acted}
    assert kept_times(incident, {}) == {}
    told = replace(incident, updated_at=acted + timedelta(hours=1))
    assert kept_times(told, cached) == {"acknowledged_at": acted}
    back = incident_from({**row, "status": "new"}, remote="plant", clock=lambda: acted)
    assert kept_times(back, cached) == {"updated_at": acted}


class Moment:
    """The emulator's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def test_changed_by_a_colleague_is_timed_at_the_sync(serve: Serve, tmp_path: Path) -> None:
    moment = Moment(FIXED_NOW - 72 * HOUR)
    plant = serve("fourhse", sample=0, clock=moment)
    key = plant.emulator.add(name="Forklift near-miss", status="new")["office_incident_id"]  # type: ignore[attr-defined]
    quiet = plant.emulator.add(name="Broken window", status="new")["office_incident_id"]  # type: ignore[attr-defined]
    incident_id = f"plant:{key}"
    settings = settings_for(tmp_path, plant.emulator.remote_config("plant"))
    db = settings.db_path()

    async def sync_at(when: datetime) -> None:
        moment.now = when
        assert (await sync(settings, clock=fixed_clock(when))).ok

    # First read: nothing says when they last changed, so nothing is made up.
    await sync_at(FIXED_NOW - 70 * HOUR)
    assert _times(db, incident_id) == {
        "status": "triggered", "updated_at": None, "acknowledged_at": None
    }

    plant.emulator.touch(key, status="open")  # type: ignore[attr-defined]  # acknowledged there
    await sync_at(FIXED_NOW - 2 * HOUR)
    seen = "2026-11-22T10:00:00.000000Z"
    assert _times(db, incident_id) == {
        "status": "acknowledged", "updated_at": seen, "acknowledged_at": seen
    }
    # Unchanged since: a later listing moves neither time.
    await sync_at(FIXED_NOW)
    assert _times(db, incident_id)["updated_at"] == seen

    report = handover_report(Reader.open(db), now=FIXED_NOW, hours=12, stale_hours=24)
    stale = next(s for s in report.sections if s.key == "stale")
    assert [i.id for i in stale.items] == [f"plant:{quiet}"]
    assert _times(db, f"plant:{quiet}")["updated_at"] is None
