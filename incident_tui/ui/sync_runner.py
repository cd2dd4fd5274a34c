"""The background sync loops: an App-level thread worker with its own asyncio loop, and in it
one loop per enabled remote.

Each remote syncs on its own schedule (``poll_seconds`` after the end of its own last pass),
so a slow or failing remote never holds back another remote's queued changes or new
incidents; the engine keeps a lock and a connector per remote, so passes of different remotes
run side by side as they do in one whole pass. ``sync_now`` wakes the idle remotes at once and
sends a busy one round again right after its current pass (what ``s`` and a local change ask
for); ``stop`` cancels everything; ``watch`` keeps the incident on screen fresh.

The engine (``incident_tui.sync.engine.SyncEngine``) is imported and built inside the worker,
so neither the first paint nor the tests pay for httpx. Its own event loop in its own thread
keeps every blocking write of the engine off the UI's loop. Listener callbacks become App
messages (``post_message`` is thread-safe).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from textual.app import App
from textual.message import Message

from incident_tui.clock import Clock, time_of_day
from incident_tui.domain.text import clean, seconds, shorten
from incident_tui.remote.errors import BadResponse, Held, RemoteError, Unavailable
from incident_tui.store.db import StoreError
from incident_tui.store.pauses import without_pause_note
from incident_tui.sync.events import RemoteResult
from incident_tui.sync.stopping import cancel_once, wind_down
from incident_tui.ui.messages import (
    IncidentsChanged,
    RemoteFinished,
    RemoteProgress,
    RemoteStarted,
    SyncProblem,
    WorkerFailed,
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

    def remote_retrying(self, remote: str, reason: str, delay: float) -> None:
        """A request failed and goes again: the status line says so, and how soon, until
        the pass moves on (a silent server otherwise reads as a pass that is merely slow).
        Once the wait is over it says the request is out again, without a countdown that
        stopped (the request itself may hang for the whole timeout)."""
        short = shorten(clean(reason, single_line=True), REASON_LENGTH)
        self._app.post_message(
            RemoteProgress(
                remote,
                f"retrying in {seconds(delay)}: {short}",
                then=f"retrying now: {short}",
                after=delay,
            )
        )

    def remote_finished(self, result: RemoteResult) -> None:
        """A remote's pass ended."""
        self._app.post_message(RemoteFinished(result))

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Cached incidents changed."""
        self._app.post_message(IncidentsChanged(list(ids), urgent=list(urgent_new)))


class RereadStarted(Message):
    """The incident on screen is being read again from its remote: until
    :class:`RereadDone`, what shows is the cached copy."""

    def __init__(self, incident_id: str) -> None:
        super().__init__()
        self.incident_id = incident_id


class RereadDone(Message):
    """The incident on screen was read again from its remote (``problem`` empty), or could
    not be: ``problem`` says why, and the screen shows its cached copy."""

    def __init__(self, incident_id: str, problem: str = "") -> None:
        super().__init__()
        self.incident_id = incident_id
        self.problem = problem


class SyncStart(NamedTuple):
    """What :meth:`SyncRunner.sync_now` did."""

    started: list[str]
    """Remotes that were idle: their pass starts now."""
    busy: list[str]
    """Remotes already in a pass: they go again right after it."""


REASON_LENGTH = 60
"""Characters of a remote's error shown on the detail screen's cached-copy line."""
APP_CHECK_EVERY = 0.5
"""Seconds between two looks at whether the App still runs (see ``_end_with_app``)."""


class SyncRunner:
    """Runs ``engine.sync([remote])`` for each enabled remote every ``poll_seconds`` after its
    own last pass, and whenever asked."""

    def __init__(
        self, app: App[Any], settings: Settings, clock: Clock, db_path: Path | None = None
    ) -> None:
        self._app = app
        self._settings = settings
        self._clock = clock
        self._db_path = db_path
        self._remotes = [remote.name for remote in settings.remotes if remote.enabled]
        """The remotes synced in the background, in config order."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wakes: dict[str, asyncio.Event] = {}
        self._task: asyncio.Task[None] | None = None
        # Guards what the UI thread and the sync thread both touch: the loop and its
        # events, which remotes are in a pass, which go again after it, the watched id.
        self._lock = threading.Lock()
        self._stopped = False
        self._busy: set[str] = set()
        self._again: set[str] = set()
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

    def sync_now(self, remotes: Iterable[str] | None = None) -> SyncStart:
        """Start a pass of each of ``remotes`` (default: every enabled remote) that is idle,
        and send each that is in a pass round again right after it. Thread-safe: the UI and
        its action workers call it. Remotes not synced in the background (disabled, or not
        configured) are left alone."""
        wanted = self._remotes if remotes is None else [r for r in remotes if r in self._remotes]
        started: list[str] = []
        busy: list[str] = []
        with self._lock:
            for name in dict.fromkeys(wanted):
                if name in self._busy:
                    self._again.add(name)
                    busy.append(name)
                    continue
                started.append(name)
                # Before the loops run there is nothing to wake: each begins with a pass.
                wake = self._wakes.get(name)
                if self._loop is not None and wake is not None:
                    self._loop.call_soon_threadsafe(wake.set)
        return SyncStart(started, busy)

    def watch(self, incident_id: str | None) -> None:
        """Keep the full record of ``incident_id`` (the incident on screen) fresh: fetched
        now and again after every pass of its remote, so comments others add show up while
        it is open. ``None``, or another id, ends the previous one."""
        with self._lock:
            changed = incident_id != self._watched
            self._watched = incident_id
            loop, engine = self._loop, self._engine
        if changed and incident_id and loop is not None and engine is not None:
            loop.call_soon_threadsafe(self._start_refresh, engine, incident_id)

    @property
    def busy(self) -> frozenset[str]:
        """The remotes in a pass now."""
        with self._lock:
            return frozenset(self._busy)

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
        """Read ``incident_id`` again from its remote and tell the App whether that worked
        (the detail screen marks a copy it could not refresh); anything but the remote or the
        cache failing is a bug, reported like a failed worker."""
        remote = incident_id.partition(":")[0]
        if incident_id in self._refreshing or remote not in self._remotes:
            # A remote taken out of the config has no connector, and a disabled one is not
            # to be asked anything: its cached copy is all there is, as on the list.
            return
        self._refreshing.add(incident_id)
        self._app.post_message(RereadStarted(incident_id))
        try:
            await engine.refresh(incident_id)
        except asyncio.CancelledError:
            raise
        except RemoteError as error:
            self._app.post_message(RereadDone(incident_id, reread_problem(remote, error)))
        except StoreError as error:
            reason = shorten(clean(str(error), single_line=True), REASON_LENGTH)
            self._app.post_message(RereadDone(incident_id, f"not stored ({reason})"))
        except Exception as error:  # noqa: BLE001 - a bug: the App's one error handler says so
            self._app.post_message(WorkerFailed(f"re-read of {incident_id}", error))
        else:
            self._app.post_message(RereadDone(incident_id))
        finally:
            self._refreshing.discard(incident_id)

    def stop(self, wait: float = 2.0) -> None:
        """Cancel the loops and give the engine up to ``wait`` seconds to close (it may be
        finishing a write to the cache); called once, while the App shuts down."""
        with self._lock:
            self._stopped = True
            if self._loop is not None and self._task is not None:
                self._loop.call_soon_threadsafe(cancel_once, self._task)
        self._done.wait(wait)

    def _thread_main(self) -> None:
        try:
            asyncio.run(self._main())
        finally:
            with self._lock:
                self._loop = self._task = None
                self._wakes = {}
                self._busy.clear()
            self._done.set()

    async def _main(self) -> None:
        with self._lock:
            if self._stopped:
                return
            self._loop = asyncio.get_running_loop()
            self._wakes = {name: asyncio.Event() for name in self._remotes}
            self._task = asyncio.current_task()
        try:
            from incident_tui.sync.engine import SyncEngine
        except ImportError as exc:
            self.available = False
            # A part of the install is missing: the cache still works, syncing needs it back.
            text = f"sync is not available: {exc}; reinstall incident-tui to sync"
            self._app.post_message(SyncProblem(text, fatal=True))
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
        watch = asyncio.create_task(self._end_with_app(asyncio.current_task()))
        loops = [
            asyncio.create_task(self._remote_loop(engine, name), name=f"sync {name}")
            for name in self._remotes
        ]
        try:
            # Cancelling this task (stop) cancels every remote's loop with it.
            await asyncio.gather(*loops)
            if not self._remotes:
                await asyncio.Event().wait()  # nothing to sync: idle until stopped
        except asyncio.CancelledError:
            pass
        finally:
            watch.cancel()
            # gather ended at the first loop that stopped: the others may still be recording
            # where their push was stopped, which the engine's closing must not cut short.
            await wind_down(loops)
            with self._lock:
                self._engine = None
            await engine.aclose()

    async def _end_with_app(self, task: asyncio.Task[Any] | None) -> None:
        """Cancel ``task`` (the loops) once the App no longer runs. The App stops them as it
        unmounts; should its shutdown fail before that, this thread would otherwise keep
        the process from ever exiting (the terminal would hang after quitting)."""
        # Polled: the App's state belongs to another thread's loop, with no event to await.
        while self._app.is_running:  # noqa: ASYNC110
            await asyncio.sleep(APP_CHECK_EVERY)
        if task is not None:
            cancel_once(task)

    async def _remote_loop(self, engine: Any, name: str) -> None:
        """Pass after pass of one remote: ``poll_seconds`` after the end of the last one,
        at once when woken, straight away again when asked during a pass."""
        wake = self._wakes[name]
        while True:
            # Asked while it was idle or just now: this pass is the answer.
            wake.clear()
            with self._lock:
                self._busy.add(name)
                self._again.discard(name)
            try:
                await self._pass(engine, name)
            finally:
                with self._lock:
                    self._busy.discard(name)
                    again = name in self._again
            if again:
                continue
            # asyncio.timeout rather than wait_for: on Python 3.11 wait_for can lose a
            # cancellation that comes as the wait ends, and the app's exit would wait for us.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._settings.poll_seconds):
                    await wake.wait()

    async def _pass(self, engine: Any, name: str) -> None:
        """One pass of remote ``name``, then the incident on screen if it is one of its."""
        try:
            await engine.sync([name])
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - shown to the user, then the loop goes on
            self._app.post_message(SyncProblem(f"sync of {name} failed: {exc}"))
        with self._lock:
            watched = self._watched
        if watched and watched.partition(":")[0] == name:
            await self._refresh(engine, watched)


def reread_problem(remote: str, error: RemoteError) -> str:
    """Why the incident on the detail screen could not be read again from ``remote``, as
    the screen says it: out of reach, a pause it asked for, an answer we cannot read, or an
    error it answered (its reason after, cut short)."""
    paused = isinstance(error, Held) and error.until is not None
    # A pause's reason ends with its own note of the time, which the words below say first.
    text = without_pause_note(str(error)) if paused else str(error)
    reason = shorten(clean(text, single_line=True), REASON_LENGTH)
    name = clean(remote, single_line=True)
    if isinstance(error, Held) and error.until is not None:
        # The time first: a long reason is cut short, and the time is what to know.
        return f"{name} asked for a pause until {time_of_day(error.until)} ({reason})"
    if isinstance(error, Unavailable) and error.status is None:
        return f"{name} could not be reached ({reason})"
    if isinstance(error, BadResponse):
        return f"{name} sent an answer that cannot be read ({reason})"
    # It answered, with an error: a 5xx, a refused token, a refusal.
    return f"{name} answered with an error ({reason})"
