"""A status change the remote already made, or went past, while ours waited in the outbox,
against the emulators over HTTP: on a remote that cannot go back (Revily: resolved is final)
it is done and the cache takes the remote's state; where going back is possible (AOH IMS
reopens) it stays a conflict for the user to settle."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli


def show(capsys: pytest.CaptureFixture[str], incident_id: str) -> dict[str, Any]:
    """``show ID --json``, parsed."""
    return json.loads(cli(capsys, "show", incident_id, "--json")[0])  # type: ignore[no-any-return]


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    return json.loads(cli(capsys, "outbox", "--json")[0])  # type: ignore[no-any-return]


@pytest.mark.parametrize("command", ["ack", "resolve"])
def test_a_revily_change_someone_else_resolved_first_is_done_not_a_conflict(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], command: str
) -> None:
    pager: Any = serve("revily")
    row = pager.emulator.add("Disk full on db-1")
    point(("pager", pager))
    cli(capsys, "sync", "--once")
    incident_id = f"pager:{row['id']}"
    cli(capsys, command, incident_id)
    pager.emulator.transition(row["id"], "resolve")  # the day shift was first
    pager.emulator.log.clear()
    out, _ = cli(capsys, "sync", "--once")
    assert "conflict" not in out
    assert outbox(capsys) == []
    # Nothing was written: the remote already is where ours would have ended.
    assert not [e for e in pager.emulator.log if e.method == "PUT"]
    shown = show(capsys, incident_id)
    assert (shown["status"], shown["status_raw"], shown["pending"]) == ("resolved", "resolved", 0)
    assert shown["conflict"] is None


def test_an_aoh_acknowledgement_over_a_remote_resolve_stays_a_conflict(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops: Any = serve("aoh_ims", sample=0)
    row = ops.emulator.add(name="Disk full", status="NEW")
    point(("ops", ops))
    cli(capsys, "sync", "--once")
    incident_id = f"ops:{row['id']}"
    cli(capsys, "ack", incident_id)
    ops.emulator.touch(row["id"], status="RESOLVED")  # AOH IMS can reopen: ours is a choice
    out, _ = cli(capsys, "sync", "--once")
    assert "1 conflicts" in out
    [change] = outbox(capsys)
    assert (change["op"], change["state"]) == ("acknowledge", "conflict")
