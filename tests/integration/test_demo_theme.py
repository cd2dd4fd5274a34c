"""``incident-tui --theme X demo`` opens the demo in theme X, as ``INCIDENT_TUI_THEME`` does:
the flag was taken and then ignored. Each case runs the program on a pseudo-terminal and reads
how it draws the header's first word."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from tests.terminal_output import read_until, start_on_terminal, stop


def header(argv: Sequence[str], theme: str | None, tmp_path: Path) -> bytes:
    """The escape sequence the demo draws its header's title with, ``INCIDENT_TUI_THEME``
    set to ``theme`` (and no other such variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_TUI_")}
    # The demo is killed once it has drawn, which leaves its folder: here, not in /tmp.
    env["TMPDIR"] = str(tmp_path)
    if theme is not None:
        env["INCIDENT_TUI_THEME"] = theme
    child, leader = start_on_terminal([*argv, "demo", "--sample", "1"], env)
    try:
        seen = read_until(leader, b"Incidents ")
    finally:
        stop(child, leader)
    assert b"Incidents " in seen, seen[-500:]
    drawn = seen[: seen.index(b"Incidents ")]
    return drawn[drawn.rindex(b"\x1b[") :]


def test_the_demo_takes_the_theme_flag(tmp_path: Path) -> None:
    by_variable = header([], "incident-light", tmp_path)
    assert by_variable != header([], None, tmp_path)  # the default is incident-dark
    # The flag wins over the variable, as for the TUI.
    by_flag = header(["--theme", "incident-light"], "incident-dark", tmp_path)
    assert by_flag == by_variable
