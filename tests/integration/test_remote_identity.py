"""A remote pointed at another system under the same name (another kind, server or scope):
the cached incidents of the one before leave the cache, the new one is listed in full, and
the changes queued for the old one are held with the reason, never sent to the new one.
Another token, or a cache from before the remote's system was noted, moves nothing."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators.fourhse import INCIDENT
from tests.integration.conftest import Point, Serve, cli


def listed(capsys: pytest.CaptureFixture[str]) -> dict[str, dict[str, Any]]:
    """The cached incidents as ``list --json`` shows them, by id."""
    return {row["id"]: row for row in json.loads(cli(capsys, "list", "--json")[0])}


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """The queued changes as ``outbox --json`` shows them."""
    return list(json.loads(cli(capsys, "outbox", "--json")[0]))


def test_a_change_queued_for_the_old_kind_is_held_not_sent_to_the_new_one(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    revily = serve("revily", sample=0)
    disk = revily.emulator.add("Disk full")
    aoh = serve("aoh_ims", sample=0)
    point(("ops", revily))
    cli(capsys, "sync", "--once")
    old_id = f"ops:{disk['id']}"
    cli(capsys, "ack", old_id)

    point(("ops", aoh))  # same name, now an AOH IMS with no incidents yet
    out, err = cli(capsys, "sync", "--once")
    assert [r.method for r in aoh.emulator.log if r.method != "GET"] == []  # nothing sent
    assert "ops: ok" in out and "synced 1 of 1 remotes" in out
    assert (
        f"refused: acknowledge {old_id}: not sent: remote 'ops' now points at another system "
        "(kind revily -> aoh_ims, base_url "
    ) in out
    assert "ops now points at another system" in err
    [held] = outbox(capsys)
    assert (held["incident_id"], held["state"]) == (old_id, "failed")
    assert "discard the change" in held["last_error"]
    # Kept for the user, and nothing of it is asked of the new system at later passes.
    assert set(listed(capsys)) == {old_id}
    out, err = cli(capsys, "sync", "--once")
    assert "ops: ok" in out and "id is not a uuid" not in out + err

    pump = aoh.emulator.add(name="Pump 3 tripped", status="NEW")
    cli(capsys, "sync", "--once")
    assert set(listed(capsys)) == {old_id, f"ops:{pump['id']}"}
    cli(capsys, "discard", str(held["seq"]))
    cli(capsys, "sync", "--once")
    assert set(listed(capsys)) == {f"ops:{pump['id']}"} and outbox(capsys) == []
    assert revily.emulator.incident(disk["id"])["state"] == "triggered"


def test_another_server_is_listed_in_full_and_the_old_ones_go(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    first = serve("kitehouse", sample=20)
    second = serve("kitehouse", sample=5, seed=8)
    point(("school", first))
    cli(capsys, "sync", "--once")
    assert len(listed(capsys)) == 20

    # The incremental cursor of the first server would list nothing of the second.
    point(("school", second))
    out, _ = cli(capsys, "sync", "--once")
    assert "school: ok, pulled 5, pushed 0, removed 20" in out
    assert set(listed(capsys)) == {f"school:{i}" for i in second.emulator.incidents}


def test_the_same_system_with_another_token_or_an_older_cache_moves_nothing(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=6)
    other = serve("kitehouse", sample=3, seed=8)
    config = kite.emulator.remote_config("school")
    point(config)
    cli(capsys, "sync", "--once")
    some = next(i for i, row in listed(capsys).items() if row["status"] == "triggered")
    cli(capsys, "ack", some)

    point({**config, "token": "another-token-of-the-same-site", "timeout": 30})
    out, err = cli(capsys, "sync", "--once", status=1)  # the emulator refuses that token
    assert "removed" not in out and "another system" not in err
    point(config)
    out, err = cli(capsys, "sync", "--once")
    assert "pushed 1" in out and "another system" not in err

    # A cache from before the remote's system was noted: its next pass only notes it.
    with sqlite3.connect(tmp_path / "cache.db") as conn:
        conn.execute("UPDATE remote SET identity = NULL")
    out, err = cli(capsys, "sync", "--once")
    assert "removed" not in out and "another system" not in err
    assert len(listed(capsys)) == 6
    point(("school", other))
    out, err = cli(capsys, "sync", "--once")
    assert "pulled 3, pushed 0, removed 6" in out and "(base_url http" in err


def test_an_address_out_of_reach_keeps_the_cache_and_the_queued_changes(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=4)
    point(("school", kite))
    cli(capsys, "sync", "--once")
    cached = listed(capsys)
    some = next(i for i, row in cached.items() if row["status"] == "triggered")
    cli(capsys, "ack", some)

    # Mistyped, or not reachable from here: nothing says it is another system yet.
    point(("school", kite), offline=True)
    out, err = cli(capsys, "sync", "--once", status=1)
    assert "school: offline" in out and "another system" not in err
    assert set(listed(capsys)) == set(cached)
    assert [(c["incident_id"], c["state"]) for c in outbox(capsys)] == [(some, "queued")]

    point(("school", kite))
    out, err = cli(capsys, "sync", "--once")
    assert "pushed 1" in out and "removed" not in out and "another system" not in err


def test_another_scope_of_the_same_server_holds_the_changes_and_keeps_its_incidents(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    plant = serve("fourhse", sample=6, foreign=3)
    emulator: Any = plant.emulator
    whole = emulator.remote_config("plant")
    project = {key: value for key, value in whole.items() if key != "subtenant_id"}
    point(project)
    cli(capsys, "sync", "--once")
    cached = listed(capsys)
    rows = emulator.rows[INCIDENT]
    mine = next(key for key, row in rows.items() if row["status"] == "open")
    cli(capsys, "resolve", f"plant:{mine}")

    point(whole)  # narrowed to the office all of them are in
    out, _ = cli(capsys, "sync", "--once")
    assert "plant: ok" in out and "1 refused" in out and "removed" not in out
    assert "(subtenant_id (none) -> " in out
    [held] = outbox(capsys)
    assert (held["incident_id"], held["state"]) == (f"plant:{mine}", "failed")
    assert rows[mine]["status"] == "open"  # not sent
    assert set(listed(capsys)) == set(cached)  # the same server's: kept

    cli(capsys, "retry", str(held["seq"]))
    out, _ = cli(capsys, "sync", "--once")
    assert "pushed 1" in out and rows[mine]["status"] == "closed"


def test_a_change_of_another_servers_incident_is_offered_no_retry_and_says_what_happened(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # Every held change said to retry it, which for another server's incident could only
    # be refused, and the incident showed as deleted on the remote, which it was not.
    first = serve("aoh_ims", sample=0)
    second = serve("aoh_ims", sample=0)
    old: Any = first.emulator
    pump = f"ops:{old.add(name='Pump 3 tripped', status='NEW')['id']}"
    point(("ops", first))
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", pump)
    out, _ = cli(capsys, "create", "--remote", "ops", "--title", "Gate left open")
    made = out.split()[2]

    point(("ops", second))
    out, _ = cli(capsys, "sync", "--once")
    ack, create = outbox(capsys)
    assert (ack["incident_id"], create["incident_id"]) == (pump, made)
    assert "which does not have this incident; discard the change" in ack["last_error"]
    assert f"(incident-tui conflict {pump} --keep theirs)" in ack["last_error"]
    assert "retry" not in ack["last_error"]
    assert f"refused: acknowledge {pump}: {ack['last_error']}" in out
    # Made here, it can be created there: that one is offered the retry.
    assert "retry it to send it to the new one after all" in create["last_error"]

    shown, _ = cli(capsys, "show", pump)
    assert "CONFLICT  its remote now points at another system, which does not have it" in shown
    assert "deleted on the remote" not in shown
    _, err = cli(capsys, "retry", str(ack["seq"]), status=1)
    assert err == (
        f"incident-tui: {pump} is not on the system its remote now points at, so change "
        f"{ack['seq']} cannot be sent: discard it, or take theirs (incident-tui conflict "
        f"{pump} --keep theirs) to let the incident go with its changes\n"
    )
    _, err = cli(capsys, "comment", pump, "-m", "Valve checked", status=1)
    assert f"{pump} is not on the system its remote now points at, so no change" in err

    cli(capsys, "retry", str(create["seq"]))
    cli(capsys, "conflict", pump, "--keep", "theirs")
    out, _ = cli(capsys, "sync", "--once")
    assert "pushed 1" in out and "refused" not in out
    new: Any = second.emulator
    [gate] = [row for tenant in new.tenants.values() for row in tenant.rows()]
    assert gate["name"] == "Gate left open"
    assert set(listed(capsys)) == {f"ops:{gate['id']}"}
    assert outbox(capsys) == []


def test_the_same_server_by_another_address_lets_the_incidents_be_again(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # Taken for another system, its incidents are listed again at once: the conflict saying
    # the new one does not have them goes, as one saying they were deleted does.
    kite = serve("kitehouse", sample=0)
    some = f"school:{kite.emulator.add('Boiler leak')['_id']}"
    config = kite.emulator.remote_config("school")
    point(config)
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", some)

    point({**config, "base_url": config["base_url"].replace("127.0.0.1", "localhost")})
    cli(capsys, "sync", "--once")
    detail = json.loads(cli(capsys, "show", some, "--json")[0])
    assert detail["conflict"] is None
    [held] = outbox(capsys)
    cli(capsys, "retry", str(held["seq"]))
    out, _ = cli(capsys, "sync", "--once")
    assert "pushed 1" in out
