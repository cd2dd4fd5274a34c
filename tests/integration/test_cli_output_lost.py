"""Standard output that cannot take the output (``> /dev/full``, ``>&-``) once the work is
done: a command that queued or changed something exits 0 with a line on stderr per change
saying it was done all the same (a script retrying on failure would queue it twice), and a
sync pushes and pulls as ever, its lines dropped and said lost once. The program runs in a
child process, as only there standard output is a real file or none at all; the remote is
a Kitehouse emulator over HTTP."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve, cli

REPO = Path(__file__).resolve().parents[2]

FULL = "incident-tui: cannot write to standard output (No space left on device); "
CLOSED = "incident-tui: cannot write to standard output (it is closed); "


def run_into(where: str, *argv: str) -> tuple[int, list[str]]:
    """The command line in a child process with standard output on ``/dev/full``
    (``where="full"``) or closed (``"closed"``), its output buffered as into any file; its
    exit status and stderr's lines."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO)
    with open("/dev/full", "wb") as full:
        child = subprocess.run(
            [sys.executable, "-m", "incident_tui", *argv],
            stdout=full.fileno() if where == "full" else None,
            stderr=subprocess.PIPE,
            env=env,
            timeout=120,
            check=False,
            # Started with no standard output at all, as `incident-tui comment … >&-` is.
            preexec_fn=(lambda: os.close(1)) if where == "closed" else None,
        )
    err = child.stderr.decode()
    assert "Traceback" not in err, err
    return child.returncode, err.splitlines()


def lost(where: str) -> str:
    """The start of each stderr line about output lost into ``where``."""
    return FULL if where == "full" else CLOSED


def kitehouse(serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
              *titles: str) -> tuple[Any, list[str]]:
    """A Kitehouse emulator holding incidents with ``titles``, synced into the cache the
    command line uses; the emulator and the incidents' ids."""
    kite = serve("kitehouse", sample=0)
    emulator: Any = kite.emulator
    ids = [emulator.add(title)["_id"] for title in titles]
    point(("school", kite))
    cli(capsys, "sync", "--once")
    return emulator, [f"school:{i}" for i in ids]


def outbox(tmp_path: Path) -> list[tuple[str, str, str]]:
    """The queued changes: operation, incident and state of each."""
    rows = Reader.open(tmp_path / "cache.db").outbox()
    return [(row["op"], row["incident_id"], row["state"]) for row in rows]


@pytest.mark.parametrize("where", ["full", "closed"])
def test_a_comment_queued_into_lost_output_is_said_on_stderr_and_exits_0(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    where: str,
) -> None:
    emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    status, err = run_into(where, "comment", gate, "--message", "On site")
    assert status == 0, err
    assert err == [f"{lost(where)}done all the same: queued: comment on {gate} (change 1)"]
    assert outbox(tmp_path) == [("comment", gate, "queued")]
    cli(capsys, "sync", "--once")
    number = gate.split(":", 1)[1]
    assert [c.message for c in emulator.incidents[number].comments] == ["On site"]


def test_each_change_of_a_command_is_said_and_a_refusal_keeps_status_1(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    _emulator, (gate, door, roof, hall) = kitehouse(
        serve, point, capsys, "Broken gate", "Stuck door", "Leaking roof", "Flooded hall"
    )
    status, err = run_into("full", "ack", gate, door)
    assert status == 0, err
    assert err == [
        f"{FULL}done all the same: queued: acknowledge {gate} (change 1)",
        f"{FULL}done all the same: queued: acknowledge {door} (change 2)",
    ]
    cli(capsys, "resolve", roof)
    # One refused, one queued: the refusal's own status, and the queued one still said.
    status, err = run_into("closed", "ack", roof, hall)
    assert status == 1, err
    assert err[0] == f"{CLOSED}done all the same: queued: acknowledge {hall} (change 4)"
    assert len(err) == 2 and roof in err[1], err
    assert [(op, i) for op, i, _state in outbox(tmp_path)] == [
        ("acknowledge", gate), ("acknowledge", door), ("resolve", roof), ("acknowledge", hall)
    ]


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["create", "--remote", "school", "--title", "Flooded hall"], "queued: create school:"),
        (["delete", "{gate}", "--yes"], "queued: delete {gate} (change 1)"),
        (["attach", "{gate}", "{file}"], "queued: attach notes.txt to {gate} (change 1)"),
        (["discard", "1"], "change 1 of {gate} discarded"),
    ],
)
def test_other_changes_into_a_full_disk_are_said_and_exit_0(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    argv: list[str], said: str,
) -> None:
    _emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    notes = tmp_path / "notes.txt"
    notes.write_text("gate log\n")
    if argv[0] == "discard":
        cli(capsys, "comment", gate, "--message", "On site")
    before = outbox(tmp_path)
    status, err = run_into("full", *(word.format(gate=gate, file=notes) for word in argv))
    assert status == 0, err
    assert len(err) == 1 and err[0].startswith(
        f"{FULL}done all the same: {said.format(gate=gate)}"
    ), err
    assert outbox(tmp_path) != before  # done, once


@pytest.mark.parametrize("where", ["full", "closed"])
def test_a_sync_into_lost_output_pushes_and_pulls_all_the_same(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
    where: str,
) -> None:
    emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    cli(capsys, "comment", gate, "--message", "On site")
    flood = f"school:{emulator.add('Flooded hall')['_id']}"
    status, err = run_into(where, "sync", "--once")
    assert status == 0, err
    assert err == [f"{lost(where)}the sync goes on without printing its lines"]
    assert outbox(tmp_path) == []
    number = gate.split(":", 1)[1]
    assert [c.message for c in emulator.incidents[number].comments] == ["On site"]
    assert Reader.open(tmp_path / "cache.db").exists(flood)


def test_a_failed_sync_into_lost_output_keeps_its_status_and_reason(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    emulator, (gate,) = kitehouse(serve, point, capsys, "Broken gate")
    cli(capsys, "comment", gate, "--message", "On site")
    emulator.faults.add("status", status=401, body={"message": "bad token"}, times=-1)
    status, err = run_into("full", "sync", "--once")
    assert status == 1, err
    assert err[0] == f"{FULL}the sync goes on without printing its lines"
    assert len(err) == 2 and err[1].startswith("incident-tui: synced 0 of 1 remotes; failing: ")
    assert outbox(tmp_path) == [("comment", gate, "queued")]
