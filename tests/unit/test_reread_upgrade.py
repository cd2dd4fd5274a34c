"""A cache of schema version 8, on a real SQLite file, is upgraded with the table of the
incidents to read again in full: made as in a new cache, every row kept, and a discard on
the upgraded cache marks its incident there."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from incident_tui.clock import fixed_clock
from incident_tui.store import db
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.upsert import upsert_incidents
from incident_tui.sync import outbox_answers
from tests.conftest import NOW, make_incident


def _version_8(path: Path) -> int:
    """Make ``path`` a cache as version 8 left it, with one incident and a queued
    acknowledge of it; the change's number."""
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [make_incident(1)], NOW)
    queued = actions.acknowledge(["ops:r1"])[0]
    actions.engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("DROP TABLE reread")  # all version 9 added
        conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # version 15's
        conn.execute("ALTER TABLE remote DROP COLUMN identity")  # version 14's
        conn.execute("ALTER TABLE incident DROP COLUMN day_only")  # version 13's
        conn.execute("ALTER TABLE remote DROP COLUMN mapping")  # version 12's
        conn.execute("ALTER TABLE remote DROP COLUMN hold_until")  # version 11's
        conn.execute("PRAGMA user_version = 8")
    conn.close()
    return queued.seq


def test_upgrade_from_version_8_adds_the_reread_marks(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    seq = _version_8(path)

    actions = Actions.open(path, clock=fixed_clock(NOW))

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
    db.open_db(tmp_path / "new.db").close()
    fresh = sqlite3.connect(tmp_path / "new.db")
    columns = "PRAGMA table_info(reread)"
    assert conn.execute(columns).fetchall() == fresh.execute(columns).fetchall() != []
    assert conn.execute("SELECT seq, op FROM outbox").fetchall() == [(seq, "acknowledge")]

    outbox_answers.discard(actions.engine, seq)

    assert conn.execute("SELECT incident_id FROM reread").fetchall() == [("ops:r1",)]
    assert conn.execute("SELECT status FROM incident").fetchall() == [("triggered",)]
