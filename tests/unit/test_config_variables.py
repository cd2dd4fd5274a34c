"""A variable with the settings' prefix that sets nothing is an error, as an unknown key in the
config file is: a typo must not leave the default in force without a word."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from tests.unit.test_cli_outside import one_line_error

TYPOS = {
    "INCIDENT_TUI_POLL_SECOND": "5",
    "INCIDENT_TUI_REMOTE": '[{"name": "a"}]',
    "INCIDENT_TUI_KEY__sync": "ctrl+y",
}


@pytest.mark.parametrize(
    ("argv", "terminal"), [(["list"], False), (["sync", "--once"], False), ([], True)]
)
def test_a_misspelt_variable_is_one_line_naming_it_for_every_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
    argv: list[str], terminal: bool,
) -> None:
    if terminal:  # the TUI, which checks the settings before it starts here
        from incident_tui import cli

        monkeypatch.setattr(cli, "terminal_streams", list)
    for name, value in TYPOS.items():
        monkeypatch.setenv(name, value)
    assert main([*argv, "--db", str(tmp_path / "c.db")]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line == (
        "incident-tui: "
        "environment INCIDENT_TUI_KEY__sync: unknown setting (did you mean "
        "INCIDENT_TUI_KEYS__sync?); "
        "environment INCIDENT_TUI_POLL_SECOND: unknown setting (did you mean "
        "INCIDENT_TUI_POLL_SECONDS?); "
        "environment INCIDENT_TUI_REMOTE: unknown setting (did you mean INCIDENT_TUI_REMOTES?)"
    )
    assert not (tmp_path / "c.db").exists()


def test_a_variable_like_no_setting_lists_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INCIDENT_TUI_DATABSE", "/tmp/x.db")
    with pytest.raises(ConfigError) as caught:
        load_settings()
    line = str(caught.value)
    assert line.startswith(
        "environment INCIDENT_TUI_DATABSE: unknown setting (want INCIDENT_TUI_ followed by one "
        "of CONFIG, DB, THEME, POLL_SECONDS,"
    )


def test_it_is_named_with_the_file_s_problems_on_the_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("databse = 1\n")
    monkeypatch.setenv("INCIDENT_TUI_THEMES", "incident-light")
    with pytest.raises(ConfigError) as caught:
        load_settings(config)
    assert str(caught.value) == (
        f"{config}: databse: unknown key; environment INCIDENT_TUI_THEMES: unknown setting "
        "(did you mean INCIDENT_TUI_THEME?)"
    )


def test_the_variables_that_are_ours_stay_accepted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        '[[remotes]]\nname = "a"\nkind = "revily"\nbase_url = "http://h"\n'
        'token_env = "INCIDENT_TUI_A_TOKEN"\n'
    )
    remotes = [{"name": "b", "kind": "revily", "base_url": "http://h",
                "token_env": "INCIDENT_TUI_B_TOKEN"}]
    for name, value in {
        "INCIDENT_TUI_CONFIG": str(config),
        "INCIDENT_TUI_DB": str(tmp_path / "c.db"),
        "incident_tui_theme": "incident-light",  # any case, as pydantic-settings reads them
        "INCIDENT_TUI_KEYS__sync": "ctrl+y",
        "INCIDENT_TUI_A_TOKEN": "secret-a",  # named by a remote of the file
        "INCIDENT_TUI_TYPO_LEFT_EMPTY": "",  # empty: no setting, as everywhere
    }.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert settings.theme == "incident-light" and settings.keys == {"sync": "ctrl+y"}
    assert settings.remote("a").secret() == "secret-a"
    # Named by a remote of the variable, which the file's remotes give way to.
    monkeypatch.setenv("INCIDENT_TUI_B_TOKEN", "secret-b")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps(remotes))
    assert load_settings().remote("b").secret() == "secret-b"
