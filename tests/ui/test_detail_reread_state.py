"""The detail screen says when the incident on it could not be read again from its remote
(what shows is the cached copy) and stops saying so once a later re-read works."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

# The real engine drives this test: if it does not import, it must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import to_db
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from incident_tui.store.engine import make_engine
from incident_tui.sync import pull_store
from tests.ui.conftest import NOW
from tests.ui.helpers import live_app, open_detail, screen_text, settle, synced, until

MARK = "cached copy: school could not be reached ("


async def first_synced(app: Any, pilot: Any) -> str:
    """The id of the first incident listed, once the first pass has stored them."""
    await until(lambda: synced(app) and app.services.reader.all_rows(ListQuery()))
    await settle(pilot)
    return str(app.services.reader.all_rows(ListQuery())[0].id)


async def test_detail_marks_a_copy_its_remote_could_not_refresh(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", 3)
    emulator: Any = server.emulator
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        incident_id = await first_synced(app, pilot)
        # Kitehouse goes away: every request is dropped unanswered.
        emulator.faults.add("drop", times=-1)
        screen = await open_detail(pilot, incident_id)
        await until(lambda: MARK in screen_text(app))
        note = str(screen.query_one("#detail-reread").render())
        assert note.startswith(MARK) and note.endswith(")")
        # The incident itself is still on screen, from the cache.
        assert screen.detail is not None and screen.detail.incident["id"] == incident_id

        # Back again: the next pass of its remote reads it again, and the mark goes.
        emulator.faults.clear()
        await pilot.press("s")
        await until(lambda: MARK not in screen_text(app))
        assert not screen.query_one("#detail-reread").display
        assert app.runner.watched == incident_id


async def test_detail_says_until_when_its_remote_asked_for_a_pause(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", 3)
    emulator: Any = server.emulator
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        incident_id = await first_synced(app, pilot)
        # As a pass that got a 429 with a long Retry-After leaves it.
        until_then = NOW + timedelta(seconds=300)
        engine = make_engine(app.services.db_path)
        try:
            pull_store.save_remote_state(
                engine, "school", "kitehouse", state="failing", hold_until=to_db(until_then),
                last_error="HTTP 429: slow down; paused until later as the remote asked",
            )
        finally:
            engine.dispose()
        emulator.log.clear()
        screen = await open_detail(pilot, incident_id)
        time = until_then.astimezone().strftime("%H:%M:%S")
        mark = f"cached copy: school asked for a pause until {time} (HTTP 429: slow down"
        await until(lambda: mark in screen_text(app))
        assert screen.detail is not None and screen.detail.incident["id"] == incident_id
        assert emulator.log == []  # not read again from the remote
