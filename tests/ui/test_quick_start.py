"""The TUI's quick start: the second start with unchanged settings paints from the remembered
view and validates the settings right after; any change, or settings that stopped validating,
is never papered over."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.text import Text

from incident_tui import startup
from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.config_error import ConfigError
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.startup import StartView
from incident_tui.ui.app import IncidentApp, launch_app, make_app
from incident_tui.ui.screens.list_screen import ListScreen
from incident_tui.ui.services import Services
from tests.ui.conftest import NOW
from tests.ui.helpers import incidents, screen_text, settle


@pytest.fixture
def revily() -> Iterator[EmulatorServer]:
    """A Revily emulator with 12 incidents on a free loopback port, always stopped."""
    server = EmulatorServer(make_emulator("revily", sample=12, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


def write_config(path: Path, db: Path, remote: dict[str, Any], theme: str) -> None:
    lines = [f'theme = "{theme}"', f'db = "{db}"', "poll_seconds = 3600", "", "[keys]",
             'acknowledge = "ctrl+k"', "", "[[remotes]]"]
    lines += [f'{key} = "{value}"' for key, value in remote.items()]
    path.write_text("\n".join(lines) + "\n")


async def wait_for(condition: Any, limit: float = 10.0) -> None:
    for _ in range(int(limit / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition never became true")


async def test_second_start_paints_from_the_view_then_syncs(
    revily: EmulatorServer, tmp_path: Path, template_db: Path
) -> None:
    config = tmp_path / "config.toml"
    db = tmp_path / "cache.db"
    shutil.copy(template_db, db)
    remote: dict[str, Any] = revily.emulator.remote_config("oncall")
    write_config(config, db, remote, "incident-light")

    first = launch_app(config, {}, clock=fixed_clock(NOW), sync=False, cursor_blink=False)
    assert first.services.settings_ready  # validated first: nothing was remembered yet
    first.services.close()
    assert startup.recall(startup.fingerprint(config, {})) == first.services.view

    app = launch_app(config, {}, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    assert not app.services.settings_ready
    assert app.theme == "incident-light"
    assert app.services.db_path == db
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert incidents(app).total > 0
        await wait_for(lambda: app.services.settings_ready and app.runner is not None)
        await wait_for(lambda: "oncall ok at" in screen_text(app))
        assert app.services.settings.remotes[0].name == "oncall"
        assert "ctrl+k" in str(app.active_bindings.keys())


async def test_a_changed_config_is_validated_before_anything_shows(
    tmp_path: Path, revily: EmulatorServer
) -> None:
    config = tmp_path / "config.toml"
    remote: dict[str, Any] = revily.emulator.remote_config("oncall")
    write_config(config, tmp_path / "cache.db", remote, "incident-dark")
    launch_app(config, {}, sync=False).services.close()
    config.write_text(config.read_text() + "\nnot_a_setting = 1\n")
    with pytest.raises(ConfigError, match="not_a_setting"):
        launch_app(config, {}, sync=False)
    # Flags are part of the key too: another --theme validates again.
    write_config(config, tmp_path / "cache.db", remote, "incident-dark")
    app = launch_app(config, {"theme": "incident-contrast"}, sync=False)
    assert app.services.settings_ready and app.theme == "incident-contrast"
    app.services.close()


async def test_settings_that_stopped_validating_end_the_app(
    tmp_path: Path, template_db: Path
) -> None:
    def broken() -> Any:
        raise ConfigError("config.toml: remotes[0] (oncall): theme: [bold]gone[/bold]")

    view = StartView(template_db, "incident-dark", {}, (("oncall", "revily"),))
    services = Services.open_view(view, broken, fixed_clock(NOW))
    app = IncidentApp(services, sync=True, cursor_blink=False)
    async with app.run_test(size=(100, 24)):
        await wait_for(lambda: app.return_code is not None)
        # The line is shown as plain text: brackets from the config file are not markup.
        shown = [r for r in app._exit_renderables if isinstance(r, Text)]
        assert [r.plain for r in shown] == [
            "incident-tui: config.toml: remotes[0] (oncall): theme: [bold]gone[/bold]"
        ]
    assert app.return_code == 1


def test_command_line_bad_config_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], on_a_terminal: None
) -> None:
    config = tmp_path / "config.toml"
    config.write_text('[[remotes]]\nname = "x"\nkind = "nope"\nbase_url = "http://h"\n')
    assert main(["--config", str(config)]) == 1
    error = capsys.readouterr().err
    assert error.startswith(f"incident-tui: {config}") and error.count("\n") == 1


async def test_actions_in_the_first_moment_wait_for_settings_that_then_fail(
    tmp_path: Path, template_db: Path
) -> None:
    """New incident, export and handover need the full settings; pressed while they are still
    being validated they wait, and when validation fails the App ends with the one line and
    no traceback."""

    def slow_and_broken() -> Any:
        time.sleep(0.3)
        raise ConfigError("config.toml: remotes: gone")

    view = StartView(template_db, "incident-dark", {}, (("oncall", "revily"),))
    services = Services.open_view(view, slow_and_broken, fixed_clock(NOW))
    app = IncidentApp(services, sync=True, cursor_blink=False)
    async with app.run_test(size=(100, 24)) as pilot:
        for key in ("n", "x", "h"):
            await pilot.press(key)
        await wait_for(lambda: app.return_code is not None)
        assert isinstance(app.screen, ListScreen)
        shown = [r.plain for r in app._exit_renderables if isinstance(r, Text)]
        assert shown == ["incident-tui: config.toml: remotes: gone"]
    assert app.return_code == 1


def edit_view(key: str, **fields: Any) -> None:
    """Change the view remembered under ``key`` as a hand edit of the file would."""
    path = startup.snapshot_path()
    data = json.loads(path.read_text())
    data["views"][key].update(fields)
    path.write_text(json.dumps(data))


async def test_a_view_the_settings_contradict_is_replaced_and_the_app_follows_them(
    tmp_path: Path, template_db: Path
) -> None:
    config = tmp_path / "config.toml"
    real, stale = tmp_path / "real.db", tmp_path / "stale.db"
    shutil.copy(template_db, real)
    shutil.copy(template_db, stale)
    config.write_text(f'db = "{real}"\ntheme = "incident-dark"\n')
    launch_app(config, {}, sync=False).services.close()
    key = startup.fingerprint(config, {})
    edit_view(key, db=str(stale), theme="incident-light", keys={"acknowledge": "ctrl+k"},
              remotes=[["gone", "revily"]])

    app = launch_app(config, {}, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    assert app.services.db_path == stale  # the first frame paints from the view
    async with app.run_test(size=(100, 24)):
        await wait_for(lambda: app.return_code is not None)
    assert app.return_code == 0 and app.runner is None  # nothing synced the stale cache
    settings = app.follow
    assert settings is not None
    assert settings.db_path() == real and settings.theme == "incident-dark"
    assert startup.recall(key) == StartView.of(settings)

    # The command line then opens the App over the settings, as a first start does...
    followed = make_app(settings, clock=fixed_clock(NOW), sync=False, cursor_blink=False)
    assert followed.services.db_path == real and followed.theme == "incident-dark"
    followed.services.close()
    # ... and the next start paints from what they say.
    again = launch_app(config, {}, clock=fixed_clock(NOW), sync=False, cursor_blink=False)
    assert not again.services.settings_ready
    assert again.services.db_path == real and again.theme == "incident-dark"
    assert again.services.view.keys == {} and again.services.view.remotes == ()
    again.services.close()


async def test_a_view_naming_a_cache_that_is_gone_is_checked_first(
    tmp_path: Path, template_db: Path
) -> None:
    config = tmp_path / "config.toml"
    real, gone = tmp_path / "real.db", tmp_path / "gone.db"
    shutil.copy(template_db, real)
    config.write_text(f'db = "{real}"\n')
    launch_app(config, {}, sync=False).services.close()
    edit_view(startup.fingerprint(config, {}), db=str(gone))
    app = launch_app(config, {}, sync=False)
    # Opening the view's cache would have created it.
    assert app.services.settings_ready and app.services.db_path == real
    assert not gone.exists()
    app.services.close()
