"""A cache of schema version 10, on a real SQLite file, is upgraded with the column that
keeps a remote's pause (``remote.hold_until``): made as in a new cache, the remotes' states
kept, and a pause noted on the upgraded cache holds."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from incident_tui.clock import to_db
from incident_tui.store import db
from incident_tui.store.engine import make_engine
from incident_tui.sync import pull_store
from tests.conftest import NOW


def test_upgrade_from_version_10_adds_the_pause_of_a_remote(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(path)
    pull_store.save_remote_state(
        engine, "oncall", "revily", state="failing", last_error="HTTP 503: down"
    )
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # version 15's
        conn.execute("ALTER TABLE remote DROP COLUMN identity")  # version 14's
        conn.execute("ALTER TABLE incident DROP COLUMN day_only")  # version 13's
        conn.execute("ALTER TABLE remote DROP COLUMN mapping")  # version 12's
        conn.execute("ALTER TABLE remote DROP COLUMN hold_until")  # all version 11 added
        conn.execute("PRAGMA user_version = 10")
    conn.close()

    engine = make_engine(path)  # upgrades
    try:
        assert pull_store.remote_pause(engine, "oncall", NOW) is None
        until = NOW + timedelta(seconds=90)
        pull_store.save_remote_state(engine, "oncall", "revily", hold_until=to_db(until))
        assert pull_store.remote_pause(engine, "oncall", NOW) == (until, "HTTP 503: down")
        assert pull_store.remote_pause(engine, "oncall", until) is None
    finally:
        engine.dispose()

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
    assert conn.execute("SELECT name, state FROM remote").fetchall() == [("oncall", "failing")]
    db.open_db(tmp_path / "new.db").close()
    fresh = sqlite3.connect(tmp_path / "new.db")
    columns = "PRAGMA table_info(remote)"
    assert conn.execute(columns).fetchall() == fresh.execute(columns).fetchall()


def test_upgrade_from_version_11_notes_the_mapping_without_reading_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    engine = make_engine(path)
    pull_store.save_remote_state(engine, "school", "kitehouse", state="ok", cursor="c1")
    engine.dispose()
    conn = sqlite3.connect(path)
    with conn:
        conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # version 15's
        conn.execute("ALTER TABLE remote DROP COLUMN identity")  # version 14's
        conn.execute("ALTER TABLE incident DROP COLUMN day_only")  # version 13's
        conn.execute("ALTER TABLE remote DROP COLUMN mapping")  # all version 12 added
        conn.execute("PRAGMA user_version = 11")
    conn.close()

    engine = make_engine(path)  # upgrades
    try:
        stored = pull_store.stored_state(engine, "school")
        assert stored is not None and stored.mapping is None
        # What the incidents were read with is not known: noted, no full listing forced.
        pull_store.note_mapping(engine, "school", "kitehouse", '{"status_map": {}}', reread=False)
        assert pull_store.remote_state(engine, "school")[0] == "c1"
        stored = pull_store.stored_state(engine, "school")
        assert stored is not None and stored.mapping == '{"status_map": {}}'
        # Changed since: the cursor goes, so the next listing is a full one.
        pull_store.note_mapping(engine, "school", "kitehouse", '{"status_map": {"x": "y"}}',
                                reread=True)
        assert pull_store.remote_state(engine, "school")[0] is None
    finally:
        engine.dispose()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
