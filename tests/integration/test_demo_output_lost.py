"""``demo --no-tui`` whose standard output fails after its first line (a disk filling up, a
reader that took what it wanted): the demo's sync ends as ever and the status is its own.
Output that fails before that line fails the demo, which has started nothing yet. Standard
output is a stream that takes a set number of lines, so that the failure comes at the same
line each time; the five emulators run over HTTP as in any demo.

The demo with its TUI has no use for standard output: full, it runs as ever (the TUI on a
pseudo-terminal in a child process)."""

from __future__ import annotations

import errno
import io
import os
import sys

import pytest

from incident_tui.cli import main
from tests.terminal_output import exit_status, read_until, start_on_terminal, stop


class FailingAfter(io.StringIO):
    """Standard output that takes ``lines`` lines, then fails each write as ``error`` does."""

    def __init__(self, lines: int, error: OSError) -> None:
        super().__init__()
        self.left = lines
        self.error = error

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise self.error
        self.left -= text.count("\n")
        return super().write(text)


FULL = OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("error", [FULL, BrokenPipeError(errno.EPIPE, "Broken pipe")])
def test_a_demo_whose_output_fails_after_its_first_line_syncs_to_the_end(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], error: OSError,
) -> None:
    out = FailingAfter(1, error)
    monkeypatch.setattr(sys, "stdout", out)
    assert main(["demo", "--no-tui", "--sample", "2"]) == 0
    assert out.getvalue() == "starting five emulators with 2 incidents each…\n"
    err = capsys.readouterr().err
    if error is FULL:
        assert err == (
            "incident-tui: cannot write to standard output (No space left on device); the "
            "demo syncs all the same without printing its lines\n"
        )
    else:
        assert err == ""  # the reader asked for no more


def test_a_demo_whose_output_fails_at_once_starts_nothing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr(sys, "stdout", FailingAfter(0, FULL))
    assert main(["demo", "--no-tui", "--sample", "2"]) == 1
    assert capsys.readouterr().err == (
        "incident-tui: cannot write to standard output: No space left on device\n"
    )


def test_the_demo_tui_runs_with_standard_output_full() -> None:
    with open("/dev/full", "wb") as full:
        child, leader = start_on_terminal(["demo", "--sample", "3"], stdout=full.fileno())
    try:
        # The line before the screen comes goes to the terminal, where the TUI draws.
        seen = read_until(leader, b"Incidents")
        assert "starting five emulators with 3 incidents each…".encode() in seen
        assert b"Incidents" in seen
        os.write(leader, b"q")
        assert exit_status(child, leader) == 0
    finally:
        stop(child, leader)
