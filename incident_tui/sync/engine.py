"""The sync engine: pushes the outbox, pulls changes, reads again the incidents a discarded
change marked, hydrates summaries, per remote and in isolation (one failing remote never
stalls the others). A plain class with callbacks; the TUI runs it in a worker and the
command line with ``asyncio.run``.

Every database step runs in a thread (``asyncio.to_thread``) and is its own short transaction;
no transaction is ever held across an HTTP request. The push itself is
:class:`incident_tui.sync.push.Pusher`, the pull :class:`incident_tui.sync.pull.Puller`; this
module runs them for each remote and reports how each pass went.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager, nullcontext
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from incident_tui.clock import Clock, system_clock, to_db
from incident_tui.config import Settings
from incident_tui.config_remotes import RemoteBase
from incident_tui.domain.capabilities import Capability
from incident_tui.domain.text import counted
from incident_tui.remote.base import Connector, make_connector
from incident_tui.remote.errors import Held, NotFound, RemoteError, Unavailable
from incident_tui.remote.http import Sleep
from incident_tui.store.db import StoreError
from incident_tui.store.engine import make_engine
from incident_tui.store.pauses import pause_note
from incident_tui.store.sqlite_errors import cache_errors
from incident_tui.store.upload_copies import sweep
from incident_tui.sync import identity, pull_store
from incident_tui.sync.events import (
    NullListener,
    RemoteResult,
    SyncListener,
    SyncReport,
    Unsent,
)
from incident_tui.sync.garbage import fewer_collections
from incident_tui.sync.pull import Puller
from incident_tui.sync.push import AfterPush, Pusher, asked_until
from incident_tui.sync.push_lock import PushLock
from incident_tui.sync.stopping import wind_down

log = logging.getLogger(__name__)

T = TypeVar("T")
Writing = Callable[[], AbstractContextManager[object]]
"""What a write to the cache runs inside (the command line's note that it waits for the
cache); nothing by default."""


def _inside(writing: Writing, write: Callable[[], T]) -> T:
    """``write()`` run inside ``writing()``, on the thread that writes."""
    with writing():
        return write()


class SyncEngine:
    """Synchronises the cache with every configured remote."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = system_clock,
        listener: SyncListener | None = None,
        db_path: Path | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        after_push: AfterPush | None = None,
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.listener: SyncListener = listener or NullListener()
        self.db_path = db_path or settings.db_path()
        self.engine = make_engine(self.db_path)
        self._transport = transport
        self._sleep = sleep
        self._connectors: dict[str, Connector] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._pusher = Pusher(
            self.engine,
            clock=clock,
            listener=self.listener,
            after_push=after_push,
            sleep=sleep,
            lock=PushLock(self.db_path),
        )
        self._puller = Puller(self.engine, clock=clock, listener=self.listener, settings=settings)

    def connector(self, name: str) -> Connector:
        """The connector of remote ``name`` (built once, reused: one pool per remote)."""
        if name not in self._connectors:
            config = self.settings.remote(name)
            connector = make_connector(config, transport=self._transport, sleep=self._sleep)
            http = getattr(connector, "http", None)
            if http is not None:
                http.on_retry = functools.partial(self._retrying, name)
            self._connectors[name] = connector
        return self._connectors[name]

    def _retrying(self, name: str, error: Exception, delay: float) -> None:
        self.listener.remote_retrying(name, str(error), delay)

    async def aclose(self) -> None:
        """Close every connector's HTTP client and the database engine."""
        for connector in self._connectors.values():
            await connector.aclose()
        self._connectors.clear()
        self._pusher.close()
        self.engine.dispose()

    async def sync(self, remotes: Sequence[str] | None = None) -> SyncReport:
        """One pass over ``remotes`` (default: every enabled remote), all at once."""
        configs: list[RemoteBase] = [r for r in self.settings.remotes if r.enabled]
        if remotes:
            configs = [self.settings.remote(name) for name in remotes]
        passes = [asyncio.ensure_future(self._sync_remote(config)) for config in configs]
        with fewer_collections():
            try:
                results = await asyncio.gather(*passes)
            except BaseException:
                # gather ends at the first pass that stopped (a Ctrl-C): the others may still
                # be recording where their push was stopped, which must not be cut short.
                await wind_down(passes)
                raise
        # The outbox has settled for now: the copies of uploads it no longer holds go (a
        # process killed between settling one and removing its copy left it for good).
        await asyncio.to_thread(sweep, self.engine, self.db_path)
        return SyncReport(list(results))

    async def _sync_remote(self, config: RemoteBase) -> RemoteResult:
        name = config.name
        kind = config.kind
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            started = time.monotonic()
            result = RemoteResult(name, ok=False)
            stored = await self._stored(name)
            system = config.identity()
            known_identity = None if stored is None else stored.identity
            # The system the cache came from, if the config now points at another. Unknown
            # before (a new remote, a cache from an older version): nothing moves.
            moved_from = None if known_identity == system else known_identity
            # Another server: its cached incidents go (their mapping with them), and a
            # pause the old one asked for is not the new one's.
            elsewhere = moved_from is not None and not identity.same_server(moved_from, system)
            paused = None if stored is None or elsewhere else stored.pause(self.clock())
            if paused is not None:
                # Not a request until then: the remote said how long it wants, and a poll
                # every few seconds (or a cron job's) must not keep asking.
                result.error = paused[1]
                self.listener.remote_finished(result)
                return result
            pause: datetime | None = None
            listed_in_full: datetime | None = None
            attempted = to_db(self.clock())
            mapping = config.mapping()
            known_mapping = None if stored is None else stored.mapping
            mapping_changed = (
                known_mapping is not None and known_mapping != mapping and not elsewhere
            )
            self.listener.remote_started(name)
            try:
                # Every store step of the pass, those on the driver connection too (a pull's
                # bulk writes), ends in the cache's one line when SQLite refuses the file.
                with cache_errors(self.db_path):
                    if moved_from is not None:
                        # Only once the new system answers: a mistyped address, or one out
                        # of reach, must not cost the cache and hold every change.
                        await self.connector(name).probe()
                        await self._switch(config, moved_from, result)
                    if mapping_changed:
                        # Every incident is read again, with the new settings.
                        await asyncio.to_thread(
                            pull_store.note_mapping, self.engine, name, kind, mapping,
                            reread=True,
                        )
                    connector = self.connector(name)
                    held_back = await self._pusher.push(connector, result)
                    listed_in_full = await self._puller.pull(connector, kind, result)
                    await self._puller.reread(connector, result)
                    await self._puller.hydrate(connector)
                if held_back is not None:
                    raise held_back
                result.ok = True
                state: dict[str, Any] = {
                    "state": "ok",
                    "last_ok_at": to_db(self.clock()),
                    "last_error": None,
                }
            except RemoteError as error:
                pause = self._asked_pause(error)
                result.error = str(error)
                if pause is not None:
                    result.error += f"; {pause_note(pause)}"
                result.offline = isinstance(error, Unavailable) and error.status is None
                state = {
                    "state": "offline" if result.offline else "failing",
                    "last_error": result.error,
                }
            except StoreError as error:
                # The cache refused the step (another process kept it locked, or it is
                # read-only, full or damaged): nothing of it was written, and the next pass
                # does it again.
                result.error = str(error)
                state = {"state": "failing", "last_error": result.error}
            except Exception as error:  # noqa: BLE001 - one broken remote must not stop the rest
                result.error = f"internal error: {type(error).__name__}: {error}"
                state = {"state": "failing", "last_error": result.error}
            state["hold_until"] = to_db(pause)
            state["last_attempt_at"] = attempted
            if known_mapping is None:
                # Unknown before (a new remote, a cache from an older version): nothing read
                # again, and noted with the outcome, in the pass's one write of its state.
                state["mapping"] = mapping
            if known_identity is None and result.ok:
                # Only once it answered: a first pass at an address out of reach (mistyped,
                # then fixed) must not make the right one look like another system.
                state["identity"] = system
            if listed_in_full is not None and (
                self.connector(name).can(Capability.INCREMENTAL)
                or stored is None
                or stored.last_full_at is None
            ):
                # With the outcome and the attempt, in one write: an idle pass then changes
                # one row of the cache, once (each write puts a whole page in the log). A
                # remote listed in full at every pass needs only the first one's time.
                state["last_full_at"] = to_db(listed_in_full)
            result.seconds = time.monotonic() - started
            http = getattr(self._connectors.get(name), "http", None)
            result.requests = getattr(http, "requests_sent", 0)
            # The pass is over either way: say so, even if the cache cannot note it. A pass
            # that ended as the last one did, under a minute ago, is not written again.
            try:
                if stored is None or not stored.says(state, self.clock()):
                    await asyncio.to_thread(
                        pull_store.save_remote_state, self.engine, name, kind, **state
                    )
            except StoreError:
                result.unrecorded = True
            self.listener.remote_finished(result)
            return result

    async def _switch(self, config: RemoteBase, old: str, result: RemoteResult) -> None:
        """Remote ``config`` points at another system than the one its cache came from
        (``old``): hold the changes queued before, and let the old server's incidents go
        (:func:`~incident_tui.sync.identity.switch_system`); each held change is reported
        as refused, with why."""
        switched = await asyncio.to_thread(
            identity.switch_system, self.engine, config.name, config.kind, old,
            config.identity(), config.mapping(),
        )
        result.removed += len(switched.removed)
        result.failed += len(switched.held)
        result.unsent += [
            Unsent(held.incident_id, held.op, held.reason, contested=False, gone=held.not_there)
            for held in switched.held
        ]
        gone = counted(len(switched.removed), "cached incident")
        held = counted(len(switched.held), "queued change")
        log.warning(
            "%s now points at another system (%s): it is listed in full%s%s",
            config.name, switched.moved,
            f"; {gone} of the one before left the cache" if switched.removed else "",
            f"; {held} held, not sent (see incident-tui outbox)" if switched.held else "",
        )
        if switched.removed:
            self.listener.incidents_changed(switched.removed, [])

    async def _stored(self, name: str) -> pull_store.StoredState | None:
        """Remote ``name``'s state row as this pass finds it; ``None`` also when the cache
        cannot tell: the pass then meets that trouble and reports it."""
        try:
            return await asyncio.to_thread(pull_store.stored_state, self.engine, name)
        except StoreError:
            return None

    async def _paused(self, name: str) -> tuple[datetime, str] | None:
        """Until when and why remote ``name`` gets no pass now
        (:func:`pull_store.remote_pause`); ``None`` also when the cache cannot tell: the
        pass then meets that trouble and reports it."""
        try:
            return await asyncio.to_thread(
                pull_store.remote_pause, self.engine, name, self.clock()
            )
        except StoreError:
            return None

    def _asked_pause(self, error: RemoteError) -> datetime | None:
        """Until when the remote asked, with the error that failed the pass, to be sent
        nothing (``Retry-After`` on a 429 or 5xx the HTTP layer did not wait out). A wait a
        queued change was answered with fails no pass: only the queued changes wait then
        (:attr:`~incident_tui.sync.events.RemoteResult.waits_until`), and the pull goes on."""
        return asked_until(error, self.clock())

    async def refresh(self, incident_id: str, *, writing: Writing = nullcontext) -> bool:
        """Fetch one incident in full now and store it; ``False`` when the remote does not
        have it (or not yet: created here and still queued). One it no longer has is gone
        from the cache, or marked deleted there while changes of it wait (see
        :func:`~incident_tui.store.bookkeeping.gone_from_remote`). The listener hears of it
        only when the cache's copy changed.

        The TUI asks for the incident on screen: comments and notes someone else added move
        no version a pull could see (AOH IMS comments, OneUptime notes), so without this
        they would only arrive with the next full record. While the remote asked for a pause
        (:meth:`_asked_pause`) nothing is sent: :class:`Held` says why. The cache refusing
        the write is the :class:`StoreError` a pass would end with. Each write to the cache
        runs inside ``writing()``: the command line says there when it waits for one."""
        with cache_errors(self.db_path):
            return await self._refresh(incident_id, writing)

    async def _refresh(self, incident_id: str, writing: Writing) -> bool:
        key = await asyncio.to_thread(pull_store.remote_key, self.engine, incident_id)
        if key is None:
            return False
        remote, remote_id = key
        if (paused := await self._paused(remote)) is not None:
            raise Held(paused[1], until=paused[0])
        connector = self.connector(remote)
        try:
            incident = await connector.get(remote_id)
        except NotFound:
            # Deleted there: stored as a listing that misses it would, unless the remote
            # answers 404 to everything (a wrong address: Misdirected).
            await connector.probe()
            gone = functools.partial(
                pull_store.store_reread, self.engine, [], [incident_id], self.clock()
            )
            await asyncio.to_thread(_inside, writing, gone)
            self.listener.incidents_changed([incident_id], [])
            return False
        # Stored as the sync stores a marked incident: a mark to read it again is done.
        store = functools.partial(pull_store.store_refreshed, self.engine, incident, self.clock())
        changed = await asyncio.to_thread(_inside, writing, store)
        if changed:
            # Not otherwise: the screen showing it would read and draw it again for nothing
            # after every pass of its remote.
            self.listener.incidents_changed([incident.id], [])
        return True
