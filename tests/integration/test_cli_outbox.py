"""The queued changes through the command line (``outbox``, ``retry``, ``discard``,
``conflict --keep``) against the emulators over HTTP: what is listed, and what each answer
makes the next sync send, or not send, to the remote."""

from __future__ import annotations

import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.emulators import EmulatorServer
from tests.integration.conftest import Point, Serve, cli

OUTBOX_KEYS = {"seq", "incident_id", "remote", "op", "payload", "state", "last_error"}
"""Keys every ``outbox --json`` row has (a row of the outbox table)."""




def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    """What the command line printed on stdout (see :func:`cli`)."""
    return cli(capsys, *argv, status=status)[0]


def outbox_json(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    return json.loads(run(capsys, "outbox", "--json"))


def outbox_lines(capsys: pytest.CaptureFixture[str]) -> dict[int, list[str]]:
    """``outbox`` as text: each line split into seq, state, op, incident id and the rest."""
    lines = run(capsys, "outbox").splitlines()
    rows = {}
    for line in lines:
        seq, state, op, incident_id, *rest = line.split(None, 4)
        rows[int(seq)] = [state, op, incident_id, *rest]
    return rows


def show(capsys: pytest.CaptureFixture[str], incident_id: str) -> dict[str, Any]:
    """``show ID --json``, parsed."""
    return json.loads(run(capsys, "show", incident_id, "--json"))


def test_changes_made_offline_are_listed_then_sent(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops: Any = serve("aoh_ims", sample=0)
    first = ops.emulator.add(name="Pump 3 tripped", status="NEW")
    second = ops.emulator.add(name="Valve stuck", status="NEW")
    point(("ops", ops))
    run(capsys, "sync", "--once")
    assert run(capsys, "outbox") == "no queued changes\n"
    assert outbox_json(capsys) == []

    # Its server goes away; the same address, so the same system, answers again later.
    ops.stop()
    first_id, second_id = f"ops:{first['id']}", f"ops:{second['id']}"
    run(capsys, "ack", first_id)
    run(capsys, "comment", second_id, "-m", "Written on the train")
    made = run(capsys, "create", "--remote", "ops", "--title", "Made offline")
    made_id = made.split()[2]
    assert made_id.startswith("ops:")
    assert main(["sync", "--once"]) == 1  # nobody answers: everything stays queued
    err = capsys.readouterr().err
    assert "ops (offline" in err

    rows = outbox_json(capsys)
    assert [(r["incident_id"], r["remote"], r["op"], r["state"]) for r in rows] == [
        (first_id, "ops", "acknowledge", "queued"),
        (second_id, "ops", "comment", "queued"),
        (made_id, "ops", "create", "queued"),
    ]
    assert all(OUTBOX_KEYS <= set(r) for r in rows)
    assert [r["seq"] for r in rows] == sorted(r["seq"] for r in rows)
    # Each payload is a JSON object, not a string holding one.
    assert rows[0]["payload"] == {
        "from": "triggered", "times": {"acknowledged_at": None, "resolved_at": None},
    }  # fmt: skip
    assert rows[1]["payload"]["body"] == "Written on the train"
    assert rows[2]["payload"]["title"] == "Made offline"
    # The first change met the closed port: it stays queued, with the reason shown.
    assert rows[0]["last_error"].startswith("cannot connect to http://127.0.0.1:")
    assert [r["last_error"] for r in rows[1:]] == [None, None]
    text = outbox_lines(capsys)
    assert text == {
        rows[0]["seq"]: ["queued", "acknowledge", first_id, f"({rows[0]['last_error']})"],
        rows[1]["seq"]: ["queued", "comment", second_id],
        rows[2]["seq"]: ["queued", "create", made_id],
    }

    back = EmulatorServer(ops.emulator, port=ops.port).start()
    try:
        run(capsys, "sync", "--once")
    finally:
        back.stop()
    assert run(capsys, "outbox") == "no queued changes\n"
    assert ops.emulator.row(first["id"])["status"] == "OPEN"
    tenant = ops.emulator.tenant(second["tenant_id"])
    assert [c["text"] for c in tenant.comments[second["id"]].values()] == ["Written on the train"]
    assert [r["name"] for r in tenant.incidents.values()].count("Made offline") == 1


def test_a_refused_change_is_shown_then_retried_or_discarded(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall: Any = serve("revily", sample=0)
    kept = oncall.emulator.add("Pager storm")
    dropped = oncall.emulator.add("Disk full")
    point(("oncall", oncall))
    run(capsys, "sync", "--once")
    kept_id, dropped_id = f"oncall:{kept['id']}", f"oncall:{dropped['id']}"
    run(capsys, "ack", kept_id, dropped_id)
    oncall.emulator.faults.add(
        "status",
        status=422,
        path="/acknowledge$",
        body={"errors": {"state": ["is locked by policy"]}},
        times=2,
    )
    out = run(capsys, "sync", "--once")  # refused changes wait; the remote itself synced
    assert "oncall: ok" in out and "2 refused" in out

    rows = {r["incident_id"]: r for r in outbox_json(capsys)}
    assert set(rows) == {kept_id, dropped_id}
    for row in rows.values():
        assert row["state"] == "failed" and row["op"] == "acknowledge"
        assert "is locked by policy" in row["last_error"]
        assert row["attempts"] == 1
    kept_seq, dropped_seq = rows[kept_id]["seq"], rows[dropped_id]["seq"]
    text = outbox_lines(capsys)
    assert set(text) == {kept_seq, dropped_seq}
    for seq, incident_id in ((kept_seq, kept_id), (dropped_seq, dropped_id)):
        state, op, shown_id, reason = text[seq]
        assert (state, op, shown_id) == ("failed", "acknowledge", incident_id)
        assert reason.startswith("(") and "is locked by policy" in reason
    assert show(capsys, dropped_id)["failed"]

    # Still failed, a further sync sends neither.
    oncall.emulator.log.clear()
    run(capsys, "sync", "--once")
    assert not [e for e in oncall.emulator.log if e.path.endswith("/acknowledge")]

    assert run(capsys, "retry", str(kept_seq)) == f"change {kept_seq} queued again\n"
    out = run(capsys, "discard", str(dropped_seq))
    assert out == f"change {dropped_seq} of {dropped_id} discarded\n"
    rows = {r["incident_id"]: r for r in outbox_json(capsys)}
    assert list(rows) == [kept_id]
    assert rows[kept_id]["state"] == "queued" and rows[kept_id]["last_error"] is None
    assert outbox_lines(capsys) == {kept_seq: ["queued", "acknowledge", kept_id]}

    oncall.emulator.log.clear()
    out = run(capsys, "sync", "--once")
    assert "pushed 1" in out
    sent = [e.path for e in oncall.emulator.log if e.path.endswith("/acknowledge")]
    assert sent == [f"/incidents/{kept['id']}/acknowledge"]
    assert oncall.emulator.incident(kept["id"])["state"] == "acknowledged"
    assert oncall.emulator.incident(dropped["id"])["state"] == "triggered"
    assert run(capsys, "outbox") == "no queued changes\n"
    kept_now, dropped_now = show(capsys, kept_id), show(capsys, dropped_id)
    assert (kept_now["status"], kept_now["pending"], kept_now["failed"]) == (
        "acknowledged", 0, None,
    )  # fmt: skip
    assert (dropped_now["status"], dropped_now["pending"], dropped_now["failed"]) == (
        "triggered", 0, None,
    )  # fmt: skip

    # A number the outbox does not have is one line and status 1, for both.
    for command in ("retry", "discard"):
        assert main([command, str(dropped_seq)]) == 1
        err = capsys.readouterr().err
        assert err == f"incident-tui: no queued change {dropped_seq}\n"


def conflicting(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], *, during_write: bool
) -> tuple[Any, dict[str, Any], str]:
    """An AOH IMS incident we acknowledged while someone else resolved it on the server, so
    the acknowledgement waits as a conflict. Returns the emulator, its row and our id.

    ``during_write=False``: they resolved it before our sync, whose read before writing sees
    it. ``during_write=True``: they resolved it between that read and our PUT, which meets the
    moved ``occ_lock`` (409); the sync reads it again and finds the same field changed."""
    ops: Any = serve("aoh_ims", sample=0)
    row = ops.emulator.add(name="Disk full", status="NEW")
    point(("ops", ops))
    run(capsys, "sync", "--once")
    incident_id = f"ops:{row['id']}"
    run(capsys, "ack", incident_id)

    def resolve_elsewhere() -> None:
        ops.emulator.touch(row["id"], status="RESOLVED", description="Fixed by the day shift")

    racer: threading.Thread | None = None
    if during_write:
        # The PUT is held a second before the server reads occ_lock; the change lands then.
        held = ops.emulator.faults.add("delay", method="PUT", delay=1.0)

        def when_held() -> None:
            deadline = time.monotonic() + 30
            while held.times and time.monotonic() < deadline:
                time.sleep(0.005)
            resolve_elsewhere()

        racer = threading.Thread(target=when_held, daemon=True)
        racer.start()
    else:
        resolve_elsewhere()
    ops.emulator.log.clear()
    out = run(capsys, "sync", "--once")
    if racer is not None:
        racer.join(timeout=30)
    assert "1 conflicts" in out
    puts = [e.status for e in ops.emulator.log if e.method == "PUT"]
    assert puts == ([409] if during_write else [])
    assert ops.emulator.row(row["id"])["status"] == "RESOLVED"
    [change] = outbox_json(capsys)
    assert (change["incident_id"], change["op"], change["state"]) == (
        incident_id, "acknowledge", "conflict",
    )  # fmt: skip
    assert outbox_lines(capsys)[change["seq"]][:3] == ["conflict", "acknowledge", incident_id]
    shown = show(capsys, incident_id)
    assert shown["status"] == "acknowledged" and shown["pending"] == 1
    assert shown["conflict"]["ours"] == {"status": "acknowledged"}
    assert shown["conflict"]["theirs"]["status"] == "resolved"
    return ops, row, incident_id


def test_conflict_keep_mine_pushes_ours_over_theirs(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops, row, incident_id = conflicting(serve, point, capsys, during_write=True)
    assert run(capsys, "conflict", incident_id, "--keep", "mine") == f"{incident_id}: kept mine\n"
    assert [r["state"] for r in outbox_json(capsys)] == ["queued"]
    run(capsys, "sync", "--once")
    remote = ops.emulator.row(row["id"])
    assert remote["status"] == "OPEN"  # our acknowledgement, written over their resolve
    assert remote["description"] == "Fixed by the day shift"  # their other field stays
    shown = show(capsys, incident_id)
    assert (shown["status"], shown["status_raw"], shown["pending"]) == ("acknowledged", "OPEN", 0)
    assert shown["conflict"] is None
    assert run(capsys, "outbox") == "no queued changes\n"
    assert main(["conflict", incident_id, "--keep", "mine"]) == 1
    assert capsys.readouterr().err == f"incident-tui: {incident_id} has no conflict\n"


def test_conflict_keep_theirs_takes_the_remote_version(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops, row, incident_id = conflicting(serve, point, capsys, during_write=False)
    out = run(capsys, "conflict", incident_id, "--keep", "theirs")
    assert out == f"{incident_id}: kept theirs\n"
    assert outbox_json(capsys) == []
    shown = show(capsys, incident_id)
    assert (shown["status"], shown["pending"], shown["conflict"]) == ("resolved", 0, None)
    ops.emulator.log.clear()
    run(capsys, "sync", "--once")
    assert not [e for e in ops.emulator.log if e.method == "PUT"]
    remote = ops.emulator.row(row["id"])
    assert remote["status"] == "RESOLVED"
    shown = show(capsys, incident_id)
    assert (shown["status"], shown["status_raw"], shown["pending"]) == ("resolved", "RESOLVED", 0)
    assert shown["description"] == "Fixed by the day shift"


def test_outbox_keeps_its_columns_whatever_the_change(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=0)
    first = f"school:{kite.emulator.add('Gate stuck')['_id']}"  # type: ignore[attr-defined]
    second = f"school:{kite.emulator.add('Bell broken')['_id']}"  # type: ignore[attr-defined]
    point(("school", kite))
    run(capsys, "sync", "--once")
    run(capsys, "comment", second, "--message", "Bell rings twice")
    run(capsys, "sync", "--once")
    [number] = re.findall(r"#(\d+)", run(capsys, "show", second))
    point(("school", kite), offline=True)
    note = tmp_path / "note.txt"
    note.write_text("on site")
    run(capsys, "ack", first)
    run(capsys, "attach", first, str(note))
    run(capsys, "delete-comment", second, number, "--yes")
    lines = run(capsys, "outbox").splitlines()
    assert [line.split()[2] for line in lines] == ["acknowledge", "attach", "delete_comment"]
    # The incident ids start in one column, after a short change name or a long one.
    assert len({line.index("school:") for line in lines}) == 1


def test_only_a_refused_or_contested_change_can_be_retried(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall: Any = serve("revily", sample=0)
    pager = oncall.emulator.add("Pager storm")
    point(("oncall", oncall))
    run(capsys, "sync", "--once")
    point(("oncall", oncall), offline=True)
    run(capsys, "ack", f"oncall:{pager['id']}")
    [row] = outbox_json(capsys)
    _, err = cli(capsys, "retry", str(row["seq"]), status=1)
    assert err == (
        f"incident-tui: change {row['seq']} is queued, not refused or contested: "
        "nothing to retry\n"
    )
    [after] = outbox_json(capsys)
    assert after == row


def test_a_change_held_behind_a_refused_one_says_so(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall: Any = serve("revily", sample=0)
    stuck = oncall.emulator.add("Pager storm")
    free = oncall.emulator.add("Disk full")
    point(("oncall", oncall))
    run(capsys, "sync", "--once")
    stuck_id, free_id = f"oncall:{stuck['id']}", f"oncall:{free['id']}"
    run(capsys, "ack", stuck_id)
    run(capsys, "resolve", stuck_id)
    oncall.emulator.faults.add(
        "status", status=422, path=f"{stuck['id']}/acknowledge$",
        body={"errors": {"state": ["is locked by policy"]}},
    )
    out = run(capsys, "sync", "--once")
    assert "1 refused change, 1 held behind it" in out
    run(capsys, "ack", free_id)  # queued after the refusal, of another incident

    refused, held, queued = outbox_json(capsys)
    assert (refused["op"], refused["state"]) == ("acknowledge", "failed")
    assert (held["op"], held["state"]) == ("resolve", "queued")
    # The sync sends none of the resolve until the acknowledgement is answered: the
    # outbox the sync points to names the change it waits behind.
    assert held["held_behind"] == refused["seq"]
    assert refused["held_behind"] is None and queued["held_behind"] is None
    text = outbox_lines(capsys)
    assert text[held["seq"]] == [
        "queued", "resolve", stuck_id,
        f"(held behind change {refused['seq']}, which waits for your answer)",
    ]
    assert text[queued["seq"]] == ["queued", "acknowledge", free_id]

    run(capsys, "discard", str(refused["seq"]))
    [alone, _] = outbox_json(capsys)
    assert alone["held_behind"] is None
    assert outbox_lines(capsys)[alone["seq"]] == ["queued", "resolve", stuck_id]
