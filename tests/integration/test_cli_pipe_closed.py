"""Standard output a pipe whose reader is gone (``| head`` that took what it wanted) once the
work has begun: the output is dropped quietly and the work ends as it would have (the pass
under way, every id given), with the command's own exit status. The program runs in a child
process writing into a real pipe, its reading end closed before it starts, so that the very
first line meets it; the remote is a Kitehouse emulator over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import Point, Serve, cli
from tests.integration.test_cli_output_lost import REPO, kitehouse, outbox


def run_into_closed_pipe(*argv: str) -> tuple[int, list[str]]:
    """The command line in a child process whose stdout is a pipe nobody reads any more; its
    exit status and stderr's lines."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO)
    read, write = os.pipe()
    os.close(read)
    try:
        child = subprocess.run(
            [sys.executable, "-m", "incident_tui", *argv],
            stdout=write,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
        )
    finally:
        os.close(write)
    err = child.stderr.decode()
    assert "Traceback" not in err and "Exception ignored" not in err, err
    return child.returncode, err.splitlines()


@pytest.mark.parametrize("once", [True, False])
def test_a_sync_into_a_closed_pipe_ends_its_pass_and_exits_0(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    once: bool,
) -> None:
    emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    cli(capsys, "comment", gate, "--message", "On site")
    # Without --once too: the reader is gone, so the sync ends after the pass under way.
    status, err = run_into_closed_pipe("sync", *(["--once"] if once else []))
    assert (status, err) == (0, [])
    assert outbox(tmp_path) == []
    number = gate.split(":", 1)[1]
    assert [c.message for c in emulator.incidents[number].comments] == ["On site"]


def test_a_failed_sync_into_a_closed_pipe_keeps_its_status_and_reason(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
) -> None:
    emulator, _ = kitehouse(serve, point, capsys, "Broken gate")
    emulator.faults.add("status", status=401, body={"message": "bad token"}, times=-1)
    status, err = run_into_closed_pipe("sync", "--once")
    assert status == 1
    assert len(err) == 1 and err[0].startswith("incident-tui: synced 0 of 1 remotes; failing: ")


def test_a_refusal_beside_a_change_into_a_closed_pipe_keeps_status_1(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    _emulator, (roof, hall) = kitehouse(serve, point, capsys, "Leaking roof", "Flooded hall")
    cli(capsys, "resolve", roof)
    status, err = run_into_closed_pipe("ack", roof, hall)
    assert status == 1
    assert len(err) == 1 and roof in err[0] and "reopen it first" in err[0], err
    assert [(op, i) for op, i, _state in outbox(tmp_path)] == [
        ("resolve", roof), ("acknowledge", hall)
    ]


def test_a_read_into_a_closed_pipe_is_no_failure(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
) -> None:
    kitehouse(serve, point, capsys, "Broken gate")
    assert run_into_closed_pipe("list") == (0, [])
