"""4HSE dates a resolution (``date_closed``) and a new incident (``date_incident``) by the
day alone. A change made offline is sent when the remote is back, maybe days later: it must
carry the day the user made it, not the day it was sent, so the cache keeps the moment it
was made and the handover does not count an old resolution in the current shift."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui.clock import to_db
from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve, cli


def test_offline_resolve_and_create_carry_the_day_they_were_made(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    plant = serve("fourhse", sample=3)
    # Two days back, so that the user's day differs from today's in any zone and season.
    made = datetime.now(UTC) - timedelta(days=2)
    made_day = made.astimezone().date().isoformat()
    assert made_day != datetime.now(UTC).astimezone().date().isoformat()
    earlier = made - timedelta(days=3)
    key = plant.emulator.add(  # type: ignore[attr-defined]
        name="Blocked fire exit", status="new", date_incident=earlier.date().isoformat(),
        created_at=earlier.strftime("%Y-%m-%d %H:%M:%S"),
    )["office_incident_id"]
    incident_id = f"plant:{key}"
    point(("plant", plant))
    db = tmp_path / "cache.db"
    cli(capsys, "sync", "--once")

    # Made while the remote was out of reach: only queued, with the moment they were made.
    actions = Actions.open(db, clock=lambda: made, remotes=["plant"])
    try:
        actions.resolve([incident_id])
        created = actions.create("plant", "fourhse", Draft("Slippery stairs"))
    finally:
        actions.engine.dispose()

    cli(capsys, "sync", "--once")  # back online: both are sent now
    rows = plant.emulator.rows["incident"]  # type: ignore[attr-defined]
    assert rows[key]["status"] == "closed"
    assert rows[key]["date_closed"] == made_day
    new = [row for row in rows.values() if row["name"] == "Slippery stairs"]
    assert len(new) == 1 and new[0]["date_incident"] == made_day
    cached_new = Reader.open(db).detail(f"plant:{new[0]['office_incident_id']}")
    assert cached_new is not None and cached_new.incident["pending"] == 0
    assert created.incident_id != cached_new.incident["id"]  # took the remote's id
    occurred = datetime.fromisoformat(cached_new.incident["occurred_at"])
    assert occurred.astimezone().date().isoformat() == made_day

    detail = Reader.open(db).detail(incident_id)
    assert detail is not None and detail.incident["pending"] == 0
    assert detail.incident["resolved_at"] == to_db(made)
    report = json.loads(cli(capsys, "handover", "--hours", "24", "--format", "json")[0])
    resolved = [item["id"] for item in report["sections"]["resolved"]["items"]]
    assert incident_id not in resolved


def test_a_resolve_sent_on_the_day_it_was_made_is_dated_that_day(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The usual case, online: nothing changes for it."""
    plant = serve("fourhse", sample=0)
    row = plant.emulator.add(name="Loose cable", status="open")  # type: ignore[attr-defined]
    point(("plant", plant))
    cli(capsys, "sync", "--once")
    before = datetime.now(UTC).astimezone().date().isoformat()
    cli(capsys, "resolve", f"plant:{row['office_incident_id']}")
    cli(capsys, "sync", "--once")
    after = datetime.now(UTC).astimezone().date().isoformat()
    assert row["date_closed"] in {before, after}  # either, should midnight fall in between
