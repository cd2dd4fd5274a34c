"""The handover at 80x24 with every remote offline (a real config pointing at dead ports,
synced once by the command line): the warnings about stale remotes take a line each, so
"At a glance" is on the first screen; the reasons in full stay under Sync freshness, in the
copied Markdown and JSON and in ``incident-tui handover``.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from incident_tui.cli import main
from incident_tui.clock import fixed_clock, to_db
from incident_tui.config import Settings
from incident_tui.domain.handover_render import md_escape
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.handover import HandoverScreen
from tests.conftest import dead_port
from tests.ui.conftest import NOW
from tests.ui.helpers import screen_text, settle

Serve = Callable[..., EmulatorServer]

KINDS = ("kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims")


@pytest.fixture
def offline(serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """A cache synced once (``incident-tui sync --once``) from five remotes, one of each
    kind, each at a port nobody answers; their configs, and the cache."""
    remotes = [
        {**serve(kind).emulator.remote_config(kind), "base_url": f"http://127.0.0.1:{dead_port()}"}
        for kind in KINDS
    ]
    cache = tmp_path / "cache.db"
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps(remotes))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(cache))
    assert main(["sync", "--once"]) != 0
    return remotes, cache


def app_over(cache: Path, remotes: list[dict[str, Any]]) -> Any:
    """The App as the CLI builds it over ``cache`` with these remotes, not syncing."""
    from incident_tui.ui.app import make_app

    app = make_app(
        Settings(db=cache, remotes=remotes), clock=fixed_clock(NOW), sync=False,
        cursor_blink=False,
    )
    app.animation_level = "none"
    return app


def full_warning(remote: dict[str, Any]) -> str:
    """The warning about ``remote`` with its whole reason, as the Markdown has it."""
    return md_escape(
        f"Data from {remote['name']} may be out of date: never synced successfully; last "
        f"attempt offline: cannot connect to {remote['base_url']}"
    )


async def open_handover(app: Any, pilot: Any) -> HandoverScreen:
    await settle(pilot)
    await pilot.press("h")
    await settle(pilot)
    screen = app.screen
    assert isinstance(screen, HandoverScreen) and screen.handover is not None
    return screen


async def test_offline_remotes_leave_at_a_glance_on_the_first_screen(offline: Any) -> None:
    remotes, cache = offline
    app = app_over(cache, remotes)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_handover(app, pilot)
        shown = screen_text(app).splitlines()
        for kind in KINDS:
            line = f"! WARNING: Data from {kind} may be out of date: offline, never synced"
            assert any(row.strip() == line for row in shown), (kind, shown)
        assert any(row.strip() == "At a glance" for row in shown), shown
        assert any("Comments this shift: 0 on 0 incidents" in row for row in shown), shown

        # The reasons in full: further down, and in the Markdown copied.
        report = str(screen.query_one("#handover-text", Static).render())
        assert "The reasons in full are under Sync freshness, at the end." in report
        freshness = report[report.index("Sync freshness"):]
        for remote in remotes:
            assert (
                f"never synced successfully; last attempt offline: cannot connect to "
                f"{remote['base_url']}" in freshness
            ), freshness
        await pilot.press("c")
        for remote in remotes:
            assert full_warning(remote) in app.clipboard, app.clipboard


async def test_a_remote_synced_before_the_shift_says_how_long_ago(offline: Any) -> None:
    remotes, cache = offline
    with sqlite3.connect(cache) as conn:
        conn.execute(
            "UPDATE remote SET last_ok_at = ? WHERE name = 'oneuptime'",
            [to_db(NOW - timedelta(hours=14))],
        )
    conn.close()
    app = app_over(cache, remotes)
    async with app.run_test(size=(80, 24)) as pilot:
        await open_handover(app, pilot)
        shown = [row.strip() for row in screen_text(app).splitlines()]
        assert (
            "! WARNING: Data from oneuptime may be out of date: offline, synced 14h ago"
            in shown
        ), shown
        assert "At a glance" in shown


async def test_the_command_line_keeps_the_reasons_in_full(
    offline: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    remotes, _ = offline
    capsys.readouterr()
    assert await asyncio.to_thread(main, ["handover"]) == 0
    text = capsys.readouterr().out
    for remote in remotes:
        assert "> **Warning:** " + full_warning(remote) in text, text
    assert "The reasons in full" not in text
    assert await asyncio.to_thread(main, ["handover", "--format", "json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["warnings"]
    assert all("last attempt offline: cannot connect to" in w for w in warnings), warnings


async def test_a_remote_offline_for_most_of_the_shift_is_warned_about_at_the_top(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Synced well (within the shift), then out of reach for the last 11 of its 12 hours:
    # before, only its line under Sync freshness said so, the title and the top nothing.
    school = serve("kitehouse", sample=3).emulator.remote_config("school")
    cache = tmp_path / "cache.db"
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([school]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(cache))
    assert await asyncio.to_thread(main, ["sync", "--once"]) == 0
    with sqlite3.connect(cache) as conn:
        conn.execute(
            "UPDATE remote SET state = 'offline', last_error = 'connection refused', "
            "last_ok_at = ?",
            [to_db(NOW - timedelta(hours=11))],
        )
    conn.close()
    app = app_over(cache, [school])
    async with app.run_test(size=(100, 24)) as pilot:
        screen = await open_handover(app, pilot)
        assert screen.handover is not None
        shown = [row.strip() for row in screen_text(app).splitlines()]
        assert "data may be out of date" in shown[0], shown
        assert (
            "! WARNING: Data from school may be out of date: offline, synced 11h ago" in shown
        ), shown
