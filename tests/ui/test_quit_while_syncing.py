"""Quitting while the sync engine is stuck in a write: the App waits for it (up to two
seconds) without stopping its event loop."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# The real engine drives this test: if it does not import, it must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Draft
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.actions import Actions
from incident_tui.sync import outbox
from tests.ui.conftest import NOW
from tests.ui.helpers import live_app, until


@pytest.fixture
def revily() -> Iterator[EmulatorServer]:
    """A Revily emulator with 5 incidents on a free loopback port, always stopped."""
    server = EmulatorServer(make_emulator("revily", sample=5, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


async def test_the_event_loop_runs_on_while_quitting_waits_for_the_engine(
    revily: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = live_app(revily, "oncall", tmp_path)
    # A new incident waits to be sent: the pass's first write records the attempt before
    # the request (the reads before it take no lock).
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    actions.create("oncall", "revily", Draft(title="Pump room flooded"))
    actions.engine.dispose()
    # Another process holds the cache's write lock, so that write waits for it (the busy
    # timeout, 10 s) in a thread the engine's event loop must wait for as it closes.
    holder = sqlite3.connect(tmp_path / "cache.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    writing = threading.Event()
    mark_sending = outbox.mark_sending

    def watched_mark_sending(*args: Any, **kwargs: Any) -> Any:
        """The write before sending, marked as it begins."""
        writing.set()
        return mark_sending(*args, **kwargs)

    monkeypatch.setattr(outbox, "mark_sending", watched_mark_sending)
    stopping = threading.Event()
    beats_while_stopping = 0
    loop = asyncio.get_running_loop()

    async def heartbeat() -> None:
        nonlocal beats_while_stopping
        while True:
            beats_while_stopping += stopping.is_set()
            await asyncio.sleep(0.05)

    try:
        async with app.run_test(size=(80, 24)):
            await until(writing.is_set)
            # Marked as it begins: let it reach the lock.
            await asyncio.sleep(0.1)
            runner = app.runner
            assert runner is not None
            stop = runner.stop

            def watched_stop() -> None:
                """The App's call that waits for the engine, marked while it lasts."""
                stopping.set()
                try:
                    stop()
                finally:
                    stopping.clear()

            monkeypatch.setattr(runner, "stop", watched_stop)
            beating = asyncio.create_task(heartbeat())
            started = loop.time()
        # Leaving the block quit the App: on_unmount waited for the engine.
        waited = loop.time() - started
        beating.cancel()
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert waited >= 1.5, f"the engine was not waited for ({waited:.2f} s)"
    # Beats can only land while the App waits if its event loop is free meanwhile.
    assert beats_while_stopping, "the event loop stopped while quitting waited for the engine"


async def test_the_sync_thread_ends_with_the_app_even_if_unmount_never_stops_it(
    revily: EmulatorServer, tmp_path: Path
) -> None:
    app = live_app(revily, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)):
        await until(lambda: app.runner is not None and "oncall" in app.ctx.sync.syncing)
        runner = app.runner
        assert runner is not None
        # As when the App's shutdown fails before its unmount handler runs: nobody stops
        # the runner, and its thread would keep the process alive.
        real_stop = runner.stop
        runner.stop = lambda wait=2.0: None  # type: ignore[method-assign]
    try:
        assert await asyncio.to_thread(runner._done.wait, 5)
    finally:
        real_stop()  # so a failure here does not leave the thread to hang the run
