"""SIGHUP (the SSH link dropped and the terminal hung up) and SIGTERM (a service manager)
end the TUI as quitting does, with the shell's status for the signal (128 + its number),
not on the spot: the demo then removes its temporary folder of emulators' data, which a
signal used to leave behind, tens of megabytes each time, and a comment typed just before
is kept as a draft.

Each case runs the installed program on a pseudo-terminal in a child process."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path

import pytest

from tests.terminal_output import exit_status, read_until, start_on_terminal, stop


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_the_tui_ends_in_order_on_a_signal(tmp_path: Path, signum: int) -> None:
    child, leader = start_on_terminal(["--db", str(tmp_path / "cache.db")])
    try:
        assert b"Incidents" in read_until(leader, b"Incidents")
        child.send_signal(signum)
        assert exit_status(child, leader) == 128 + signum
    finally:
        stop(child, leader)


def test_the_demo_removes_its_folder_when_the_terminal_hangs_up(tmp_path: Path) -> None:
    temporary = tmp_path / "tmp"
    temporary.mkdir()
    env = {**os.environ, "TMPDIR": str(temporary)}
    child, leader = start_on_terminal(["demo", "--sample", "3"], env)
    try:
        assert b"Incidents" in read_until(leader, b"Incidents")
        folders = list(temporary.glob("incident-tui-demo-*"))
        assert len(folders) == 1 and (folders[0] / "incidents.db").exists()
        child.send_signal(signal.SIGHUP)
        assert exit_status(child, leader) == 128 + signal.SIGHUP
        assert list(temporary.iterdir()) == []
    finally:
        stop(child, leader)


def test_a_comment_typed_when_the_link_drops_is_kept_as_a_draft(tmp_path: Path) -> None:
    # A draft is saved a moment after the typing stops; the hang-up came sooner.
    from incident_tui.ui.drafts import drafts_path
    from tests.ui.conftest import build_cache

    db = tmp_path / "cache.db"
    build_cache(db)
    child, leader = start_on_terminal(["--db", str(db)])
    try:
        assert b"Incidents" in read_until(leader, b"Incidents")
        os.write(leader, b"c")
        assert b"Comment on" in read_until(leader, b"Comment on")
        os.write(leader, b"Pump restarted")
        assert b"Pump restarted" in read_until(leader, b"Pump restarted")
        child.send_signal(signal.SIGHUP)
        assert exit_status(child, leader) == 128 + signal.SIGHUP
        kept = json.loads(drafts_path(db).read_text(encoding="utf-8"))
        assert [draft["body"] for draft in kept.values()] == ["Pump restarted"]
    finally:
        stop(child, leader)
