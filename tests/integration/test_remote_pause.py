"""A remote that fails a pass with a ``Retry-After`` longer than a request waits (a 429 of
two minutes, a 503 during maintenance) gets no request at all until then: not from the next
poll, not from another process on the same cache, nor for a download, export or look-up
the user asks for. The pass after the pause syncs as usual, queued changes included."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import from_db
from incident_tui.remote.errors import Held
from incident_tui.store.actions import Actions
from incident_tui.store.engine import make_engine
from incident_tui.store.reader import Reader
from incident_tui.sync import pull_store
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.online import Online
from incident_tui.sync.push import LONGEST_HOLD
from tests.integration.conftest import FIXED_NOW, Point, Serve, cli
from tests.integration.test_push_hold import at
from tests.integration.test_sync import settings_for, sync, synced_revily


def hold_until(settings: Any, name: str) -> str | None:
    """The remote's stored pause, as the cache keeps it."""
    engine = make_engine(settings.db_path())
    try:
        with engine.connect() as conn:
            row = conn.exec_driver_sql(
                "SELECT hold_until FROM remote WHERE name = ?", (name,)
            ).first()
    finally:
        engine.dispose()
    return None if row is None else row[0]


@pytest.mark.parametrize("status", [429, 503])
async def test_a_long_retry_after_on_the_listing_pauses_the_remote(
    serve: Serve, tmp_path: Path, status: int
) -> None:
    emulator, settings, [incident], ids = await synced_revily(serve, tmp_path, "Disk full")
    emulator.faults.add(
        "status", status=status, retry_after="120", method="GET", path="^/incidents$", times=-1
    )
    emulator.log.clear()
    report = await sync(settings, clock=at(FIXED_NOW))
    result = report.results[0]
    until = (FIXED_NOW + timedelta(seconds=120)).astimezone().strftime("%H:%M:%S")
    assert not result.ok and not result.offline
    assert f"HTTP {status}" in str(result.error)
    assert str(result.error).endswith(f"; paused until {until} as the remote asked")
    assert len(emulator.log) == 1  # longer than a request waits: not sent again in the pass
    assert from_db(hold_until(settings, "oncall")) == FIXED_NOW + timedelta(seconds=120)
    reader = Reader.open(settings.db_path())
    [state] = reader.remotes()
    assert state.state == "failing" and state.last_error == result.error

    # A minute on, in another process, with a change queued: not a single request, nor
    # for the incident a screen shows.
    Actions.open(settings.db_path()).acknowledge(ids)
    emulator.log.clear()
    report = await sync(settings, clock=at(FIXED_NOW + timedelta(seconds=60)))
    engine = SyncEngine(settings, clock=at(FIXED_NOW + timedelta(seconds=60)))
    try:
        with pytest.raises(Held, match="; paused until ") as held:
            await engine.refresh(ids[0])
        assert held.value.until == FIXED_NOW + timedelta(seconds=120)
    finally:
        await engine.aclose()
    assert emulator.log == []
    assert not report.ok and report.results[0].error == result.error
    [change] = reader.outbox()
    assert change["state"] == "queued" and change["attempts"] == 0

    # Once the pause is over (and the remote answers again), the pass syncs, change and all.
    emulator.faults.clear()
    report = await sync(settings, clock=at(FIXED_NOW + timedelta(seconds=121)))
    assert report.ok, report.results[0].error
    assert report.results[0].pushed == 1 and reader.outbox() == []
    assert emulator.incident(incident["id"])["state"] == "acknowledged"
    assert hold_until(settings, "oncall") is None
    assert [(r.state, r.last_error) for r in reader.remotes()] == [("ok", None)]


async def test_a_far_off_retry_after_pauses_ten_minutes_at_most(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, _, _ = await synced_revily(serve, tmp_path, "Disk full")
    emulator.faults.add(
        "status", status=503, retry_after="Wed, 21 Oct 2099 07:28:00 GMT", method="GET",
        times=-1,
    )
    report = await sync(settings, clock=at(FIXED_NOW))
    assert not report.ok
    limit = FIXED_NOW + timedelta(seconds=LONGEST_HOLD)
    assert from_db(hold_until(settings, "oncall")) == limit
    engine = make_engine(settings.db_path())
    try:
        assert pull_store.remote_pause(engine, "oncall", limit - timedelta(seconds=1))
        assert pull_store.remote_pause(engine, "oncall", limit) is None
    finally:
        engine.dispose()


async def test_a_failure_without_retry_after_and_a_held_write_pause_nothing(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, _, ids = await synced_revily(serve, tmp_path, "Disk full")
    emulator.faults.add("status", status=500, method="GET", times=-1)
    assert not (await sync(settings, clock=at(FIXED_NOW))).ok
    assert hold_until(settings, "oncall") is None
    emulator.faults.clear()
    # A write the remote asks to hold off: its changes wait, the pulls go on (test_push_hold).
    Actions.open(settings.db_path()).acknowledge(ids)
    emulator.faults.add("status", status=503, retry_after="120", method="PUT", times=-1)
    report = await sync(settings, clock=at(FIXED_NOW))
    assert report.ok and report.results[0].waits_until == FIXED_NOW + timedelta(seconds=120)
    assert hold_until(settings, "oncall") is None
    emulator.log.clear()
    await sync(settings, clock=at(FIXED_NOW + timedelta(seconds=10)))
    assert [r.method for r in emulator.log] == ["GET"]


def test_the_command_line_makes_no_request_while_the_remote_pauses(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator = serve("revily", sample=0).emulator
    emulator.add("Disk full")
    point(emulator.remote_config("oncall"))
    cli(capsys, "sync", "--once")
    emulator.faults.add("status", status=429, retry_after="120", method="GET", times=-1)
    out, _ = cli(capsys, "sync", "--once", status=1)
    assert "oncall: failed: HTTP 429" in out and " as the remote asked" in out, out
    assert "Rate limited: the next pass waits as long as the remote asked." in out
    emulator.log.clear()
    again, _ = cli(capsys, "sync", "--once", status=1)
    assert emulator.log == []
    assert "oncall: syncing" not in again
    [line] = [line for line in again.splitlines() if line.startswith("oncall:")]
    assert line == next(line for line in out.splitlines() if line.startswith("oncall: failed"))
    # What the user asks for now (a look-up, a download) keeps to the pause as the sync does.
    _, err = cli(capsys, "services", "oncall", status=1)
    assert emulator.log == []
    assert re.fullmatch(
        r"incident-tui: oncall asked for a pause until \d\d:\d\d:\d\d; try again then "
        r"\(HTTP 429: [^;]*\)", err.strip()
    ), err
    assert "paused until" not in err  # the time is said once


async def test_what_needs_the_remote_now_goes_once_the_pause_is_over(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, _, _ = await synced_revily(serve, tmp_path, "Disk full")
    emulator.faults.add(
        "status", status=503, retry_after="120", method="GET", path="^/incidents$", times=-1
    )
    assert not (await sync(settings, clock=at(FIXED_NOW))).ok
    emulator.faults.clear()
    during = Online(settings, clock=at(FIXED_NOW + timedelta(seconds=119)))
    after = Online(settings, clock=at(FIXED_NOW + timedelta(seconds=120)))
    emulator.log.clear()
    try:
        with pytest.raises(Held, match=r"^oncall asked for a pause until ") as held:
            await during.services("oncall")
        assert held.value.until == FIXED_NOW + timedelta(seconds=120)
        assert emulator.log == []
        assert await after.services("oncall")
        assert [r.path for r in emulator.log] == ["/services"]
    finally:
        await during.aclose()
        await after.aclose()


def test_a_cache_that_cannot_be_read_does_not_stop_a_look_up(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("revily", sample=0)
    settings = settings_for(tmp_path, server.emulator.remote_config("oncall"))
    settings.db_path().write_bytes(b"this is not a database at all" * 100)

    async def look_up() -> list[dict[str, Any]]:
        online = Online(settings)
        try:
            return await online.services("oncall")
        finally:
            await online.aclose()

    assert asyncio.run(look_up())
