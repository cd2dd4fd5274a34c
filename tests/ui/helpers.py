"""Helpers for driving the app in tests: wait until it is quiet, read the screen as text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.notifications import Notification
from textual.pilot import Pilot
from textual.widgets import Static
from textual.worker import Worker

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import Reader
from incident_tui.ui.widgets.incident_list import IncidentList
from tests.ui.conftest import NOW

if TYPE_CHECKING:
    import pytest

SETTLE_LIMIT = 10.0
"""Seconds the app gets to become quiet before a test fails naming what is still busy."""


def _names(workers: Iterable[Worker[Any]]) -> str:
    return ", ".join(f"{w.name or w.description!r} (group {w.group!r})" for w in workers)


async def _unfinished(workers: list[Worker[Any]], limit: float) -> list[Worker[Any]]:
    """Wait up to ``limit`` seconds for ``workers`` to end; those still running then.

    Nothing is cancelled on a timeout: cancelling a wait on ``Worker.wait`` would cancel the
    worker too, and the failure should name it as it was, stuck."""
    if not workers:
        return []
    waits = [asyncio.ensure_future(w.wait()) for w in workers]
    for wait in waits:
        # How a worker ended (failed, cancelled because superseded) is the app's to report;
        # read each outcome so none is logged as "never retrieved".
        wait.add_done_callback(lambda done: done.cancelled() or done.exception())
    await asyncio.wait(waits, timeout=max(limit, 0.0))
    return [w for w in workers if w.is_running]


async def finish_workers(workers: Iterable[Worker[Any]], limit: float = SETTLE_LIMIT) -> None:
    """Wait for ``workers`` to end; ``TimeoutError`` naming those still running after
    ``limit`` seconds (a stuck worker must fail its test, not hang it)."""
    still = await _unfinished(list(workers), limit)
    if still:
        raise TimeoutError(f"workers still running after {limit:g}s: {_names(still)}")


async def settle(pilot: Pilot[Any], limit: float = SETTLE_LIMIT) -> None:
    """Wait until no worker runs and every list shows the rows and count of its last load;
    ``TimeoutError`` naming what is still busy after ``limit`` seconds."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit

    def running() -> list[Worker[Any]]:
        # The sync loop is meant to run for ever: never wait for it.
        return [w for w in app.workers if w.is_running and w.group != "sync"]

    while True:
        # Not workers.wait_for_complete: an empty list there means "all", the sync loop too;
        # a cancelled (superseded) worker would raise; and it swallows the cancellation that
        # a timeout around it sends, so it cannot be given a time limit.
        await _unfinished(running(), deadline - loop.time())
        await pilot.pause()
        lists = list(app.screen.query(IncidentList))
        busy = [lst for lst in lists if lst.busy]
        if not running() and not busy:
            return
        if loop.time() > deadline:
            what = [f"workers still running: {_names(running())}"] if running() else []
            what += [f"list #{lst.id} still loading" for lst in busy]
            raise TimeoutError(f"the app did not settle in {limit:g}s: {'; '.join(what)}")
        await asyncio.sleep(0.01)


def screen_text(app: Any) -> str:
    """What the terminal would show, as plain text (one line per row)."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def incidents(app: Any) -> IncidentList:
    """The list widget of the current screen."""
    return app.screen.query_one(IncidentList)


def static_text(app: Any, selector: str) -> str:
    """The plain text of a Static on the current screen."""
    widget = app.screen.query_one(selector, Static)
    return str(widget.render())


def notifications(app: Any) -> list[str]:
    """Messages of the notifications currently shown."""
    return [n.message for n in app._notifications]


NOTICES_KEPT = 3600.0
"""Seconds a notice stays up in the UI tests, whatever the App asked for."""


def keep_notices(monkeypatch: pytest.MonkeyPatch | None = None) -> None:
    """Keep every notice up for :data:`NOTICES_KEPT` seconds (undone after the test with
    ``monkeypatch``; for good in a child process). Notices show for seconds of real time
    (the App's clock is fixed, Textual's timers are not), which a machine busy enough could
    spend between the notice and the assertion that reads it. No test waits for one to go."""
    patch = monkeypatch.setattr if monkeypatch is not None else setattr
    patch(Notification, "time_left", property(lambda _self: NOTICES_KEPT))
    patch(Notification, "has_expired", property(lambda _self: False))


READING_PAUSE = 0.2
"""Seconds :func:`press_apart` lets the app's key gate take as the pause that ends a run of
typing after a refused key (the app's own is a second)."""


async def press_apart(pilot: Pilot[Any], *keys: str) -> None:
    """Press ``keys`` as someone reading each answer before the next key: after a refused
    key, the next waits for the pause that ends the typing dropped after it. That pause is
    :data:`READING_PAUSE`: these tests check what a refused key says, and the length of the
    pause is checked where typing speed matters (``test_key_bursts``)."""
    pilot.app.key_gate.typing_gap = READING_PAUSE
    for key in keys:
        await pilot.press(key)
        await until(lambda: not pilot.app.key_gate.dropping, limit=5.0)


async def cursor_to(pilot: Pilot[Any], incident_id: str) -> None:
    """Move the list cursor onto ``incident_id`` (must be among the loaded rows)."""
    lst = incidents(pilot.app)
    for index in range(lst.total):
        row = lst.row_at(index)
        if row is not None and row.id == incident_id:
            lst.move_cursor(index)
            await pilot.pause()
            return
    raise AssertionError(f"{incident_id} is not in the list")


async def open_detail(pilot: Pilot[Any], incident_id: str) -> Any:
    """Move the list cursor onto the incident and press enter, as a user does; returns the
    detail screen once it shows the incident."""
    from incident_tui.ui.screens.detail import DetailScreen

    await settle(pilot)
    await cursor_to(pilot, incident_id)
    await pilot.press("enter")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, DetailScreen) and screen.detail is not None
    return screen


def live_app(
    server: EmulatorServer, name: str, tmp_path: Path, *, sync: bool = True, **settings: Any
) -> Any:
    """The App as the CLI builds it over ``server`` as remote ``name`` (frozen clock, no
    blink, no animation), syncing unless ``sync`` is off; ``settings`` override the
    defaults (``bell=False``)."""
    from incident_tui.ui.app import make_app

    remote: Any = server.emulator.remote_config(name)
    values: dict[str, Any] = {
        "db": tmp_path / "cache.db",
        "remotes": [remote],
        "poll_seconds": 3600,
        "download_dir": tmp_path / "downloads",
        **settings,
    }
    app = make_app(Settings(**values), clock=fixed_clock(NOW), sync=sync, cursor_blink=False)
    app.animation_level = "none"
    return app


async def until(condition: Callable[[], bool], limit: float = 20.0) -> None:
    """Wait for ``condition`` (polled), failing after ``limit`` seconds."""
    for _ in range(int(limit / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def synced(app: Any) -> bool:
    """Whether every remote of the App finished a pass without an error."""
    states = app.services.reader.remotes()
    return bool(states) and all(s.state == "ok" for s in states)


def queued_ops(db_path: Path, incident_id: str) -> list[str]:
    """The outbox's changes of one incident, by operation."""
    reader = Reader.open(db_path)
    try:
        return [row["op"] for row in reader.outbox() if row["incident_id"] == incident_id]
    finally:
        reader.close()
