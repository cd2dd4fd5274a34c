"""SIGHUP (the SSH link dropped and the terminal hung up) and SIGTERM (a service manager)
end the TUI as quitting does, with the shell's status for the signal (128 + its number),
not on the spot: the demo then removes its temporary folder of emulators' data, which a
signal used to leave behind, tens of megabytes each time.

Each case runs the installed program on a pseudo-terminal in a child process."""

from __future__ import annotations

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
