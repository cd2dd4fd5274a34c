"""The global ``--theme NAME`` flag: ``incident-tui --theme incident-light`` opens the TUI in
that theme from themes/ (over the config file's), and an unknown name is said plainly (the
App falls back to the default theme with a warning naming it).

``main`` runs for real down to the App it would run; only the App's terminal loop is left
out (``App.run`` needs a terminal), and the App is then run under Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.color import Color

from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.ui import app as app_module
from tests.ui.conftest import NOW
from tests.ui.helpers import notifications, settle


@pytest.fixture
def opened(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path, on_a_terminal: None
) -> tuple[Path, list[Any]]:
    """A config file (theme incident-dark, the sample cache), and the list every App the
    command line builds is put in instead of being run in the terminal."""
    config = tmp_path / "config.toml"
    config.write_text(f'theme = "incident-dark"\ndb = "{db_path}"\n')
    made: list[Any] = []
    real = app_module.launch_app

    def launch(config: Path | None, overrides: dict[str, Any], **_: Any) -> Any:
        app = real(config, overrides, clock=fixed_clock(NOW), sync=False, cursor_blink=False)
        app.animation_level = "none"
        monkeypatch.setattr(app, "run", lambda *args, **kwargs: None)
        made.append(app)
        return app

    monkeypatch.setattr(app_module, "launch_app", launch)
    return config, made


async def test_theme_flag_applies_a_shipped_theme(opened: tuple[Path, list[Any]]) -> None:
    config, made = opened
    assert main(["--config", str(config), "--theme", "incident-light"]) == 0
    [app] = made
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "incident-light"
        light = app.get_theme("incident-light")
        assert light is not None and light.background is not None
        assert app.screen.styles.background == Color.parse(light.background)
        assert not any("Unknown theme" in n for n in notifications(app))


async def test_without_the_flag_the_config_theme_holds(
    opened: tuple[Path, list[Any]],
) -> None:
    config, made = opened
    assert main(["--config", str(config)]) == 0
    [app] = made
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "incident-dark"


async def test_an_unknown_theme_is_named(opened: tuple[Path, list[Any]]) -> None:
    config, made = opened
    assert main(["--config", str(config), "--theme", "no-such-theme"]) == 0
    [app] = made
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert app.theme == "incident-dark"
        assert "Unknown theme 'no-such-theme'; using incident-dark." in notifications(app)
