"""A status word the mapping does not know is warned about once, not once per record and
pass: through ``sync --once`` against the Kitehouse emulator over HTTP, five incidents "on
hold" synced twice give one warning, which says how to map the word; the command line
prints it as one ``incident-tui:`` line on stderr."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.integration.conftest import Serve, cli


def test_an_unknown_status_word_is_one_warning(
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = serve("kitehouse", sample=2)
    emulator: Any = server.emulator
    for number in range(5):
        emulator.add(f"Held {number}", status="on_hold")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("school")]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    with caplog.at_level(logging.WARNING):
        cli(capsys, "sync", "--once")
        cli(capsys, "sync", "--once")
    assert [r.getMessage() for r in caplog.records] == [
        "school: unknown status 'on_hold', shown as triggered (the remote's status_map in the "
        "config can say what it means)"
    ]
    held = json.loads(cli(capsys, "list", "--json", "--search", "Held")[0])
    assert len(held) == 5 and {i["status"] for i in held} == {"triggered"}


def test_the_command_line_prints_the_warning_as_its_own_line(
    serve: Serve, tmp_path: Any
) -> None:
    server = serve("kitehouse", sample=2)
    emulator: Any = server.emulator
    for number in range(3):
        emulator.add(f"Held {number}", status="on_hold")
    env = {**os.environ, "INCIDENT_TUI_REMOTES": json.dumps([emulator.remote_config("school")])}
    done = subprocess.run(
        [sys.executable, "-m", "incident_tui", "--db", str(tmp_path / "c.db"), "sync", "--once"],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert done.stderr == (
        "incident-tui: school: unknown status 'on_hold', shown as triggered (the remote's "
        "status_map in the config can say what it means)\n"
    )


def _unknown_on(kind: str, emulator: Any) -> str:
    """Give ``emulator`` an incident in a status its kind's mapping does not know; returns
    the word as the warning quotes it."""
    if kind == "fourhse":
        emulator.add(name="Parked", status="quarantined")
        return "status 'quarantined'"
    if kind == "aoh_ims":
        emulator.add(name="Parked", status="PARKED")
        return "status 'PARKED'"
    added = emulator.add("Parked")
    emulator.incidents[added["id"]].state = "snoozed"  # as a newer Revily might say
    return "Revily state 'snoozed'"


@pytest.mark.parametrize("kind", ["fourhse", "aoh_ims", "revily"])
def test_the_warning_names_the_remote_for_every_kind_with_status_words(
    kind: str,
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    # Five remotes share one view: the warning must say whose word it is.
    server = serve(kind, sample=2)
    word = _unknown_on(kind, server.emulator)
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([server.emulator.remote_config("far")]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    with caplog.at_level(logging.WARNING):
        cli(capsys, "sync", "--once")
    unknown = [r.getMessage() for r in caplog.records if "unknown" in r.getMessage()]
    assert len(unknown) == 1 and unknown[0].startswith(f"far: unknown {word}, shown as triggered")
