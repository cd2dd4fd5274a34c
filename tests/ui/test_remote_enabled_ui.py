"""A remote with ``enabled = false`` in the TUI (README: "the TUI and ``sync`` leave the remote
alone"): the background sync and ``s`` send its server nothing while the enabled remote
syncs, and its cached incidents stay on the list. Real engine, emulators over HTTP, Pilot."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.domain.model import Draft
from incident_tui.emulators import EmulatorServer
from incident_tui.store.actions import Actions
from incident_tui.ui.app import make_app
from incident_tui.ui.screens.remotes import DISABLED_ADVICE, RemotesScreen
from incident_tui.ui.widgets.status_line import RemoteLine, status_content
from tests.ui.conftest import NOW
from tests.ui.helpers import incidents, notifications, open_detail, screen_text, settle, until


class Remotes:
    """Two emulators whose incidents are cached: ``school`` (enabled) and ``ops`` (to be
    disabled), with the ids of ops's cached incidents."""

    def __init__(self, school: EmulatorServer, ops: EmulatorServer, ops_ids: set[str]) -> None:
        self.school = school
        self.ops = ops
        self.ops_ids = ops_ids

    def app(self, tmp_path: Path) -> Any:
        """The App over the cache, syncing, with ``ops`` switched off."""
        values: dict[str, Any] = {
            "db": tmp_path / "cache.db",
            "remotes": [
                self.school.emulator.remote_config("school"),
                {**self.ops.emulator.remote_config("ops"), "enabled": False},
            ],
            "poll_seconds": 3600,
            "bell": False,
            "download_dir": tmp_path / "downloads",
        }
        settings = Settings(**values)
        app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
        app.animation_level = "none"
        return app


@pytest.fixture
def remotes(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Remotes:
    """Both remotes synced once into ``tmp_path / "cache.db"`` while both were enabled; the
    emulators' request logs cleared after."""
    school = serve("kitehouse", sample=4)
    ops = serve("aoh_ims", sample=0)
    aoh: Any = ops.emulator
    ids = {f"ops:{aoh.add(name=name, status='NEW')['id']}" for name in ("Pump 3", "Fan")}
    configs = [school.emulator.remote_config("school"), aoh.remote_config("ops")]
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps(configs))
    assert main(["--db", str(tmp_path / "cache.db"), "sync", "--once"]) == 0
    monkeypatch.delenv("INCIDENT_TUI_REMOTES")
    aoh.add(name="Arrived while disabled", status="NEW")
    school.emulator.log.clear()
    ops.emulator.log.clear()
    return Remotes(school, ops, ids)


def pass_done(app: Any, server: EmulatorServer, after: int) -> Callable[[], bool]:
    """Whether a pass that sent ``server`` more than ``after`` requests has ended."""
    return lambda: (
        app.runner is not None and len(server.emulator.log) > after and not app.runner.busy
    )


def listed(app: Any) -> dict[str, str]:
    """The list's rows: id to title."""
    rows = (incidents(app).row_at(i) for i in range(incidents(app).total))
    return {row.id: row.title for row in rows if row is not None}


async def test_background_sync_and_sync_now_skip_a_disabled_remote(
    remotes: Remotes, tmp_path: Path
) -> None:
    app = remotes.app(tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pass_done(app, remotes.school, 0))  # the first background pass
        await settle(pilot)
        before = len(remotes.school.emulator.log)
        await pilot.press("s")
        await until(pass_done(app, remotes.school, before))
        await settle(pilot)
        assert remotes.ops.emulator.log == []
        shown = listed(app)
        assert remotes.ops_ids <= set(shown)  # its cached incidents stay
        assert "Arrived while disabled" not in shown.values()  # and nothing new came


async def test_opening_an_incident_of_a_disabled_remote_sends_it_nothing(
    remotes: Remotes, tmp_path: Path
) -> None:
    app = remotes.app(tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(pass_done(app, remotes.school, 0))
        await open_detail(pilot, sorted(remotes.ops_ids)[0])
        # The re-read of the open incident starts at once; give it time to be sent.
        for _ in range(100):
            if remotes.ops.emulator.log:
                break
            await asyncio.sleep(0.02)
        await settle(pilot)
        assert remotes.ops.emulator.log == []


async def test_a_disabled_remote_reads_disabled_with_its_waiting_changes(
    remotes: Remotes, tmp_path: Path
) -> None:
    # Queued while disabled: no sync sends it. Before, the status line said "ops ok at ...",
    # the remotes screen "ok", and `s` nothing about it.
    Actions.open(tmp_path / "cache.db").acknowledge([sorted(remotes.ops_ids)[0]])
    app = remotes.app(tmp_path)
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await until(pass_done(app, remotes.school, 0))
        await settle(pilot)
        line = screen_text(app).splitlines()[-2]
        assert "ops disabled, 1 change waits" in line, line
        assert "ops ok" not in line and "school ok at" in line, line

        before = len(remotes.school.emulator.log)
        await pilot.press("s")
        await until(pass_done(app, remotes.school, before))
        await settle(pilot)
        assert (
            "Syncing… · ops is disabled in the config: not synced, its queued changes wait"
            in notifications(app)
        ), notifications(app)
        assert remotes.ops.emulator.log == []

        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, RemotesScreen)
        assert "ops (AOH IMS)  disabled" in app.screen.text, app.screen.text
        assert "1 queued" in app.screen.text and DISABLED_ADVICE in app.screen.text


async def test_a_disabled_remote_that_never_synced_reads_its_waiting_changes(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # Disabled from the start: the cache has no state for ops, only the queued create.
    # Before, the line said "ops disabled" and the remotes screen no queued count.
    school = serve("kitehouse", sample=2)
    ops = serve("aoh_ims", sample=0)
    Actions.open(tmp_path / "cache.db").create("ops", "aoh_ims", Draft("Made while off"))
    remotes = Remotes(school, ops, set())
    app = remotes.app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pass_done(app, school, 0))
        await settle(pilot)
        line = screen_text(app).splitlines()[-2]
        assert "ops disabled, 1 change waits" in line, line
        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, RemotesScreen)
        assert "ops (AOH IMS)  disabled · 1 queued" in app.screen.text, app.screen.text
    assert ops.emulator.log == []


def test_a_disabled_remote_stays_named_on_a_narrow_status_line() -> None:
    remotes = [
        RemoteLine("school", "ok", "2026-11-22T11:58:00Z"),
        RemoteLine("ops", "disabled", "2026-11-20T08:00:00Z", queued=2),
        RemoteLine("plant", "disabled"),
        RemoteLine("oncall", "offline", last_error="cannot connect"),
    ]
    full = status_content(remotes, 2).plain
    assert "ops disabled, 2 changes wait" in full and "plant disabled" in full, full
    narrow = status_content(remotes, 2, width=60).plain
    assert narrow == "2 queued │ oncall offline │ ops disabled, 2 waiting │ plant disabled │ 1 ok"
