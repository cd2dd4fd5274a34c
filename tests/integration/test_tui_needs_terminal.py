"""The TUI runs only on a terminal: started with no terminal for its keys (stdin) or its screen
(stderr, where Textual draws), ``incident-tui`` and ``incident-tui demo`` say so in one line
and end with status 1, instead of waiting for keys that never come while drawing into a
file. On a terminal (a pty here) the TUI starts and quits as ever.

Each case runs the installed program in a child process, as a script or a service would."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest

from tests.terminal_output import exit_status, read_all, read_until, start_on_terminal, stop

ADVICE = {
    "tui": "scripts use the commands: list, show, sync… (incident-tui --help)",
    "demo": "demo --no-tui syncs the demo once and prints what it did",
}


@pytest.mark.parametrize(("argv", "advice"), [([], "tui"), (["tui"], "tui"), (["demo"], "demo")])
def test_without_a_terminal_it_says_so_and_starts_nothing(
    tmp_path: Path, argv: list[str], advice: str
) -> None:
    db = tmp_path / "cache.db"
    # The demo makes its own cache (--db is a usage error there); the TUI is given one.
    given = [] if argv == ["demo"] else ["--db", str(db)]
    done = subprocess.run(
        [sys.executable, "-m", "incident_tui", *given, *argv],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 1
    assert done.stdout == ""  # the demo starts no emulator
    assert done.stderr == (
        f"incident-tui: the TUI needs a terminal, but stdin and stderr are not; "
        f"{ADVICE[advice]}\n"
    )
    assert not db.exists()


def test_with_only_stdin_redirected_it_names_stdin(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        done = subprocess.run(
            [sys.executable, "-m", "incident_tui", "--db", str(tmp_path / "cache.db")],
            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=follower, timeout=60,
        )  # fmt: skip
        os.close(follower)
        follower = -1
        assert done.returncode == 1
        assert read_all(leader).startswith(b"incident-tui: the TUI needs a terminal, but stdin ")
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def test_on_a_terminal_the_tui_starts_and_quits(tmp_path: Path) -> None:
    child, leader = start_on_terminal(["--db", str(tmp_path / "cache.db")])
    try:
        seen = read_until(leader, b"Incidents")
        assert b"Incidents" in seen, seen[-500:]
        os.write(leader, b"q")
        assert exit_status(child, leader) == 0
    finally:
        stop(child, leader)


@pytest.mark.parametrize(("argv", "advice"), [([], "tui"), (["demo"], "demo")])
def test_on_a_dumb_terminal_it_says_so_and_starts_nothing(
    tmp_path: Path, argv: list[str], advice: str
) -> None:
    db = tmp_path / "cache.db"
    given = [] if argv == ["demo"] else ["--db", str(db)]
    # A terminal, but TERM=dumb (Emacs' M-x shell): no cursor to place, so no screen to draw.
    child, leader = start_on_terminal([*given, *argv], env={**os.environ, "TERM": "dumb"})
    try:
        seen = read_until(leader, b"\n", limit=30)
        assert exit_status(child, leader) == 1
        assert seen.decode().replace("\r\n", "\n") == (
            "incident-tui: the TUI needs a terminal that can place the cursor, but TERM is "
            "dumb; open it in a terminal emulator (or set TERM to what yours is, "
            f"xterm-256color say); {ADVICE[advice]}\n"
        )
        assert b"\x1b[" not in seen
        assert not db.exists()
    finally:
        stop(child, leader)
