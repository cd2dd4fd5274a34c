"""The background sync loop: an App-level thread worker with its own asyncio loop.

The engine (``incident_tui.sync.engine.SyncEngine``) is imported and built inside the worker,
so neither the first paint nor the tests pay for httpx. Its own event loop in its own thread
keeps every blocking write of the engine off the UI's loop. Listener callbacks become App
messages (``post_message`` is thread-safe). ``sync_now`` wakes it; ``stop`` cancels it; ``watch``
keeps the incident on screen fresh.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from textual.app import App

from incident_tui.clock import Clock
from incident_tui.sync.events import RemoteResult
from incident_tui.ui.messages import (
    IncidentsChanged,
    RemoteFinished,
    RemoteProgress,
    RemoteStarted,
    SyncProblem,
)

if TYPE_CHECKING:
    from incident_tui.config import Settings


class AppListener:
    """A ``SyncListener`` that forwards every callback to the App as a message."""

    def __init__(self, app: App[Any]) -> None:
        self._app = app

    def remote_started(self, remote: str) -> None:
        """A remote's pass begins."""
        self._app.post_message(RemoteStarted(remote))

    def remote_progress(self, remote: str, listed: int) -> None:
        """More incidents were listed (coalesced by the message queue)."""
        self._app.post_message(RemoteProgress(remote, f"{listed:,} listed"))

    def remote_details(self, remote: str, fetched: int, total: int) -> None:
        """More full records are in (coalesced like the listing's progress)."""
        self._app.post_message(RemoteProgress(remote, f"details {fetched}/{total}"))

    def remote_finished(self, result: RemoteResult) -> None:
        """A remote's pass ended."""
        self._app.post_message(RemoteFinished(result))

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Cached incidents changed."""
        self._app.post_message(IncidentsChanged(list(ids), urgent=list(urgent_new)))


class SyncRunner:
    """Runs ``engine.sync()`` every ``poll_seconds`` and whenever asked."""

    def __init__(
        self, app: App[Any], settings: Settings, clock: Clock, db_path: Path | None = None
    ) -> None:
        self._app = app
        self._settings = settings
        self._clock = clock
        self._db_path = db_path
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake: asyncio.Event | None = None
        self._task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()
        self._stopped = False
        self._asked = False
        self._done = threading.Event()
        self._done.set()  # nothing to wait for until start()
        self.available = True
        """False once the engine turned out to be missing."""
        self._engine: Any = None
        self._watched: str | None = None
        self._refreshing: set[str] = set()
        self._tasks: set[asyncio.Future[None]] = set()

    def start(self) -> None:
        """Start the worker (once)."""
        self._done.clear()
        self._app.run_worker(
            self._thread_main, thread=True, group="sync", name="sync", exit_on_error=False
        )

    def sync_now(self) -> None:
        """Wake the loop for a pass now (queued if the loop is still starting)."""
        with self._lock:
            self._asked = True
            if self._loop is not None and self._wake is not None:
                self._loop.call_soon_threadsafe(self._wake.set)

    def watch(self, incident_id: str | None) -> None:
        """Keep the full record of ``incident_id`` (the incident on screen) fresh: fetched
        now and again after every pass, so comments others add show up while it is open.
        ``None``, or another id, ends the previous one."""
        with self._lock:
            changed = incident_id != self._watched
            self._watched = incident_id
            loop, engine = self._loop, self._engine
        if changed and incident_id and loop is not None and engine is not None:
            loop.call_soon_threadsafe(self._start_refresh, engine, incident_id)

    @property
    def watched(self) -> str | None:
        """The incident kept fresh, if any."""
        return self._watched

    def _start_refresh(self, engine: Any, incident_id: str) -> None:
        task = asyncio.ensure_future(self._refresh(engine, incident_id))
        # The loop keeps only a weak reference to a task: hold it until it is done.
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _refresh(self, engine: Any, incident_id: str) -> None:
        if incident_id in self._refreshing:
            return
        self._refreshing.add(incident_id)
        try:
            await engine.refresh(incident_id)
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - offline or refused: the cached record stays on screen
            pass
        finally:
            self._refreshing.discard(incident_id)

    def stop(self, wait: float = 2.0) -> None:
        """Cancel the loop and give the engine up to ``wait`` seconds to close (it may be
        finishing a write to the cache); called once, while the App shuts down."""
        with self._lock:
            self._stopped = True
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(self._task.cancel)
        self._done.wait(wait)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            with self._lock:
                self._loop = self._wake = self._task = None
            self._done.set()

    async def _main(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._loop = asyncio.get_running_loop()
            self._wake = asyncio.Event()
            self._task = asyncio.current_task()
        try:
            from incident_tui.sync.engine import SyncEngine
        except ImportError as exc:
            self.available = False
            self._app.post_message(SyncProblem(f"sync is not available: {exc}", fatal=True))
            return
        # The cache the UI reads: ``make_app(db_path=...)`` may differ from the settings'.
        engine = SyncEngine(
            self._settings,
            clock=self._clock,
            listener=AppListener(self._app),
            db_path=self._db_path,
        )
        with self._lock:
            self._engine = engine
        try:
            await self._loop_forever(engine)
        except asyncio.CancelledError:
            pass
        finally:
            with self._lock:
                self._engine = None
            await engine.aclose()

    async def _loop_forever(self, engine: Any) -> None:
        wake = self._wake
        assert wake is not None
        while True:
            wake.clear()
            with self._lock:
                self._asked = False
            try:
                await engine.sync()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # noqa: BLE001 - shown to the user, then the loop goes on
                self._app.post_message(SyncProblem(f"sync failed: {exc}"))
            with self._lock:
                watched = self._watched
            if watched:
                await self._refresh(engine, watched)
            with self._lock:
                asked = self._asked
            if asked:
                continue
            try:
                await asyncio.wait_for(wake.wait(), timeout=self._settings.poll_seconds)
            except TimeoutError:
                pass
