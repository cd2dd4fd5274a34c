"""Resolutions made here that the remote has not accepted, through the command line against
an AOH IMS emulator over HTTP: queued while the remote is out of reach, or in conflict with
someone else's change there. The remote still has them open, so the handover counts them
as open, says so on each, and leaves them out of "Resolved this shift" until they go."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.cli import main
from tests.integration.conftest import Point, Serve, cli


def handover(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The handover as JSON."""
    report: dict[str, Any] = json.loads(cli(capsys, "handover", "--format", "json")[0])
    return report


def test_unsent_resolutions_are_open_and_marked_until_the_remote_takes_them(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("aoh_ims", sample=0)
    emulator: Any = server.emulator
    contested = emulator.add(name="Fire pump down")["id"]
    waiting = emulator.add(name="Door sensor offline")["id"]
    point(("ops", server))
    cli(capsys, "sync", "--once")
    contested_id, waiting_id = f"ops:{contested}", f"ops:{waiting}"

    # Someone else acknowledges one on the remote while we resolve it: a conflict.
    emulator.touch(contested, status="IN_PROGRESS")
    cli(capsys, "resolve", contested_id)
    main(["sync", "--once"])
    # The remote goes out of reach; the other resolution waits in the queue.
    point(("ops", server), offline=True)
    cli(capsys, "resolve", waiting_id)
    cli(capsys, "sync", "--once", status=1)

    report = handover(capsys)
    resolved = report["sections"]["resolved"]
    assert resolved["total"] == 0 and resolved["items"] == [] and resolved["unsent"] == 2
    carried = {item["id"]: item for item in report["sections"]["carried"]["items"]}
    assert report["sections"]["carried"]["total"] == 2
    assert carried[waiting_id]["unsent"] == {"change": "resolve", "state": "queued"}
    assert carried[contested_id]["unsent"] == {"change": "resolve", "state": "conflict"}
    attention = report["sections"]["attention"]["items"]
    assert [item["id"] for item in attention] == [contested_id]
    assert attention[0]["unsent"] == {"change": "resolve", "state": "conflict"}

    markdown = cli(capsys, "handover")[0]
    assert "- Resolved this shift: 0 (and 2 not yet accepted by the remote)" in markdown
    assert (
        f"{contested}: Fire pump down (resolved here, not sent (in conflict): still open on "
        "the remote;"
    ) in markdown
    assert (
        f"{waiting}: Door sensor offline (resolved here, not yet sent: still open on the "
        "remote;"
    ) in markdown

    # Back in reach: the queued resolution goes, and is then resolved this shift, unmarked.
    point(("ops", server))
    main(["sync", "--once"])
    report = handover(capsys)
    resolved = report["sections"]["resolved"]
    assert [item["id"] for item in resolved["items"]] == [waiting_id]
    assert resolved["items"][0]["unsent"] is None and resolved["unsent"] == 1
    assert [item["id"] for item in report["sections"]["carried"]["items"]] == [contested_id]


def test_a_refused_status_change_is_named_beside_the_status_the_remote_has(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("aoh_ims", sample=0)
    emulator: Any = server.emulator
    refused = emulator.add(name="Boiler pressure low")["id"]
    point(("ops", server))
    cli(capsys, "sync", "--once")
    incident_id = f"ops:{refused}"

    # The remote refuses the resolution; the same pass reads the incident again, and the
    # cache shows it as the remote has it (open), the refused change waiting beside it.
    emulator.faults.add("status", method="PUT", status=422, body={"message": "cannot close"})
    cli(capsys, "resolve", incident_id)
    main(["sync", "--once"])
    assert json.loads(cli(capsys, "show", incident_id, "--json")[0])["status"] == "triggered"

    report = handover(capsys)
    [item] = report["sections"]["carried"]["items"]
    assert item["status"] == "triggered"
    assert item["unsent"] == {"change": "resolve", "state": "failed"}
    markdown = cli(capsys, "handover")[0]
    # Not "triggered here": nobody triggered it here; the resolution made here was refused.
    assert (
        f"{refused}: Boiler pressure low (triggered; resolved here, not sent (refused); opened "
    ) in markdown, markdown
    assert "triggered here" not in markdown
