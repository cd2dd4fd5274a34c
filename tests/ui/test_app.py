"""App-wide behaviour: help, themes, key overrides, the command palette, sync, errors."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import sysconfig
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.messages import IncidentsChanged
from incident_tui.ui.screens.help import HelpScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import (
    cursor_to,
    incidents,
    notifications,
    screen_text,
    settle,
    synced,
    until,
)


async def test_help_lists_keys_and_closes(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        text = screen_text(app)
        assert "acknowledge the selection" in text and "search as you type" in text
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)


async def test_key_override_from_settings(make_app: Any, db_path: Any) -> None:
    from incident_tui.store.reader import Reader

    app = make_app(keys={"acknowledge": "ctrl+k", "help": "f1"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "safety:r006")
        await pilot.press("a")  # no longer bound
        await settle(pilot)
        reader = Reader.open(db_path)
        assert reader.detail("safety:r006").incident["status"] == "triggered"  # type: ignore[union-attr]
        await pilot.press("ctrl+k")
        await settle(pilot)
        assert reader.detail("safety:r006").incident["status"] == "acknowledged"  # type: ignore[union-attr]
        reader.close()
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert "ctrl+k" in screen_text(app)


async def test_themes_are_registered_and_switch(make_app: Any) -> None:
    app = make_app(theme="incident-light")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert {"incident-dark", "incident-light", "incident-contrast"} <= set(
            app.available_themes
        )
        assert app.theme == "incident-light"
        assert app.theme_variables["severity-critical"] == "#C0243A"
        light_cursor = incidents(app)._row_styles().cursor.bgcolor
        app.theme = "incident-contrast"
        await settle(pilot)
        assert app.theme_variables["list-cursor-text-style"] == "reverse bold"
        assert incidents(app)._row_styles().cursor.bgcolor != light_cursor
        app.theme = "textual-dark"  # a built-in theme gets the incident defaults
        await settle(pilot)
        assert app.theme_variables["severity-major"] == "#FF9F43"


async def test_configured_theme_styles_the_first_frame_with_one_parse(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from textual.color import Color
    from textual.css.stylesheet import Stylesheet

    reparses: list[int] = []
    original = Stylesheet.reparse

    def counted(self: Stylesheet) -> None:
        reparses.append(1)
        original(self)

    monkeypatch.setattr(Stylesheet, "reparse", counted)
    app = make_app(theme="incident-light")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        light = app.get_theme("incident-light")
        assert light is not None and light.background is not None
        assert app.screen.styles.background == Color.parse(light.background)
        assert app.has_class("-light-mode") and not app.has_class("-dark-mode")
        # Setting the configured theme before start-up re-parsed every stylesheet once more,
        # only to parse them again for the first screen.
        assert reparses == []


async def test_unknown_theme_falls_back(make_app: Any) -> None:
    app = make_app(theme="no-such-theme")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "incident-dark"
        assert any("Unknown theme" in n for n in notifications(app))


async def test_palette_offers_actions_that_apply(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "oncall:r002")  # revily: no comments
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert {"Acknowledge", "Resolve", "Search", "Filter", "Sort", "Sync now",
                "New incident", "Help", "Theme", "Quit"} <= titles
        assert "Comment" not in titles
        await cursor_to(pilot, "safety:r006")
        command = next(c for c in app.get_system_commands(app.screen) if c.title == "Acknowledge")
        await command.callback()
        await settle(pilot)
        assert incidents(app).cursor_row.status == "acknowledged"  # type: ignore[union-attr]


async def test_palette_opens(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p", *"acknow")
        await settle(pilot)
        assert "Acknowledge" in screen_text(app)
        await pilot.press("escape")


@pytest.mark.parametrize(("key", "screen"), [("d", "DashboardScreen"), ("h", "HandoverScreen")])
async def test_dashboard_and_handover_open_and_close(make_app: Any, key: str, screen: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert type(app.screen).__name__ == screen
        await pilot.press(key)  # the same key again does not stack a second copy
        await settle(pilot)
        assert len(app.screen_stack) == 2
        await pilot.press("escape")
        await settle(pilot)
        assert type(app.screen).__name__ == "ListScreen"


async def test_dashboard_and_handover_take_each_others_place(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def stack() -> list[str]:
            return [type(screen).__name__ for screen in app.screen_stack]

        for key in ("d", "h", "d", "h"):
            await pilot.press(key)
            await settle(pilot)
        assert stack() == ["ListScreen", "HandoverScreen"]
        await pilot.press("d")
        await settle(pilot)
        await pilot.press("enter")  # the oldest open incident, from the dashboard's table
        await settle(pilot)
        assert stack() == ["ListScreen", "DashboardScreen", "DetailScreen"]
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("d")  # back to the open dashboard, not a second one
        await settle(pilot)
        assert stack() == ["ListScreen", "DashboardScreen"]
        await pilot.press("escape")
        await settle(pilot)
        assert stack() == ["ListScreen"]


async def test_dashboard_leaves_out_a_remote_taken_out_of_the_config(make_app: Any) -> None:
    """As the handover: the incidents of a remote the config no longer names count in no
    figure, and the title says so."""
    from tests.ui.conftest import REMOTES

    app = make_app(remotes=[r for r in REMOTES if r["name"] != "safety"])
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await pilot.press("d")
        await until(lambda: getattr(app.screen, "data", None) is not None)
        data = app.screen.data
        assert data.left_out == ("safety",)
        assert "safety" not in dict(data.open_by_remote)
        assert all(item.remote != "safety" for item in data.oldest_open)
        assert "safety no longer in the config: left out" in screen_text(app)
        await pilot.press("h")
        await until(lambda: getattr(app.screen, "handover", None) is not None)
        assert "safety is no longer in the config: left out" in screen_text(app)


async def test_sync_key_when_sync_is_off(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("s")
        assert any("Sync is off" in n for n in notifications(app))


@pytest.mark.parametrize("bell", [True, False])
async def test_urgent_new_incidents_notify_unless_bell_is_off(make_app: Any, bell: bool) -> None:
    app = make_app(bell=bell)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        rang: list[bool] = []
        app.bell = lambda: rang.append(True)
        app.post_message(IncidentsChanged(["school:r001"], urgent=["school:r001"]))
        await settle(pilot)
        shown = any(
            n.startswith("New urgent incident:\n") and n.endswith(" · school 1001")
            for n in notifications(app)
        )
        assert shown is bell and bool(rang) is bell


async def test_worker_errors_are_shown(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)

        def broken(incident_id: str) -> Any:
            raise RuntimeError("disk on fire")

        app.services.reader.detail = broken
        await pilot.press("enter")
        await settle(pilot)
        assert any("disk on fire" in n for n in notifications(app))
        assert app.is_running


def test_crash_report_has_no_local_variables(
    make_app: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    app = make_app()

    def explode() -> None:
        token = "tok-super-secret-123"  # noqa: F841 - a local the report must not show
        raise RuntimeError("crash")

    async def run() -> None:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            app.call_later(explode)
            await pilot.pause()

    with pytest.raises(RuntimeError):
        asyncio.run(run())
    report = capsys.readouterr().err
    assert "RuntimeError: crash" in report
    assert "tok-super-secret-123" not in report.replace('token = "tok-super-secret-123"', "")


async def test_sync_loop_fills_the_cache_the_app_reads_and_s_runs_another_pass(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    from incident_tui.clock import fixed_clock
    from incident_tui.ui.app import make_app
    from tests.ui.conftest import NOW

    emulator: Any = serve("revily", 3).emulator
    # The settings name another cache than the App's: the loop must write the one it reads.
    elsewhere = tmp_path / "settings.db"
    settings = Settings(db=elsewhere, remotes=[emulator.remote_config("oncall")],
                        poll_seconds=3600)
    app = make_app(settings, clock=fixed_clock(NOW), db_path=tmp_path / "cache.db", sync=True,
                   cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(100, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 3)
        await settle(pilot)
        assert "oncall ok at" in screen_text(app)
        assert not elsewhere.exists()

        # The next timed pass is an hour away: only ``s`` brings the new incident in.
        emulator.add("Pump 4 tripped on low suction")
        await pilot.press("s")
        assert "Syncing…" in notifications(app)
        await until(lambda: incidents(app).total == 4)
        await settle(pilot)
        assert "Pump 4 tripped on low suction" in screen_text(app)
        runner = app.runner
    # Leaving the App ended the loop's thread, which closes the engine on its way out.
    assert runner is not None and runner._done.is_set()


WITHOUT_HTTPX_RUN = """
import asyncio, json, sys
from pathlib import Path

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.ui.app import make_app
from tests.ui.conftest import NOW, REMOTES
from tests.ui.helpers import incidents, keep_notices, notifications, screen_text, settle, until

async def main(db: Path) -> None:
    app = make_app(Settings(remotes=REMOTES, db=db), clock=fixed_clock(NOW), db_path=db,
                   sync=True, cursor_blink=False)
    keep_notices()
    async with app.run_test(size=(160, 24)) as pilot:
        await until(lambda: bool(app.ctx.sync.note))
        await settle(pilot)
        print(json.dumps({"notes": notifications(app), "screen": screen_text(app),
                          "rows": incidents(app).total, "httpx": "httpx" in sys.modules}))

asyncio.run(main(Path(sys.argv[1])))
"""


def site_without_httpx(folder: Path) -> Path:
    """This interpreter's installed packages less httpx, as after ``pip uninstall httpx``:
    a folder linking every entry of site-packages but httpx's (the package and its
    metadata; httpx-sse stays, and fails to import without it)."""
    folder.mkdir()
    paths = sysconfig.get_paths()
    for site in dict.fromkeys((paths["purelib"], paths["platlib"])):
        for entry in Path(site).iterdir():
            if entry.name.partition("-")[0] == "httpx" or entry.suffix == ".pth":
                continue
            if not (folder / entry.name).exists():
                (folder / entry.name).symlink_to(entry)
    return folder


def test_sync_unavailable_is_reported_when_httpx_is_missing(
    db_path: Path, tmp_path: Path
) -> None:
    # The TUI's first paint needs no HTTP client (test_ui_import_is_light), so with httpx
    # gone (a broken or partial install) it still opens over the cache; the sync engine
    # cannot load, and the App says so rather than showing remotes that never sync.
    import incident_tui

    checkout = Path(incident_tui.__file__).parents[1]
    site = site_without_httpx(tmp_path / "site-packages")
    # -S: no site-packages but the folder given (and the .pth files, such as the editable
    # install's, are not read: the checkout itself is on the path).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(checkout)])}
    run = subprocess.run(
        [sys.executable, "-S", "-c", WITHOUT_HTTPX_RUN, str(db_path)],
        env=env, capture_output=True, text=True, timeout=300, check=False,
    )
    assert run.returncode == 0, run.stderr
    shown = json.loads(run.stdout.strip().splitlines()[-1])
    assert not shown["httpx"]
    # What it lacks, and what to do about it.
    assert shown["notes"] == [
        "sync is not available: No module named 'httpx'; reinstall incident-tui to sync"
    ]
    assert "sync unavailable" in shown["screen"]
    assert shown["rows"] > 0 and "Database connection pool exhausted" in shown["screen"]


def test_ui_import_is_light() -> None:
    """Importing the UI package pulls nothing; the app module pulls neither SQLModel nor httpx
    (the first paint must not pay for them)."""
    code = (
        "import sys, incident_tui.ui\n"
        "assert 'textual' not in sys.modules, 'ui package imported textual'\n"
        "import incident_tui.ui.app\n"
        "heavy = [m for m in ('sqlmodel', 'sqlalchemy', 'httpx') if m in sys.modules]\n"
        "assert not heavy, heavy\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


async def test_a_slow_old_read_never_paints_over_a_newer_one() -> None:
    """Screens re-read in exclusive thread workers; a cancelled thread still finishes, and
    what it read must not replace what the newer worker showed (the status line once said
    'never synced' after a sync that had succeeded)."""
    import threading

    from textual import work
    from textual.app import App

    from incident_tui.ui.messages import deliver_latest

    started, release, old_done = threading.Event(), threading.Event(), threading.Event()

    class Reads(App[None]):
        shown: list[str]

        def on_mount(self) -> None:
            self.shown = []

        @work(thread=True, group="read", exclusive=True)
        def read(self, value: str, slow: bool) -> None:
            if slow:
                started.set()
                release.wait(5)
            deliver_latest(self, self.shown.append, value)
            if slow:
                old_done.set()

    app = Reads()
    async with app.run_test() as pilot:
        app.read("old", True)
        assert await asyncio.to_thread(started.wait, 5)
        await app.read("new", False).wait()
        await pilot.pause()
        assert app.shown == ["new"]
        release.set()
        assert await asyncio.to_thread(old_done.wait, 5)
        await pilot.pause()
        assert app.shown == ["new"]
