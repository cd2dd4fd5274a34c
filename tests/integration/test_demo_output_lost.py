"""``demo --no-tui`` whose standard output fails after its first line (a disk filling up, a
reader that took what it wanted): the demo's sync ends as ever and the status is its own.
Output that fails before that line fails the demo, which has started nothing yet. Standard
output is a stream that takes a set number of lines, so that the failure comes at the same
line each time; the five emulators run over HTTP as in any demo."""

from __future__ import annotations

import errno
import io
import sys

import pytest

from incident_tui.cli import main


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
