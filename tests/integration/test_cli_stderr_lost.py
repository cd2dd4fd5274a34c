"""Standard error that cannot take the command line's lines (closed with ``2>&-``, a full
disk): they are dropped, standard output holds only its own data, and the exit status is
the command's own. The program runs in a child process, as only there stderr is a real file
or none at all; the remote is a Kitehouse emulator over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import Point, Serve, cli
from tests.integration.test_cli_output_lost import REPO, kitehouse, outbox


def run_with(stderr: str, *argv: str, stdout: str = "pipe") -> tuple[int, str]:
    """The command line in a child process with stderr closed (``stderr="closed"``) or on
    ``/dev/full`` (``"full"``), and stdout read (``"pipe"``) or on ``/dev/full`` too; its
    exit status and what reached stdout."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO)
    with open("/dev/full", "wb") as full:
        child = subprocess.run(
            [sys.executable, "-m", "incident_tui", *argv],
            stdout=full.fileno() if stdout == "full" else subprocess.PIPE,
            stderr=full.fileno() if stderr == "full" else None,
            env=env,
            timeout=120,
            check=False,
            # Started with no standard error at all, as `incident-tui show … 2>&-` is.
            preexec_fn=(lambda: os.close(2)) if stderr == "closed" else None,
        )
    return child.returncode, (child.stdout or b"").decode()


def test_a_warning_into_closed_stderr_stays_out_of_the_json(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
) -> None:
    emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    number = gate.split(":", 1)[1]
    # The fresh read is refused: the cached copy is shown, with a warning for stderr.
    emulator.faults.add("status", method="GET", path=f"/{number}$", status=400, times=-1)
    status, out = run_with("closed", "show", gate, "--fresh", "--json")
    assert status == 0, out
    assert json.loads(out)["id"] == gate


def test_a_failure_into_closed_stderr_leaves_stdout_empty(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
) -> None:
    kitehouse(serve, point, capsys, "Broken gate")
    assert run_with("closed", "show", "school:nope") == (1, "")


@pytest.mark.parametrize("stderr", ["full", "closed"])
def test_a_comment_queued_with_both_outputs_lost_exits_0(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    stderr: str,
) -> None:
    _emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    status, _ = run_with(stderr, "comment", gate, "--message", "On site", stdout="full")
    assert status == 0
    assert outbox(tmp_path) == [("comment", gate, "queued")]


def test_a_refusal_into_full_stderr_keeps_status_1(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    _emulator, (roof, hall) = kitehouse(serve, point, capsys, "Leaking roof", "Flooded hall")
    cli(capsys, "resolve", roof)
    status, out = run_with("full", "ack", roof, hall)
    assert status == 1
    assert out == f"queued: acknowledge {hall} (change 2)\n"
    assert [(op, i) for op, i, _state in outbox(tmp_path)] == [
        ("resolve", roof), ("acknowledge", hall)
    ]


def test_a_download_with_stderr_closed_is_saved(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    _emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 gate photo")
    cli(capsys, "attach", gate, str(photo))
    cli(capsys, "sync", "--once")
    target = tmp_path / "downloads"
    status, out = run_with("closed", "download", gate, "photo.jpg", "--to", str(target))
    assert (status, out) == (0, f"saved {target / 'photo.jpg'}\n")
    assert (target / "photo.jpg").read_bytes() == b"\xff\xd8 gate photo"
