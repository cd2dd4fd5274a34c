"""The remembered start view: keyed by everything the settings come from, sound or ignored."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from incident_tui import startup
from incident_tui.config import load_settings
from incident_tui.startup import StartView

CONFIG = """\
theme = "incident-light"

[keys]
acknowledge = "ctrl+k"

[[remotes]]
name = "oncall"
kind = "revily"
base_url = "http://127.0.0.1:9"
token = "s3cret-token-value"
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(CONFIG)
    return path


def test_view_round_trips_and_keeps_no_secret(config: Path) -> None:
    settings = load_settings(config, {})
    key = startup.fingerprint(config, {})
    startup.remember(key, StartView.of(settings))
    view = startup.recall(key)
    assert view == StartView.of(settings)
    assert view is not None
    assert view.theme == "incident-light" and view.keys == {"acknowledge": "ctrl+k"}
    assert view.remotes == (("oncall", "revily"),) and view.db == settings.db_path()
    assert "s3cret" not in startup.snapshot_path().read_text()
    assert startup.recall("another key") is None


def test_view_says_which_remotes_are_disabled(config: Path) -> None:
    # The status line of the first frame reads it: a disabled remote must not read "ok".
    config.write_text(CONFIG + "enabled = false\n")
    settings = load_settings(config, {})
    key = startup.fingerprint(config, {})
    startup.remember(key, StartView.of(settings))
    view = startup.recall(key)
    assert view is not None and view.disabled == ("oncall",)
    # A view remembered without it (by an earlier version) is not used: validate first.
    data = json.loads(startup.snapshot_path().read_text())
    del data["views"][key]["disabled"]
    startup.snapshot_path().write_text(json.dumps(data))
    assert startup.recall(key) is None


def test_fingerprint_follows_every_source(
    config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = startup.fingerprint(config, {"db": None})
    assert startup.fingerprint(config, {"db": None}) == base
    monkeypatch.setenv("UNRELATED_VARIABLE", "1")
    assert startup.fingerprint(config, {}) == base
    assert startup.fingerprint(config, {"theme": "incident-dark"}) != base
    monkeypatch.setenv("INCIDENT_TUI_POLL_SECONDS", "5")
    with_env = startup.fingerprint(config, {})
    assert with_env != base
    monkeypatch.delenv("INCIDENT_TUI_POLL_SECONDS")
    data_home = os.environ["XDG_DATA_HOME"]
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "elsewhere"))
    assert startup.fingerprint(config, {}) not in (base, with_env)
    monkeypatch.setenv("XDG_DATA_HOME", data_home)
    assert startup.fingerprint(config, {}) == base
    config.write_text(CONFIG.replace("incident-light", "incident-dark"))
    assert startup.fingerprint(config, {}) != base
    # The file named by the environment counts when there is no flag.
    monkeypatch.setenv("INCIDENT_TUI_CONFIG", str(config))
    named = startup.fingerprint(None, {})
    config.write_text(CONFIG)
    assert startup.fingerprint(None, {}) != named


def _snapshot(view: object, version: int = 1) -> str:
    return json.dumps({"version": version, "views": {"k": view}})


@pytest.mark.parametrize(
    "content",
    [
        "not json",
        _snapshot({}, version=99),
        json.dumps({"version": 1, "views": []}),
        _snapshot({"db": "", "theme": "x", "keys": {}}),
        _snapshot({"db": "a", "theme": "x", "keys": {"a": 1}, "remotes": []}),
        _snapshot({"db": "a", "theme": "x", "keys": {}, "remotes": [["a"]]}),
    ],
)
def test_a_damaged_snapshot_is_ignored(content: str) -> None:
    path = startup.snapshot_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content)
    assert startup.recall("k") is None
    # ... and remembering over it works.
    view = StartView(Path("c.db"), "incident-dark", {}, ())
    startup.remember("k", view)
    assert startup.recall("k") == view


def test_only_the_newest_views_are_kept() -> None:
    for number in range(startup.KEEP + 3):
        startup.remember(f"key{number}", StartView(Path(f"/c{number}.db"), "t", {}, ()))
    assert startup.recall("key0") is None and startup.recall("key2") is None
    assert startup.recall(f"key{startup.KEEP + 2}") is not None
    assert startup.recall("key3") is not None
    # Remembering a key again makes it the newest.
    startup.remember("key3", StartView(Path("/again.db"), "t", {}, ()))
    startup.remember("fresh", StartView(Path("/fresh.db"), "t", {}, ()))
    assert startup.recall("key3") == StartView(Path("/again.db"), "t", {}, ())


def test_an_unwritable_state_folder_only_costs_speed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the state folder would go")
    monkeypatch.setenv("XDG_STATE_HOME", str(blocker))
    startup.remember("k", StartView(Path("/c.db"), "t", {}, ()))
    assert startup.recall("k") is None
