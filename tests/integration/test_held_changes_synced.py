"""A queued change answered with a long ``Retry-After`` (a 503 during maintenance) waits until
the time the remote gave, against a Kitehouse emulator over HTTP, while the remote's incidents
keep syncing: the pass counts as synced (its last good sync moves, so the handover does not
call the fresh data old), says until when the changes wait, and ``sync --once`` exits 0. A
``Retry-After`` on the listing itself still pauses the whole remote and fails the pass."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import from_db, time_of_day
from incident_tui.config import Settings
from incident_tui.store.actions import Actions
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Point, Serve, cli
from tests.integration.test_sync import settings_for, sync

EARLIER = FIXED_NOW - timedelta(hours=13)
"""The first sync: before the 12-hour shift the handover covers."""


def at(moment: datetime) -> Any:
    """A clock stopped at ``moment``."""
    return lambda: moment


def writes(emulator: Any) -> list[str]:
    """The requests other than reads the emulator has answered, as ``METHOD path``."""
    return [f"{r.method} {r.path}" for r in emulator.log if r.method != "GET"]


async def acked_site(serve: Serve, tmp_path: Path) -> tuple[Any, Settings, str, str]:
    """A Kitehouse emulator holding one open incident, synced into a cache long ago, with
    an acknowledgement of it queued: the emulator, the settings, its remote and local ids."""
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_id = str(emulator.add("Boiler pressure low")["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings, clock=at(EARLIER))).ok
    incident_id = f"school:{remote_id}"
    Actions.open(settings.db_path()).acknowledge([incident_id])
    return emulator, settings, remote_id, incident_id


def stale(reader: Reader, now: datetime) -> bool:
    """Whether the handover at ``now`` calls the remote's data old."""
    report = handover_report(reader, now=now, hours=12, stale_hours=24, remotes=["school"])
    [remote] = report.remotes
    return remote.stale


async def test_a_long_retry_after_on_a_queued_change_leaves_the_pass_synced(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, remote_id, incident_id = await acked_site(serve, tmp_path)
    emulator.faults.add("status", status=503, retry_after="300", method="PUT", times=1)
    arrived = str(emulator.add("Arrived meanwhile")["_id"])
    reader = Reader.open(settings.db_path())
    assert stale(reader, FIXED_NOW)

    report = await sync(settings, clock=at(FIXED_NOW))

    until = FIXED_NOW + timedelta(seconds=300)
    [result] = report.results
    assert report.ok and result.ok, result.error
    assert result.error is None and result.pushed == 0
    assert result.waits_until == until
    assert str(result.wait_reason).startswith(
        f"queued changes wait until {time_of_day(until)} as the remote asked: HTTP 503"
    )
    assert f"; queued changes wait until {time_of_day(until)}" in result.summary()
    # The pull went through, and the remote counts as synced now: not paused, not failing.
    assert reader.detail(f"school:{arrived}") is not None
    [remote] = reader.remotes()
    assert (remote.state, remote.last_error) == ("ok", None)
    assert from_db(remote.last_ok_at) == FIXED_NOW
    assert from_db(remote.waits_until) == until
    assert reader.remote_pause("school", FIXED_NOW) is None
    assert not stale(reader, FIXED_NOW + timedelta(minutes=1))
    [change] = reader.outbox()
    assert change["state"] == "queued" and from_db(change["next_try_at"]) == until

    # A minute on: nothing is sent before the time the remote gave; the pull still goes.
    emulator.log.clear()
    later = str(emulator.add("Arrived later")["_id"])
    result = (await sync(settings, clock=at(FIXED_NOW + timedelta(minutes=1)))).results[0]
    assert result.ok and result.waits_until == until, result.error
    assert str(result.wait_reason).startswith(
        f"1 queued change waits until {time_of_day(until)} as the remote asked: HTTP 503"
    )
    assert writes(emulator) == []
    assert reader.detail(f"school:{later}") is not None

    # Once the wait is over, it goes.
    result = (await sync(settings, clock=at(until + timedelta(seconds=1)))).results[0]
    assert result.ok and result.pushed == 1 and result.waits_until is None, result.error
    assert emulator.incident(remote_id)["status"] != "open"
    assert reader.outbox() == [] and reader.remotes()[0].waits_until is None


async def test_a_retry_after_on_the_listing_still_pauses_the_remote(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, _, _ = await acked_site(serve, tmp_path)
    emulator.faults.add("status", status=503, retry_after="300", method="GET", times=-1)

    result = (await sync(settings, clock=at(FIXED_NOW))).results[0]

    assert not result.ok and "HTTP 503" in str(result.error)
    reader = Reader.open(settings.db_path())
    [remote] = reader.remotes()
    assert remote.state == "failing" and from_db(remote.last_ok_at) == EARLIER
    paused = reader.remote_pause("school", FIXED_NOW)
    assert paused is not None and paused[0] == FIXED_NOW + timedelta(seconds=300)


def test_the_command_line_says_the_changes_wait_and_exits_0(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_id = str(emulator.add("Boiler pressure low")["_id"])
    point(emulator.remote_config("school"))
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", f"school:{remote_id}")
    emulator.faults.add("status", status=503, retry_after="300", method="PUT", times=-1)

    out, err = cli(capsys, "sync", "--once")

    assert re.search(
        r"^school: ok, pulled \d+, pushed 0 \(\d+\.\ds\); queued changes wait until "
        r"\d\d:\d\d:\d\d as the remote asked: HTTP 503", out, re.MULTILINE
    ), out
    assert re.search(
        r"^synced 1 of 1 remotes; queued changes wait as the remote asked: school until "
        r"\d\d:\d\d:\d\d$", out, re.MULTILINE
    ), out
    assert err == ""
    # The next pass sends nothing before then, and says so again.
    emulator.log.clear()
    out, _ = cli(capsys, "sync", "--once")
    assert "school: ok, " in out and "1 queued change waits until " in out, out
    assert writes(emulator) == []
