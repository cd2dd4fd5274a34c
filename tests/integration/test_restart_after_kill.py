"""A sync killed with ``kill -9`` while the remote still works on its request, and started
again at once, sends the change once: the restarted sync waits (through the engine's
injectable sleep) until the killed request cannot still be under way before it looks on the
remote for what that request made. Against the emulators over HTTP, with a delay fault
holding the killed process's request."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incident_tui.clock import system_clock
from incident_tui.domain.model import Draft
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync.push import SETTLE_MARGIN
from tests.integration.conftest import Serve
from tests.integration.test_cli_commands import spawned, start
from tests.integration.test_sync import settings_for, sync
from tests.integration.test_two_pushers import arrived, sync_env

__all__ = ["spawned"]  # the fixture, imported to be used here

TIMEOUT = 5.0
"""The remote's HTTP timeout in these tests."""

DELAY = 3.0
"""Seconds the remote sits on the killed process's request (less than the timeout, so the
killed process would have had its answer)."""


class Waits:
    """The restarted engine's sleep: records what it was asked to wait, and waits only while
    the remote is still busy with the killed request (``busy``), never longer than asked,
    so the test does not sit out the whole timeout."""

    def __init__(self, busy: Callable[[], bool]) -> None:
        self.busy = busy
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        step = 0.02
        for _ in range(int(seconds / step)):
            if not self.busy():
                return
            await asyncio.sleep(step)


async def kill_while_sent(
    tmp_path: Path, spawned: list[subprocess.Popen[str]], settings: Any, config: Any, fault: Any
) -> float:
    """Run ``incident-tui sync --once`` and ``kill -9`` it once the remote holds its delayed
    request; the change stays ``sending``. When the remote will be done with the request
    (``time.monotonic()``)."""
    child = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    done = time.monotonic() + DELAY
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    assert [c["state"] for c in Reader.open(settings.db_path()).outbox()] == ["sending"]
    return done


async def after(moment: float) -> None:
    """Let the remote finish the killed request before counting what it made."""
    await asyncio.sleep(max(0.0, moment - time.monotonic()) + 0.5)


async def test_a_create_cut_off_by_kill_9_is_made_once_by_a_sync_started_at_once(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    server = serve("kitehouse", sample=0, clock=system_clock)
    emulator: Any = server.emulator
    emulator.add("Flooded basement")  # the connector learns category and source from it
    config = {**emulator.remote_config("target"), "timeout": TIMEOUT}
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("target", "kitehouse", Draft("Gas leak", "x", None))
    fault = emulator.faults.add("delay", method="POST", path="/incidents$", delay=DELAY)
    done = await kill_while_sent(tmp_path, spawned, settings, config, fault)
    waits = Waits(lambda: len(emulator.incidents) < 2)
    report = await sync(settings, sleep=waits)
    assert report.ok, report.results[0].error
    await after(done)
    assert len(emulator.incidents) == 2
    assert waits.asked and 0 < waits.asked[0] <= TIMEOUT + SETTLE_MARGIN
    reader = Reader.open(settings.db_path())
    assert reader.outbox() == []
    assert [row.local_only for row in reader.all_rows(ListQuery(search="Gas leak"))] == [False]


async def test_a_comment_cut_off_by_kill_9_is_posted_once_by_a_sync_started_at_once(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    server = serve("aoh_ims", sample=0)
    emulator: Any = server.emulator
    row = emulator.add(name="Gas smell", status="NEW")
    config = {**emulator.remote_config("target"), "timeout": TIMEOUT}
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).comment(f"target:{row['id']}", "said exactly once")
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)

    def texts() -> list[str]:
        comments = emulator.tenants[next(iter(emulator.tenants))].comments
        return [c["text"] for c in comments.get(row["id"], {}).values()]

    done = await kill_while_sent(tmp_path, spawned, settings, config, fault)
    waits = Waits(lambda: not texts())
    report = await sync(settings, sleep=waits)
    assert report.ok, report.results[0].error
    await after(done)
    assert texts() == ["said exactly once"]
    assert waits.asked and 0 < waits.asked[0] <= TIMEOUT + SETTLE_MARGIN
    detail = Reader.open(settings.db_path()).detail(f"target:{row['id']}")
    assert detail is not None and detail.incident["pending"] == 0
    assert [(c["body"], c["pending"]) for c in detail.comments] == [("said exactly once", 0)]
