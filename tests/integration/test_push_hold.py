"""A remote that answers a write with a long ``Retry-After`` (a 503 during maintenance, say)
does not keep the pass from pulling: the push stops, its changes wait as long as the remote
asked, in this pass and in later ones (another process's too: the time is in the outbox),
and then go, once. The pass counts as synced meanwhile, saying until when they wait. A
short ``Retry-After`` is still waited out within the pass."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import from_db
from incident_tui.domain.model import Draft
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync.push import LONGEST_HOLD
from tests.integration.conftest import FIXED_NOW, Point, Serve, cli, no_sleep
from tests.integration.test_sync import settings_for, sync, synced_revily


def at(moment: datetime) -> Any:
    """A clock stopped at ``moment``."""
    return lambda: moment


def writes(emulator: Any) -> list[str]:
    """The requests other than reads the emulator has answered, as ``METHOD path``."""
    return [f"{r.method} {r.path}" for r in emulator.log if r.method != "GET"]


async def test_a_long_retry_after_on_a_write_holds_the_changes_but_not_the_pull(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [first, second], ids = await synced_revily(
        serve, tmp_path, "Disk full", "CPU hot"
    )
    Actions.open(settings.db_path()).acknowledge(ids)
    emulator.faults.add(
        "status", status=503, retry_after="30", method="PUT", path="/acknowledge$", times=-1
    )
    arrived = emulator.add("Arrived meanwhile")
    emulator.log.clear()
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    report = await sync(settings, sleep=sleep, clock=at(FIXED_NOW))
    result = report.results[0]
    # One write, no wait in the pass, and the pull went ahead: the new incident is in.
    assert writes(emulator) == [f"PUT /incidents/{first['id']}/acknowledge"]
    assert slept == []
    reader = Reader.open(settings.db_path())
    assert reader.detail(f"oncall:{arrived['id']}") is not None
    # The pass counts as synced, saying until when the changes wait and why.
    until = (FIXED_NOW + timedelta(seconds=30)).astimezone().strftime("%H:%M:%S")
    assert result.ok and result.error is None
    assert result.waits_until == FIXED_NOW + timedelta(seconds=30)
    wait = str(result.wait_reason)
    assert wait.startswith(f"queued changes wait until {until} as the remote asked")
    assert "HTTP 503" in wait
    assert [r.state for r in reader.remotes()] == ["ok"]
    waiting = reader.outbox()
    assert [(c["state"], c["attempts"]) for c in waiting] == [("queued", 1), ("queued", 0)]
    assert from_db(waiting[0]["next_try_at"]) == FIXED_NOW + timedelta(seconds=30)

    # Ten seconds on, in a process of its own: nothing is sent, the pull still goes.
    emulator.log.clear()
    later = emulator.add("Arrived later")
    report = await sync(settings, clock=at(FIXED_NOW + timedelta(seconds=10)))
    assert writes(emulator) == []
    assert reader.detail(f"oncall:{later['id']}") is not None
    assert report.ok
    wait = str(report.results[0].wait_reason)
    assert wait.startswith(f"2 queued changes wait until {until} as the remote asked: ")
    assert "HTTP 503" in wait

    # Once the wait is over (and the remote takes writes again), both go, once each.
    emulator.faults.clear()
    report = await sync(settings, clock=at(FIXED_NOW + timedelta(seconds=31)))
    assert report.ok, report.results[0].error
    assert report.results[0].pushed == 2 and reader.outbox() == []
    assert sorted(writes(emulator)) == sorted(
        f"PUT /incidents/{i['id']}/acknowledge" for i in (first, second)
    )
    assert emulator.incident(first["id"])["state"] == "acknowledged"


async def test_a_short_retry_after_on_a_write_is_waited_out_in_the_pass(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [incident], ids = await synced_revily(serve, tmp_path, "Disk full")
    Actions.open(settings.db_path()).acknowledge(ids)
    emulator.faults.add("status", status=503, retry_after="3", method="PUT", times=1)
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    report = await sync(settings, sleep=sleep)
    assert report.ok, report.results[0].error
    assert slept == [3.0]
    assert emulator.incident(incident["id"])["state"] == "acknowledged"


async def test_a_create_held_back_is_made_once_when_the_wait_is_over(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=2)
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("ops", "aoh_ims", Draft(title="Gas smell by bay 4"))
    # A far-off date: the hold is capped, so the change is tried again within minutes.
    aoh.emulator.faults.add(
        "status", status=503, retry_after="Wed, 21 Oct 2099 07:28:00 GMT", method="POST",
        path="^/v1/incident$", times=-1,
    )
    report = await sync(settings, clock=at(FIXED_NOW))
    assert report.ok and "as the remote asked" in str(report.results[0].wait_reason)
    reader = Reader.open(settings.db_path())
    [change] = reader.outbox()
    assert from_db(change["next_try_at"]) == FIXED_NOW + timedelta(seconds=LONGEST_HOLD)
    assert change["attempts"] == 1  # counted once, though marked "sending" before it went

    aoh.emulator.faults.clear()
    # A new process after the wait: the attempt was answered (503), yet it cannot know that,
    # so it looks on the remote first; nothing is there, and the create goes once.
    report = await sync(
        settings, sleep=no_sleep, clock=at(FIXED_NOW + timedelta(seconds=LONGEST_HOLD + 1))
    )
    assert report.ok, report.results[0].error
    assert reader.outbox() == []
    assert reader.count(ListQuery(search="Gas smell by bay 4")) == 1
    created = [r for r in aoh.emulator.log if r.method == "POST" and r.path == "/v1/incident"]
    assert len(created) == 2  # the refused attempt and the one that made it


@pytest.mark.parametrize("status", [429, 503])
def test_the_command_line_says_until_when_changes_wait(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    emulator = serve("revily", sample=0).emulator
    incident = emulator.add("Disk full")
    point(emulator.remote_config("oncall"))
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", f"oncall:{incident['id']}")
    # Longer than a request ever waits (a 429 included): the pass ends at once.
    emulator.faults.add("status", status=status, retry_after="120", method="PUT", times=-1)
    # Synced: the incidents were pulled, and the remote said when to send the change.
    out, _ = cli(capsys, "sync", "--once")
    assert "oncall: ok, " in out and "; queued changes wait until " in out, out
    assert f"HTTP {status}" in out
    assert len(writes(emulator)) == 1
    out, _ = cli(capsys, "outbox")
    assert re.search(rf"HTTP {status}.*; the remote asked to wait until \d\d:\d\d:\d\d\)$", out)
