"""A push stopped mid-attempt (the TUI quits, a sync is interrupted): a change none of whose
requests got through to the remote goes back to ``queued``, so the next sync sends it at
once; one whose request reached the remote stays ``sending``, for the next sync to look for
it there first."""

from __future__ import annotations

import asyncio
import logging
import socket
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest

from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from incident_tui.sync.engine import SyncEngine
from tests.conftest import dead_port
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync
from tests.ui.helpers import until


def outbox_states(db: Path) -> list[tuple[str, str | None]]:
    """Each queued change's state and start of its current attempt, in order."""
    with closing(sqlite3.connect(db)) as conn:
        return list(conn.execute("SELECT state, started_at FROM outbox ORDER BY seq"))


async def stopped_while(engine: SyncEngine, reached: asyncio.Event) -> None:
    """Run a pass of ``engine`` until ``reached`` is set, then cancel it, as quitting does."""
    task = asyncio.ensure_future(engine.sync())
    try:
        await asyncio.wait_for(reached.wait(), 20)
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await engine.aclose()


async def test_a_create_stopped_while_the_remote_is_out_of_reach_is_queued_again(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=0)
    config = revily.emulator.remote_config("oncall")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("oncall", "revily", Draft(title="Made on the train"))
    retrying = asyncio.Event()

    async def wait_to_retry(seconds: float) -> None:
        """The wait before trying the connection again: the stop comes in the one of the
        create, once it is marked as being sent (those of other requests pass at once)."""
        if outbox_states(settings.db_path())[0][0] == "sending":
            retrying.set()
            await asyncio.Event().wait()

    offline = settings_for(tmp_path, {**config, "base_url": f"http://127.0.0.1:{dead_port()}"})
    # The same server by a route that lost its way, not another system (whose changes the
    # pass would hold before it sends any).
    with closing(sqlite3.connect(settings.db_path())) as conn, conn:
        conn.execute("UPDATE remote SET identity = ?", (offline.remote("oncall").identity(),))
    await stopped_while(SyncEngine(offline, sleep=wait_to_retry), retrying)

    assert outbox_states(settings.db_path()) == [("queued", None)]
    with closing(sqlite3.connect(settings.db_path())) as conn, conn:
        conn.execute("UPDATE remote SET identity = ?", (settings.remote("oncall").identity(),))
    # Back online, nothing to wait out: the remote never saw the attempt.
    waits: list[float] = []

    async def waited(seconds: float) -> None:
        waits.append(seconds)

    report = await sync(settings, sleep=waited)
    assert report.ok and report.results[0].pushed == 1 and waits == []
    assert len(revily.emulator.incidents) == 1


@pytest.fixture
def unreachable() -> Iterator[str]:
    """The address of a server whose connections never open: its backlog is full, so the
    kernel drops further handshakes, as a network that lost the route does."""
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen(0)
        fillers = [socket.socket() for _ in range(3)]
        try:
            for filler in fillers:
                filler.setblocking(False)
                filler.connect_ex(server.getsockname())
            yield f"http://127.0.0.1:{server.getsockname()[1]}"
        finally:
            for filler in fillers:
                filler.close()


async def test_a_create_stopped_while_its_connection_opens_is_queued_again(
    serve: Serve, tmp_path: Path, unreachable: str
) -> None:
    # AOH IMS: the new incident's first request is its POST.
    aoh = serve("aoh_ims", sample=0)
    config = aoh.emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("ops", "aoh_ims", Draft(title="Made in a tunnel"))
    marked = asyncio.Event()

    async def watch() -> None:
        await until(lambda: outbox_states(settings.db_path())[0][0] == "sending")
        await asyncio.sleep(0.2)  # well into the handshake that never completes
        marked.set()

    watcher = asyncio.ensure_future(watch())
    slow = settings_for(tmp_path, {**config, "base_url": unreachable, "timeout": 60})
    # The same server by a route that lost its way, not another system (whose changes the
    # pass would hold before it sends any).
    with closing(sqlite3.connect(settings.db_path())) as conn, conn:
        conn.execute("UPDATE remote SET identity = ?", (slow.remote("ops").identity(),))
    await stopped_while(SyncEngine(slow), marked)
    await watcher

    assert outbox_states(settings.db_path()) == [("queued", None)]


async def test_a_create_stopped_after_its_request_reached_the_remote_stays_sending(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=0)
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("oncall", "revily", Draft(title="Maybe made"))
    revily.emulator.faults.add("hang", method="POST")
    held = asyncio.Event()

    async def watch() -> None:
        await until(lambda: revily.emulator.faults.hung == 1)
        held.set()

    watcher = asyncio.ensure_future(watch())
    await stopped_while(SyncEngine(settings), held)
    await watcher
    revily.emulator.faults.clear()

    [(state, started)] = outbox_states(settings.db_path())
    assert state == "sending" and started is not None



async def test_a_create_stopped_beside_another_remote_is_queued_again(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # A pass over two remotes out of reach, each waiting to try again when it is stopped
    # (Ctrl-C): the one without changes ends at once, the other must still record its change
    # as never sent before asyncio.run, shutting down, cancels what is left.
    revily = serve("revily", sample=0)
    config = revily.emulator.remote_config("oncall")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).create("oncall", "revily", Draft(title="Made on the train"))
    offline = settings_for(
        tmp_path,
        {**serve("kitehouse", sample=0).emulator.remote_config("school"),
         "base_url": f"http://127.0.0.1:{dead_port()}"},
        {**config, "base_url": f"http://127.0.0.1:{dead_port()}"},
    )
    # The same server by another route, not another system (whose changes wait).
    with closing(sqlite3.connect(settings.db_path())) as conn, conn:
        conn.execute("UPDATE remote SET identity = ?", (offline.remote("oncall").identity(),))
    waiting: set[str] = set()

    async def wait_to_retry(seconds: float) -> None:
        """The wait before trying a connection again, where the stop comes."""
        task = asyncio.current_task()
        waiting.add(task.get_name() if task is not None else "")
        await asyncio.Event().wait()

    def both_waiting() -> bool:
        return len(waiting) == 2 and outbox_states(settings.db_path())[0][0] == "sending"

    async def interrupted() -> None:
        """``sync --once`` stopped by Ctrl-C once both remotes wait to retry."""
        engine = SyncEngine(offline, sleep=wait_to_retry)
        task = asyncio.ensure_future(engine.sync())
        try:
            await until(both_waiting)
        finally:
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
            await engine.aclose()

    caplog.set_level(logging.INFO, logger="incident_tui.sync.push")
    await asyncio.to_thread(asyncio.run, interrupted())

    assert [state for state, _ in outbox_states(settings.db_path())] == ["queued"]
    assert "stays marked as being sent" not in caplog.text
