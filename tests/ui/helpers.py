"""Helpers for driving the app in tests: wait until it is quiet, read the screen as text."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Static

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.widgets.incident_list import IncidentList
from tests.ui.conftest import NOW


async def settle(pilot: Pilot[Any], limit: float = 10.0) -> None:
    """Wait until no worker runs and every list shows the rows and count of its last load."""
    app = pilot.app
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit
    def running() -> list[Any]:
        # The sync loop is meant to run for ever: never wait for it.
        return [w for w in app.workers if w.is_running and w.group != "sync"]

    while True:
        # Not workers.wait_for_complete: an empty list there means "all", the sync loop too,
        # and a cancelled (superseded) worker would raise.
        await asyncio.gather(*(w.wait() for w in running()), return_exceptions=True)
        await pilot.pause()
        lists = list(app.screen.query(IncidentList))
        if not running() and not any(lst.busy for lst in lists):
            return
        if loop.time() > deadline:
            raise TimeoutError("the app did not settle")
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


def live_app(server: EmulatorServer, name: str, tmp_path: Path, *, sync: bool = True) -> Any:
    """The App as the CLI builds it over ``server`` as remote ``name`` (frozen clock, no
    blink, no animation), syncing unless ``sync`` is off."""
    from incident_tui.ui.app import make_app

    remote: Any = server.emulator.remote_config(name)  # type: ignore[attr-defined]
    settings = Settings(
        db=tmp_path / "cache.db",
        remotes=[remote],
        poll_seconds=3600,
        download_dir=tmp_path / "downloads",
    )
    app = make_app(settings, clock=fixed_clock(NOW), sync=sync, cursor_blink=False)
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
