"""Suspended and resumed on a terminal, as a shell's job control does it: SIGTSTP hands the
terminal back as it was (main screen, no mouse reporting, cursor shown, echo on) and the
process stops; SIGCONT (``fg``) takes the terminal again and draws the whole screen, not
only what changes next. A SIGCONT that follows no suspension (``kill -STOP`` and ``kill
-CONT``, the one the kernel adds to a hang-up's SIGHUP) leaves the TUI as it was.

Each case runs the installed program on a pseudo-terminal in a child process."""

from __future__ import annotations

import os
import signal
import termios
import time
from pathlib import Path

from tests.terminal_output import exit_status, read_until, start_on_terminal, stop
from tests.ui.conftest import build_cache

HANDED_BACK = b"\x1b[?1049l\x1b[?25h"
"""Leaving the alternate screen and showing the cursor: the last the program writes as it
hands the terminal back."""


def stopped(pid: int, limit: float = 60.0) -> bool:
    """Whether the process ``pid`` is stopped (state ``T``) within ``limit`` seconds."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            # The name in brackets may hold spaces: the state follows its closing one.
            if stat.read().rpartition(")")[2].split()[0] == "T":
                return True
        time.sleep(0.05)
    return False


def terminal_modes(pid: int) -> list[int]:
    """The terminal settings of the pty ``pid`` draws on (its stdin), as ``tcgetattr``."""
    fd = os.open(os.readlink(f"/proc/{pid}/fd/0"), os.O_RDWR | os.O_NOCTTY)
    try:
        return termios.tcgetattr(fd)
    finally:
        os.close(fd)


def test_fg_after_a_suspension_draws_the_whole_screen_again(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    build_cache(db)
    child, leader = start_on_terminal(["--db", str(db)])
    try:
        # The status line's last word at start: nothing else is on its way to the screen.
        seen = read_until(leader, b"no remotes configured")
        assert b"Database connection pool exhausted" in seen
        child.send_signal(signal.SIGTSTP)
        handed_back = read_until(leader, HANDED_BACK)
        assert HANDED_BACK in handed_back
        assert stopped(child.pid)
        # The terminal is the shell's again while the program waits.
        for mode in (b"\x1b[?1000l", b"\x1b[?1006l", b"\x1b[?2004l"):
            assert mode in handed_back
        local = terminal_modes(child.pid)[3]
        assert local & termios.ECHO and local & termios.ICANON

        child.send_signal(signal.SIGCONT)
        # The alternate screen it enters again is blank: every part of the list must come.
        again = read_until(leader, b"Database connection pool exhausted", limit=30)
        assert b"\x1b[?1049h" in again
        assert b"Incidents" in again and b"Database connection pool exhausted" in again
        assert not terminal_modes(child.pid)[3] & termios.ECHO
        os.write(leader, b"q")
        assert exit_status(child, leader) == 0
    finally:
        stop(child, leader)


def test_a_suspended_tui_whose_link_drops_ends(tmp_path: Path) -> None:
    # The shell of a dropped SSH link sends its stopped jobs SIGHUP, then SIGCONT so that
    # they take it: the TUI wakes on a terminal that is gone.
    db = tmp_path / "cache.db"
    build_cache(db)
    child, leader = start_on_terminal(["--db", str(db)])
    try:
        assert b"no remotes configured" in read_until(leader, b"no remotes configured")
        child.send_signal(signal.SIGTSTP)
        assert HANDED_BACK in read_until(leader, HANDED_BACK)
        assert stopped(child.pid)
        os.close(leader)
        leader = os.open(os.devnull, os.O_RDONLY)  # for stop() to close
        child.send_signal(signal.SIGHUP)
        child.send_signal(signal.SIGCONT)
        assert child.wait(timeout=60) == 128 + signal.SIGHUP
    finally:
        stop(child, leader)


def test_a_sigcont_without_a_suspension_leaves_the_tui_as_it_was(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    build_cache(db)
    child, leader = start_on_terminal(["--db", str(db)])
    try:
        assert b"no remotes configured" in read_until(leader, b"no remotes configured")
        for _ in range(3):
            child.send_signal(signal.SIGCONT)
        # Each used to start another reader of the keys, one of which kept the process
        # from ending after q.
        os.write(leader, b"q")
        after = read_until(leader, HANDED_BACK)
        assert exit_status(child, leader) == 0
        # The screen was never taken again (entering it anew blanks it).
        assert b"\x1b[?1049h" not in after
    finally:
        stop(child, leader)
