"""4HSE keeps no update or acknowledgement time. What this cache saw happen to an incident
(the user's acknowledge) must outlast the sync that stores the remote's copy: an incident
acknowledged this shift is not "stale" afterwards. Keeping those times must not make a full
listing of unchanged incidents rewrite them, and they still follow what the remote says."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.remote.fourhse_mapping import incident_from
from incident_tui.store.days import kept_times
from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve, cli


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

    # Changed by someone else: stored, and what we know is still kept.
    plant.emulator.touch(key, name="Leaking valve, pump room")  # type: ignore[attr-defined]
    cli(capsys, "sync", "--once")
    assert Reader.open(db).detail(incident_id).incident["title"] == (  # type: ignore[union-attr]
        "Leaking valve, pump room"
    )
    assert _times(db, incident_id) == acted

    # Moved back to "new" there: no longer acknowledged; its last update is still ours.
    plant.emulator.touch(key, status="new")  # type: ignore[attr-defined]
    cli(capsys, "sync", "--once")
    assert _times(db, incident_id) == {**acted, "status": "triggered", "acknowledged_at": None}


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
