"""What a pass writes to the cache when the remotes have nothing new: each remote's state
row once, and nothing when it ended as the last pass did under a minute ago (a write puts
whole 32 KiB pages in the write-ahead log, and the TUI passes every 30 s all day); a changed
outcome at once, and every time the next pass needs (the last full listing's time)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from incident_tui.clock import from_db
from incident_tui.config import Settings
from incident_tui.demo import DEMO_NAMES
from incident_tui.domain.model import KINDS
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.pull import FULL_EVERY
from incident_tui.sync.pull_store import STATE_FRESH_FOR
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep

KITEHOUSE_RECORD = r"^/incidents/[^/]+/[0-9a-f]{24}$"
"""Kitehouse's full record of one incident, which a pass fetches after the listing."""


def log_frames(db: Path) -> int:
    """Pages in the cache's write-ahead log, read from another connection (a passive
    checkpoint reports them; the engine's connections keep the log open)."""
    conn = sqlite3.connect(db)
    try:
        return int(conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()[1])
    finally:
        conn.close()


def empty_log(db: Path) -> None:
    """Move the log into the cache file and empty it, so the next pass's writes are all it
    holds."""
    conn = sqlite3.connect(db)
    try:
        busy, _, _ = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        assert busy == 0
    finally:
        conn.close()


def remote_times(db: Path, name: str) -> tuple[str | None, str | None, str | None]:
    """The remote's last full listing, last attempt and last success, as stored."""
    conn = sqlite3.connect(db)
    try:
        row = conn.execute(
            "SELECT last_full_at, last_attempt_at, last_ok_at FROM remote WHERE name = ?",
            (name,),
        ).fetchone()
    finally:
        conn.close()
    return row[0], row[1], row[2]


async def test_a_pass_with_nothing_new_writes_at_most_one_page_per_remote(
    serve: Serve, tmp_path: Path
) -> None:
    servers = [serve(kind, sample=30) for kind in KINDS]
    settings = Settings(
        db=tmp_path / "cache.db",
        remotes=[s.emulator.remote_config(DEMO_NAMES[s.emulator.kind]) for s in servers],  # type: ignore[misc]
    )
    now = [FIXED_NOW]
    engine = SyncEngine(settings, sleep=no_sleep, clock=lambda: now[0])
    try:
        assert (await engine.sync()).ok
        assert (await engine.sync()).ok
        empty_log(settings.db_path())
        # Under a minute after the outcome was written, a pass that ends the same way
        # writes nothing at all.
        now[0] += timedelta(seconds=30)
        report = await engine.sync()
        assert report.ok, [r.error for r in report.results]
        assert log_frames(settings.db_path()) == 0
        # Later, each remote's outcome, its attempt and (for those listed in full) the
        # listing's time, in one write of the state row; no cursor written again unchanged.
        now[0] += STATE_FRESH_FOR
        report = await engine.sync()
        assert report.ok, [r.error for r in report.results]
        assert 0 < log_frames(settings.db_path()) <= len(KINDS)
        for server in servers:
            full, attempted, ok = remote_times(settings.db_path(), DEMO_NAMES[server.emulator.kind])
            assert full is not None and from_db(attempted) == from_db(ok) == now[0]
    finally:
        await engine.aclose()


async def test_a_changed_outcome_is_written_at_once(serve: Serve, tmp_path: Path) -> None:
    revily = serve("revily", sample=3)
    settings = Settings(
        db=tmp_path / "cache.db",
        remotes=[revily.emulator.remote_config("oncall")],  # type: ignore[list-item]
    )
    now = [FIXED_NOW]
    engine = SyncEngine(settings, sleep=no_sleep, clock=lambda: now[0])
    db = settings.db_path()
    try:
        assert (await engine.sync()).ok
        revily.emulator.faults.add("status", status=401, method="GET", times=-1)
        now[0] += timedelta(seconds=10)
        assert not (await engine.sync()).ok
        [state] = Reader.open(db).remotes()
        assert state.state == "failing" and "401" in str(state.last_error)
        assert from_db(state.last_attempt_at) == now[0]
        # The same failure again, seconds later: nothing new to write.
        empty_log(db)
        now[0] += timedelta(seconds=10)
        assert not (await engine.sync()).ok
        assert log_frames(db) == 0
        # Back: written at once, with the time it synced.
        revily.emulator.faults.clear()
        now[0] += timedelta(seconds=10)
        assert (await engine.sync()).ok
        [state] = Reader.open(db).remotes()
        assert (state.state, state.last_error) == ("ok", None)
        assert from_db(state.last_ok_at) == now[0]
    finally:
        await engine.aclose()


async def test_the_full_listing_is_noted_when_the_rest_of_the_pass_fails(
    serve: Serve, tmp_path: Path
) -> None:
    kitehouse = serve("kitehouse", sample=12)
    config = kitehouse.emulator.remote_config("school")
    settings = Settings(db=tmp_path / "cache.db", remotes=[config])  # type: ignore[list-item]
    now = [FIXED_NOW]
    kitehouse.emulator.faults.add(
        "status", method="GET", path=KITEHOUSE_RECORD, status=503, times=-1
    )
    engine = SyncEngine(settings, sleep=no_sleep, clock=lambda: now[0])
    try:
        # A first sync whose full records fail (the server erring on each): the listing is
        # stored and noted, so the next pass is incremental and no first sync (that one
        # reports no arrival as urgent).
        first = await engine.sync()
        assert not first.ok
        full, attempted, ok = remote_times(settings.db_path(), "school")
        assert (from_db(full), from_db(attempted), ok) == (FIXED_NOW, FIXED_NOW, None)

        # A later full listing (due after FULL_EVERY) in a pass that fails after it: noted
        # with the failure, so the next pass does not list everything again.
        now[0] = FIXED_NOW + FULL_EVERY + timedelta(minutes=1)
        kitehouse.emulator.log.clear()
        assert not (await engine.sync()).ok
        full, _, _ = remote_times(settings.db_path(), "school")
        assert from_db(full) == now[0]

        kitehouse.emulator.faults.clear()
        kitehouse.emulator.log.clear()
        now[0] += timedelta(minutes=1)
        assert (await engine.sync()).ok
        listing = f"/incidents/{config['site_id']}"
        assert [r.path for r in kitehouse.emulator.log].count(listing) == 1
        full, _, ok = remote_times(settings.db_path(), "school")
        assert from_db(full) == FIXED_NOW + FULL_EVERY + timedelta(minutes=1)
        assert from_db(ok) == now[0]
    finally:
        await engine.aclose()


async def test_reading_an_unchanged_incident_again_writes_nothing(
    serve: Serve, tmp_path: Path
) -> None:
    oneuptime = serve("oneuptime", sample=0)
    incident = oneuptime.emulator.add("Water on the stairs")
    oneuptime.emulator.add_note(incident["_id"], "Mopped, sign put up")
    settings = Settings(
        db=tmp_path / "cache.db",
        remotes=[oneuptime.emulator.remote_config("status")],  # type: ignore[list-item]
    )
    engine = SyncEngine(settings, sleep=no_sleep)
    incident_id = f"status:{incident['_id']}"
    try:
        assert (await engine.sync()).ok
        # What the detail screen asks for on every pass while it shows the incident.
        assert await engine.refresh(incident_id)
        empty_log(settings.db_path())
        assert await engine.refresh(incident_id)
        assert log_frames(settings.db_path()) == 0

        # A note moves no version of the incident, and still arrives, searchable.
        oneuptime.emulator.add_note(incident["_id"], "Floor dry again")
        assert await engine.refresh(incident_id)
        conn = sqlite3.connect(settings.db_path())
        try:
            found = conn.execute(
                "SELECT i.id FROM incident_fts JOIN incident i ON i.num = incident_fts.rowid "
                "WHERE incident_fts MATCH 'dry'"
            ).fetchall()
        finally:
            conn.close()
        assert found == [(incident_id,)]
    finally:
        await engine.aclose()
