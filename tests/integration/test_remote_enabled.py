"""A remote with ``enabled = false`` (README, "Every remote also takes"): ``sync`` leaves it
alone (no request reaches its server) unless it is named with ``--remote``; its cached
incidents stay and changes to them are still queued, then sent once it is named. The
commands that queue them, and each ``sync`` that leaves them, say they wait for it. Through
the command line, against the emulators over HTTP."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer
from tests.integration.conftest import Point, Serve, cli


def disabled(name: str, server: EmulatorServer) -> dict[str, Any]:
    """The emulator's own config for remote ``name``, switched off."""
    return {**server.emulator.remote_config(name), "enabled": False}


def listed(capsys: pytest.CaptureFixture[str], remote: str) -> dict[str, dict[str, Any]]:
    """The cached incidents of ``remote`` as ``list --json`` shows them, by id."""
    rows = json.loads(cli(capsys, "list", "--json", "--remote", remote)[0])
    return {row["id"]: row for row in rows}


def test_sync_leaves_a_disabled_remote_alone_and_keeps_its_incidents(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=4)
    ops = serve("aoh_ims", sample=0)
    aoh: Any = ops.emulator
    first = aoh.add(name="Pump 3 tripped", status="NEW", severity="MAJOR")
    aoh.add(name="Fan noise", status="NEW", severity="LOW")
    point(("school", kite), ("ops", ops))
    cli(capsys, "sync", "--once")
    cached = listed(capsys, "ops")
    assert {row["title"] for row in cached.values()} == {"Pump 3 tripped", "Fan noise"}

    point(("school", kite), disabled("ops", ops))
    aoh.add(name="Arrived while disabled", status="NEW")
    incident_id = f"ops:{first['id']}"
    out, err = cli(capsys, "ack", incident_id)  # still queued on a disabled remote
    assert out.startswith(f"queued: acknowledge {incident_id}")
    assert (
        "remote 'ops' is disabled in the config (enabled = false): the change waits until "
        "it is enabled, or until 'incident-tui sync --once --remote ops' sends it"
    ) in err
    kite.emulator.log.clear()
    ops.emulator.log.clear()

    out, err = cli(capsys, "sync", "--once")
    assert ops.emulator.log == []  # not one request, not even a sign-in
    assert kite.emulator.log != []  # the enabled remote synced as before
    assert "school: ok" in out and "ops" not in out
    assert (
        "1 queued change stays unsent: remote 'ops' is disabled in the config "
        "(enabled = false; enable it, or send it with 'incident-tui sync --once --remote ops')"
    ) in err
    now = listed(capsys, "ops")
    assert set(now) == set(cached)  # kept, and nothing new pulled
    assert now[incident_id]["status"] == "acknowledged" and now[incident_id]["pending"] == 1
    assert aoh.row(first["id"])["status"] == "NEW"  # the queued change was not sent
    outbox = json.loads(cli(capsys, "outbox", "--json")[0])
    assert [(c["incident_id"], c["op"], c["state"]) for c in outbox] == [
        (incident_id, "acknowledge", "queued")
    ]


def test_naming_a_disabled_remote_syncs_it(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=4)
    ops = serve("aoh_ims", sample=0)
    aoh: Any = ops.emulator
    first = aoh.add(name="Pump 3 tripped", status="NEW")
    point(("school", kite), ("ops", ops))
    cli(capsys, "sync", "--once")
    point(("school", kite), disabled("ops", ops))
    aoh.add(name="Arrived while disabled", status="NEW")
    incident_id = f"ops:{first['id']}"
    cli(capsys, "ack", incident_id)
    kite.emulator.log.clear()

    out, err = cli(capsys, "sync", "--once", "--remote", "ops")
    assert "ops: ok" in out and "pushed 1" in out and "stays unsent" not in err
    assert kite.emulator.log == []  # only the named remote
    assert aoh.row(first["id"])["status"] == "OPEN"  # the queued acknowledge arrived
    titles = {row["title"] for row in listed(capsys, "ops").values()}
    assert titles == {"Pump 3 tripped", "Arrived while disabled"}
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []


def test_with_every_remote_disabled_sync_once_sends_nothing(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=3)
    point(disabled("ops", ops))
    cli(capsys, "sync", "--once")  # nothing to sync is not a failure
    assert ops.emulator.log == []


def test_changes_queued_for_a_disabled_remote_say_they_wait_for_it(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=3)
    point(("school", kite))
    cli(capsys, "sync", "--once")
    point(disabled("school", kite))
    kite.emulator.log.clear()

    out, err = cli(capsys, "create", "--remote", "school", "--title", "Gate left open")
    assert out.startswith("queued: create school:")
    assert "remote 'school' is disabled in the config (enabled = false)" in err
    made = out.split()[2]
    _, err = cli(capsys, "comment", made, "-m", "Seen at 9")
    assert "the change waits until it is enabled" in err
    _, err = cli(capsys, "sync", "--once")  # nothing to sync is not a failure
    assert "2 queued changes stay unsent: remote 'school' is disabled in the config" in err
    assert kite.emulator.log == []


def test_refused_changes_of_a_disabled_remote_are_not_said_to_wait_for_a_sync(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every change was counted as one a sync naming the remote would send: a refused one
    # (and one held behind it) only moves on with the user's answer.
    ops = serve("aoh_ims", sample=0)
    aoh: Any = ops.emulator
    pump = f"ops:{aoh.add(name='Pump 3 tripped', status='NEW')['id']}"
    fan = f"ops:{aoh.add(name='Fan noise', status='NEW')['id']}"
    point(("ops", ops))
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", pump)
    aoh.faults.add("status", method="PUT", status=422, times=1)
    cli(capsys, "sync", "--once")
    cli(capsys, "comment", pump, "-m", "Valve checked")  # held behind the refused ack
    point(disabled("ops", ops))
    cli(capsys, "ack", fan)
    outbox = json.loads(cli(capsys, "outbox", "--json")[0])
    states = [(c["incident_id"], c["state"]) for c in outbox]
    assert states == [(pump, "failed"), (pump, "queued"), (fan, "queued")]

    _, err = cli(capsys, "sync", "--once")
    assert (
        "1 queued change stays unsent: remote 'ops' is disabled in the config "
        "(enabled = false; enable it, or send it with 'incident-tui sync --once --remote ops')"
    ) in err
    assert (
        "2 changes of remote 'ops' wait for your answer, not for a sync (1 refused, 1 held "
        "behind it): see 'incident-tui outbox' to retry or discard them"
    ) in err
    assert "3 queued" not in err
