"""Quitting while the sync engine is stuck in a write: the App waits for it (up to two
seconds) without stopping its event loop. Quitting while a push waits to try an unreachable
remote again: the change, which never left, is back to ``queued``."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest

# The real engine drives this test: if it does not import, it must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.domain.model import Draft
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.remote.http import Http
from incident_tui.store.actions import Actions
from incident_tui.sync import outbox
from incident_tui.ui.app import make_app
from tests.conftest import dead_port
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


def outbox_rows(db: Path) -> list[tuple[str, str | None]]:
    """Each queued change's state and last error, in order."""
    with closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT state, last_error FROM outbox ORDER BY seq"))


async def test_quitting_while_a_push_waits_to_retry_leaves_the_unsent_change_queued(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    # Two remotes out of reach: the one without changes waits to list again, the other to
    # send a new incident again. Their waits outlast the test, so the quit lands in them.
    monkeypatch.setattr(Http, "base_delay", 300.0)
    monkeypatch.setattr(Http, "max_delay", 300.0)
    remotes = [
        {**make_emulator(kind, sample=0).remote_config(name),  # type: ignore[attr-defined]
         "base_url": f"http://127.0.0.1:{dead_port()}"}
        for kind, name in (("kitehouse", "school"), ("revily", "oncall"))
    ]
    db = tmp_path / "cache.db"
    settings = Settings(db=db, remotes=remotes, poll_seconds=3600, bell=False,
                        download_dir=tmp_path / "downloads")  # type: ignore[arg-type]
    actions = Actions.open(db, clock=fixed_clock(NOW))
    actions.create("oncall", "revily", Draft(title="Made on the train"))
    actions.engine.dispose()
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    caplog.set_level(logging.INFO, logger="incident_tui.sync.push")

    async with app.run_test(size=(160, 24)) as pilot:
        # Marked as being sent, its request refused, the push waits to send it again.
        await until(lambda: outbox_rows(db)[0][0] == "sending"
                    and app.ctx.sync.progress.get("oncall", "").startswith("retrying in"))
        runner = app.runner
        assert runner is not None
        await pilot.press("q")
    assert await asyncio.to_thread(runner._done.wait, 10)

    # Nothing reached the remote: the next sync sends it at once, and it may be discarded.
    assert outbox_rows(db) == [("queued", "stopped before it reached the remote")]
    assert "stays marked as being sent" not in caplog.text
