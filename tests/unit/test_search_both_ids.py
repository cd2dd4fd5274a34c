"""The full-text index holds an incident's reference and its remote id, whichever the list
shows: a Revily incident's long reference (the alert's dedup key) makes the list show the
short remote id instead, and searching for that must find it. A version-9 cache, whose index
held the reference alone, is upgraded with its index made again; real SQLite files."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

from incident_tui.clock import fixed_clock
from incident_tui.domain.query import ListQuery
from incident_tui.store import db
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident

OLD_IDS_COLUMN = "COALESCE(NULLIF(i.ref, ''), i.remote_id)"
"""What version 9 indexed as the incident's number: the reference, else the remote id."""


def _cache(path: Path) -> None:
    """A cache with a Revily incident (long reference, short remote id) and an AOH IMS one
    (no reference)."""
    revily = replace(
        make_incident(1, remote="oncall", kind="revily"),
        remote_id="BEDbN2AH",
        ref="edge_proxy/payment_api_latency",
    )
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [revily, make_incident(2)], NOW)
    actions.engine.dispose()


def _found(path: Path, text: str) -> list[str]:
    reader = Reader.open(path)
    try:
        return [row.id for row in reader.rows(ListQuery(search=text))]
    finally:
        reader.close()


def test_a_pulled_incident_is_found_by_its_reference_and_its_remote_id(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    _cache(path)
    assert _found(path, "BEDbN2AH") == ["oncall:BEDbN2AH"]
    assert _found(path, "bedbn") == ["oncall:BEDbN2AH"]  # as typed, a prefix
    assert _found(path, "payment_api_latency") == ["oncall:BEDbN2AH"]
    assert _found(path, "r2") == ["ops:r2"]
    conn = sqlite3.connect(path)
    # The remote id is indexed once where it is the only number.
    assert conn.execute("SELECT ids FROM incident_fts ORDER BY rowid").fetchall() == [
        ("edge_proxy/payment_api_latency BEDbN2AH",),
        ("r2",),
    ]


def test_upgrade_from_version_9_makes_the_index_again(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _cache(path)
    conn = sqlite3.connect(path)
    with conn:
        # The index as version 9 wrote it.
        conn.execute("DELETE FROM incident_fts")
        conn.execute(
            "INSERT INTO incident_fts (rowid, title, description, comments, ids) "
            "SELECT i.num, i.title, COALESCE(i.description, ''), '', "
            f"{OLD_IDS_COLUMN} FROM incident i ORDER BY i.num"
        )
        conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # version 15's
        conn.execute("ALTER TABLE remote DROP COLUMN identity")  # version 14's
        conn.execute("ALTER TABLE incident DROP COLUMN day_only")  # version 13's
        conn.execute("ALTER TABLE remote DROP COLUMN mapping")  # version 12's
        conn.execute("ALTER TABLE remote DROP COLUMN hold_until")  # version 11's
        conn.execute("PRAGMA user_version = 9")
    match = "SELECT rowid FROM incident_fts WHERE incident_fts MATCH '\"BEDbN2AH\"*'"
    assert conn.execute(match).fetchall() == []
    conn.close()
    reader = Reader.open(path)  # upgrades
    reader.close()

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
    assert _found(path, "BEDbN2AH") == ["oncall:BEDbN2AH"]
    assert _found(path, "Description of 1") == ["oncall:BEDbN2AH"]
    assert _found(path, "r2") == ["ops:r2"]
    # Made as in a new cache: same table, the same merge setting.
    db.open_db(tmp_path / "new.db").close()
    fresh = sqlite3.connect(tmp_path / "new.db")
    query = "SELECT sql FROM sqlite_master WHERE name = 'incident_fts'"
    assert conn.execute(query).fetchall() == fresh.execute(query).fetchall()
    merge = "SELECT v FROM incident_fts_config WHERE k = 'automerge'"
    assert conn.execute(merge).fetchall() == fresh.execute(merge).fetchall() == [(8,)]
