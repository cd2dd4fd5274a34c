"""The detail screen says when the incident on it could not be read again from its remote
(what shows is the cached copy), in words that fit the failure, and stops saying so once a
later re-read works."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

# The real engine drives this test: if it does not import, it must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import to_db
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from incident_tui.store.engine import make_engine
from incident_tui.sync import pull_store
from incident_tui.ui.screens.detail import READING_NOTE_AFTER, RereadNote
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
        # The time is said once: the reason's own note of it is left out.
        mark = f"cached copy: school asked for a pause until {time} (HTTP 429: slow down)"
        await until(lambda: mark in screen_text(app))
        assert screen.detail is not None and screen.detail.incident["id"] == incident_id
        assert emulator.log == []  # not read again from the remote


async def test_detail_says_when_its_remote_answers_garbage(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", 3)
    emulator: Any = server.emulator
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        incident_id = await first_synced(app, pilot)
        # It answers, but nothing it says can be read: not "could not be reached".
        emulator.faults.add("malformed", times=-1)
        await open_detail(pilot, incident_id)
        mark = "cached copy: school sent an answer that cannot be read ("
        await until(lambda: mark in screen_text(app))


def test_each_kind_of_failure_has_its_words() -> None:
    from datetime import UTC, datetime

    from incident_tui.remote.errors import AuthFailed, BadResponse, Held, Unavailable
    from incident_tui.ui.sync_runner import reread_problem

    offline = Unavailable("cannot connect to http://x", never_sent=True)
    assert reread_problem("a", offline) == "a could not be reached (cannot connect to http://x)"
    failing = Unavailable("HTTP 503: maintenance", status=503)
    assert reread_problem("a", failing) == "a answered with an error (HTTP 503: maintenance)"
    refused = AuthFailed("HTTP 401: bad token", status=401)
    assert reread_problem("a", refused) == "a answered with an error (HTTP 401: bad token)"
    garbage = BadResponse("invalid JSON")
    assert reread_problem("a", garbage) == "a sent an answer that cannot be read (invalid JSON)"
    held = Held(
        "HTTP 429; paused until 09:30:00 as the remote asked",
        until=datetime(2026, 11, 25, 9, 30, tzinfo=UTC),
    )
    assert reread_problem("a", held).startswith("a asked for a pause until ")
    assert reread_problem("a", held).endswith(" (HTTP 429)")
    hostile = Unavailable("\x1b[31mred\x1b[0m\nline", status=500)
    assert reread_problem("\x1b]0;t\x07a", hostile) == "a answered with an error (red line)"


async def test_detail_says_while_a_slow_re_read_goes_on(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("kitehouse", 3)
    emulator: Any = server.emulator
    app = live_app(server, "school", tmp_path)
    reading = "cached copy: reading it again from school…"
    shown: list[float] = []
    update = RereadNote.update

    def noted(note: RereadNote, content: Any = "", **options: Any) -> None:
        if reading in str(content):
            shown.append(time.monotonic())
        update(note, content, **options)

    monkeypatch.setattr(RereadNote, "update", noted)
    async with app.run_test(size=(100, 30)) as pilot:
        incident_id = await first_synced(app, pilot)
        # Kitehouse takes requests and answers none: a read fails only when it times out.
        emulator.faults.add("hang", times=-1)
        screen = await open_detail(pilot, incident_id)
        since = app.ctx.sync.reading[incident_id]
        await until(lambda: reading in screen_text(app))
        # Not at once: most reads take a moment (measured when the line is put up, not when
        # the test looks, which a busy machine delays).
        assert shown and shown[0] - since >= READING_NOTE_AFTER - 0.01, (shown, since)
        assert screen.detail is not None and screen.detail.incident["id"] == incident_id
        # The remote answers again: the read ends and the line goes.
        emulator.faults.clear()
        await until(lambda: not screen.query_one("#detail-reread").display)
        assert "cached copy" not in screen_text(app)
