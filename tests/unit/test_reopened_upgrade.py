"""A cache of schema version 14, on a real SQLite file, is upgraded with the time each
incident was reopened: the column made as in a new cache, every row kept (none known to be
reopened), and a pull on the upgraded cache that finds a resolved incident open notes it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Status
from incident_tui.store import db
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident


def test_upgrade_from_version_14_adds_the_reopening_times(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    resolved = replace(make_incident(1, status=Status.RESOLVED), resolved_at=NOW)
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [resolved, make_incident(2)], NOW)
    actions.engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # all version 15 added
        conn.execute("PRAGMA user_version = 14")
    conn.close()

    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        read = replace(
            resolved, status=Status.TRIGGERED, status_raw="OPEN", resolved_at=None, version="v1b"
        )
        upsert_incidents(s, [read], NOW + timedelta(minutes=5))

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
    db.open_db(tmp_path / "new.db").close()
    fresh = sqlite3.connect(tmp_path / "new.db")
    columns = "PRAGMA table_info(incident)"
    assert conn.execute(columns).fetchall() == fresh.execute(columns).fetchall()
    rows = conn.execute("SELECT id, status, reopened_at FROM incident ORDER BY id").fetchall()
    assert rows == [
        # Its last update (its creation) came before the resolution seen: the pull's time.
        ("ops:r1", "triggered", "2026-11-22T12:05:00.000000Z"),
        ("ops:r2", "triggered", None),
    ]
