"""The TUI on a terminal, opened from a remembered start view that its settings contradict (a
hand edit): it opens again over the settings, and the user sees the cache they name."""

from __future__ import annotations

import json
import os
from pathlib import Path

from incident_tui import startup
from incident_tui.startup import StartView
from tests.conftest import make_incident
from tests.terminal_output import exit_status, read_until, start_on_terminal, stop
from tests.unit.test_cli_outside import build


def test_the_tui_opens_again_over_the_settings_a_remembered_view_contradicts(
    tmp_path: Path,
) -> None:
    real, stale = tmp_path / "real.db", tmp_path / "stale.db"
    build(real, [make_incident(1, title="from the configured cache")]).engine.dispose()
    build(stale, [make_incident(2, title="from the remembered cache")]).engine.dispose()
    config = tmp_path / "config.toml"
    config.write_text(f'db = "{real}"\n')
    key = startup.fingerprint(config, {})
    startup.remember(key, StartView(stale, "incident-light", {}, ()))

    child, leader = start_on_terminal(["--config", str(config)])
    try:
        seen = read_until(leader, b"from the configured cache", limit=30)
        assert b"from the configured cache" in seen, seen[-500:]
        # The first frame came from the view, as quickly as ever.
        assert b"from the remembered cache" in seen
        os.write(leader, b"q")
        assert exit_status(child, leader) == 0
    finally:
        stop(child, leader)
    remembered = json.loads(startup.snapshot_path().read_text())["views"][key]
    assert remembered["db"] == str(real) and remembered["theme"] == "incident-dark"
