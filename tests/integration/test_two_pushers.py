"""Two syncs on one cache send each queued change once, against an emulator over HTTP: while
one ``incident-tui sync --once`` waits for the remote to answer a comment or a create (a
delay fault), a second one started meanwhile leaves the queued changes to it, still pulls,
and exits 0. And when the second one's pull brings the incident the first just created,
before the first records it, the cache still ends with one row for it. A listing read before
the other sync resolved an incident does not put it back open, nor reopened."""

from __future__ import annotations

import asyncio
import json
import subprocess
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from incident_tui.config import Settings
from incident_tui.domain.model import Draft
from incident_tui.domain.query import ListQuery
from incident_tui.emulators.faults import Fault
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_cli_commands import PROGRAM, child_env, spawned, start
from tests.integration.test_sync import settings_for, sync

__all__ = ["spawned"]  # the fixture, imported to be used here

DELAY = 4.0
"""Seconds the remote sits on the first sync's request: the second one runs meanwhile."""


def sync_env(tmp_path: Path, settings: Settings, config: dict[str, Any]) -> dict[str, str]:
    """The environment of an ``incident-tui`` child on this cache and remote."""
    return child_env(tmp_path, db=str(settings.db_path()), remotes=json.dumps([config]))


async def arrived(fault: Fault) -> None:
    """Wait until the request the delay ``fault`` holds has reached the emulator."""
    deadline = time.monotonic() + 60
    while fault.times > 0:
        assert time.monotonic() < deadline, "the first sync never sent the delayed request"
        await asyncio.sleep(0.02)


def finished(process: subprocess.Popen[str]) -> str:
    """Wait for a child ``sync --once``; check it exited 0; what it printed."""
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, (out, err)
    return out


async def test_a_second_sync_leaves_the_comments_another_is_sending_to_it(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    server = serve("kitehouse", sample=0)
    emulator: Any = server.emulator
    first, second = emulator.add("Flooded basement"), emulator.add("Broken window")
    config = emulator.remote_config("target")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    actions.comment(f"target:{first['_id']}", "pump is on its way")
    actions.comment(f"target:{second['_id']}", "glazier called")
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)
    env = sync_env(tmp_path, settings, config)
    sending = start(spawned, ["sync", "--once"], env)
    await arrived(fault)
    # The first comment is "sending", the second still queued: neither is this one's to send.
    out = finished(start(spawned, ["sync", "--once"], env))
    finished(sending)

    def said(record: dict[str, Any]) -> list[str]:
        return [c.message for c in emulator.incidents[record["_id"]].comments]

    assert said(first) == ["pump is on its way"]
    assert said(second) == ["glazier called"]
    assert Reader.open(settings.db_path()).outbox() == []
    # It still synced (exit 0 above), and says whose the two changes are.
    assert "target: ok, pulled 0, pushed 0, 2 left to another incident-tui sending them" in out


async def test_a_second_sync_leaves_a_create_another_is_sending_to_it(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    server = serve("kitehouse", sample=0)
    emulator: Any = server.emulator
    emulator.add("Flooded basement")  # the connector learns category and source from it
    config = emulator.remote_config("target")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("target", "kitehouse", Draft("Gas leak", "x", None))
    fault = emulator.faults.add("delay", method="POST", path="/incidents$", delay=DELAY)
    env = sync_env(tmp_path, settings, config)
    sending = start(spawned, ["sync", "--once"], env)
    await arrived(fault)
    out = finished(start(spawned, ["sync", "--once"], env))
    finished(sending)
    assert len(emulator.incidents) == 2
    reader = Reader.open(settings.db_path())
    assert reader.outbox() == []
    rows = reader.all_rows(ListQuery(search="Gas leak"))
    assert [row.local_only for row in rows] == [False]
    assert "target: ok, pulled 0, pushed 0, 1 left to another incident-tui sending them" in out


async def test_a_pull_that_brings_an_incident_before_its_creator_records_it_keeps_one_row(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    server = serve("kitehouse", sample=0)
    emulator: Any = server.emulator
    emulator.add("Flooded basement")  # the connector learns category and source from it
    config = emulator.remote_config("target")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("target", "kitehouse", Draft("Gas leak", "x", None))
    reader = Reader.open(settings.db_path())
    seen: list[list[bool]] = []

    def other_sync(change: Any) -> None:
        # The remote made the incident; this process has not recorded it yet. Another one
        # syncs now: it must not send the create, and its pull brings the new incident.
        process = subprocess.run(
            [str(PROGRAM), "sync", "--once"], env=sync_env(tmp_path, settings, config),
            capture_output=True, text=True, timeout=120,
        )  # fmt: skip
        assert process.returncode == 0, (process.stdout, process.stderr)
        seen.append(sorted(r.local_only for r in reader.all_rows(ListQuery(search="Gas leak"))))

    report = await sync(settings, after_push=other_sync)
    assert report.ok, report.results[0].error
    assert seen == [[False, True]]  # the pulled copy beside our local one, for a moment
    assert len(emulator.incidents) == 2
    assert reader.outbox() == []
    assert [row.local_only for row in reader.all_rows(ListQuery(search="Gas leak"))] == [False]


async def test_a_full_listing_keeps_an_incident_another_sync_created_while_it_was_read(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    # Revily is listed in full at every pass. The second sync's listing is made before the
    # create reaches the remote and arrives after the first sync recorded it: the incident
    # is not among those listed, yet it was never taken for deleted on the remote.
    server = serve("revily", sample=0)
    emulator: Any = server.emulator
    emulator.add("Flooded basement")
    config = emulator.remote_config("oncall")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    fault = emulator.faults.add("slow", method="GET", path="/incidents$", delay=0.5)
    listing = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    actions = Actions.open(settings.db_path())
    actions.create("oncall", "revily", Draft("Gas leak", "x", None))
    actions.create("oncall", "revily", Draft("Pump failure", "y", None))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    [leak] = reader.all_rows(ListQuery(search="Gas leak"))
    [pump] = reader.all_rows(ListQuery(search="Pump failure"))
    assert not leak.local_only and not pump.local_only
    actions.acknowledge([leak.id])  # queued after its create was sent

    out = finished(listing)
    assert "removed" not in out
    # Neither gone (the pump), nor kept only as "deleted on the remote" for its change.
    flags = "SELECT id, remote_deleted, conflict FROM incident WHERE id IN (?, ?) ORDER BY id"
    assert reader.query(flags, [leak.id, pump.id]) == sorted(
        [(leak.id, 0, None), (pump.id, 0, None)]
    )
    [ack] = reader.outbox()
    assert ack["state"] == "queued", ack


async def test_a_listing_read_before_another_sync_resolved_an_incident_leaves_it_resolved(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    # The second sync's listing is read while the incident is open and arrives after the
    # first sync sent its resolve and stored the remote's answer: its older copy is not
    # stored over that one, nor taken for a reopening of an incident last read resolved.
    moment = [FIXED_NOW - timedelta(hours=2)]
    server = serve("revily", sample=0, clock=lambda: moment[0])
    emulator: Any = server.emulator
    made = emulator.add("Flooded basement")
    config = emulator.remote_config("oncall")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    fault = emulator.faults.add("slow", method="GET", path="/incidents$", delay=0.5)
    listing = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    moment[0] = FIXED_NOW
    incident_id = f"oncall:{made['id']}"
    Actions.open(settings.db_path()).resolve([incident_id])
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    shown = "SELECT status, reopened_at, pending FROM incident WHERE id = ?"
    assert reader.query(shown, [incident_id]) == [("resolved", None, 0)]

    finished(listing)
    assert reader.query(shown, [incident_id]) == [("resolved", None, 0)]
    assert (await sync(settings)).ok
    assert reader.query(shown, [incident_id]) == [("resolved", None, 0)]
