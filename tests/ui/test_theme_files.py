"""A theme file Textual would refuse is found when the themes are read, not when one is
applied: the file is skipped with a one-line notice naming it and what is wrong, and the TUI
opens; a configured theme whose file is broken falls back to the default, as an unknown name
does.

The App reads its themes from a copy of the shipped folder with the broken file added; the
command line runs for real down to the App it would run (``App.run`` needs a terminal), and
the App is then run under Pilot."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.ui import app as app_module
from incident_tui.ui import themes
from incident_tui.ui.themes import ThemeFileError, load_themes, theme_from_mapping
from tests.ui.conftest import NOW
from tests.ui.helpers import notifications, settle


@pytest.fixture
def theme_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A copy of the shipped themes the App reads instead of the shipped folder."""
    folder = tmp_path / "themes"
    shutil.copytree(themes.theme_dir(), folder)
    monkeypatch.setattr(themes, "theme_dir", lambda: folder)
    return folder


@pytest.fixture
def opened(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, db_path: Path, on_a_terminal: None
) -> tuple[Path, list[Any]]:
    """A config file over the sample cache, and the list every App the command line builds
    is put in instead of being run in the terminal."""
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{db_path}"\n')
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


def theme_notices(app: Any) -> list[str]:
    return [n for n in notifications(app) if "heme" in n]


async def test_a_file_with_an_unknown_key_is_skipped_and_named(
    theme_folder: Path, opened: tuple[Path, list[Any]]
) -> None:
    mine = theme_folder / "mine.toml"
    mine.write_text('name = "mine"\nprimary = "#ff0000"\ncolour = "blue"\n')
    config, made = opened
    assert main(["--config", str(config)]) == 0
    [app] = made
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.theme == "incident-dark"
        assert theme_notices(app) == [f"Theme file skipped: {mine}: unknown keys colour"]
        assert "mine" not in app.available_themes
        assert "incident-light" in app.available_themes  # the other files still load


async def test_a_configured_theme_with_a_bad_colour_falls_back_to_the_default(
    theme_folder: Path, opened: tuple[Path, list[Any]]
) -> None:
    mine = theme_folder / "mine.toml"
    mine.write_text('name = "mine"\nprimary = "not-a-colour"\n')
    config, made = opened
    assert main(["--config", str(config), "--theme", "mine"]) == 0
    [app] = made
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.theme == "incident-dark"
        assert theme_notices(app) == [
            f"Theme 'mine' cannot be used: {mine}: primary: 'not-a-colour' is not a colour "
            "(e.g. '#4C9AFF', 'red' or 'rgb(76, 154, 255)'); using incident-dark."
        ]


async def test_a_broken_default_theme_falls_back_to_textuals(
    theme_folder: Path, make_app: Any
) -> None:
    dark = theme_folder / "incident-dark.toml"
    dark.write_text(dark.read_text().replace('primary = "#4C9AFF"', 'primary = "#4C9AF"'))
    app = make_app()
    async with app.run_test(size=(100, 24), notifications=True) as pilot:
        await settle(pilot)
        assert app.theme == "textual-dark"
        [notice] = theme_notices(app)
        assert notice.startswith(f"Theme 'incident-dark' cannot be used: {dark}: primary: ")
        assert notice.endswith("; using textual-dark.")


def test_loading_a_folder_names_each_broken_file(tmp_path: Path) -> None:
    (tmp_path / "a.toml").write_text('name = "a"\nprimary = "red"\n')
    (tmp_path / "b.toml").write_text('name = "bee"\nprimary = "reed"\n')
    (tmp_path / "c.toml").write_text("name = \n")
    loaded = load_themes(tmp_path)
    assert [theme.name for theme in loaded.themes] == ["a"]
    assert [(p.path.name, p.name) for p in loaded.problems] == [("b.toml", "bee"), ("c.toml", "c")]
    assert str(loaded.problems[0].error) == (
        f"{tmp_path / 'b.toml'}: primary: 'reed' is not a colour (did you mean 'red'?)"
    )
    assert str(loaded.problems[1].error).startswith(f"{tmp_path / 'c.toml'}: ")


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        ({"secondary": "#12"}, "secondary: '#12' is not a colour"),
        ({"background": 12}, "background: 12 is not a colour"),
        ({"dark": "yes"}, "dark: must be true or false"),
        ({"text_alpha": "high"}, "text_alpha: must be a number"),
        ({"variables": {"severity-critical": "zzz"}}, "variables.severity-critical: 'zzz'"),
        ({"variables": {"footer-key-foreground": "bold"}}, "variables.footer-key-foreground"),
        ({"variables": {"list-cursor-text-style": "shiny"}}, "is not a text style"),
        ({"variables": "red"}, "variables: must be a table"),
        ({"name": ""}, "name: must be a non-empty string"),
    ],
)
def test_values_textual_would_refuse_are_named(data: dict[str, Any], problem: str) -> None:
    with pytest.raises(ThemeFileError, match="^mine.toml: ") as caught:
        theme_from_mapping({"name": "x", "primary": "#fff", **data}, source="mine.toml")
    assert problem in str(caught.value)


def test_what_the_stylesheet_takes_is_taken() -> None:
    theme = theme_from_mapping({
        "name": "x", "primary": "ansi_bright_blue", "background": "rgb(20, 23, 28)",
        "luminosity_spread": 1,
        "variables": {
            "list-selected-background": "#3A2F55 80%", "list-cursor-text-style": "reverse bold",
            "block-cursor-text-style": "none", "made-up-variable": "anything",
        },
    })
    assert theme.variables["list-selected-background"] == "#3A2F55 80%"


def test_a_sixteen_colour_table_is_checked_as_the_theme_is() -> None:
    base = {"name": "mine", "primary": "#336699"}
    with pytest.raises(ThemeFileError, match="colours-16: unknown keys name"):
        theme_from_mapping({**base, "colours-16": {"name": "other"}})
    with pytest.raises(ThemeFileError, match=r"colours-16\.panel: 'grey-ish' is not a colour"):
        theme_from_mapping({**base, "colours-16": {"panel": "grey-ish"}})
    theme = theme_from_mapping(
        {**base, "variables": {"mark-pending": "#00FFFF"},
         "colours-16": {"panel": "#000000", "variables": {"list-cursor-text-style": "reverse"}}}
    )
    assert theme.for_colours("truecolor") is theme
    sixteen = theme.for_colours("standard")
    assert (sixteen.panel, sixteen.primary) == ("#000000", "#336699")
    assert sixteen.variables == {"mark-pending": "#00FFFF", "list-cursor-text-style": "reverse"}
