"""The sync engine: pushes the outbox, pulls changes, hydrates summaries, per remote and in
isolation (one failing remote never stalls the others). A plain class with callbacks; the TUI
runs it in a worker and the command line with ``asyncio.run``.

Every database step runs in a thread (``asyncio.to_thread``) and is its own short transaction;
no transaction is ever held across an HTTP request.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from incident_tui.clock import Clock, from_db, system_clock, to_db
from incident_tui.config import RemoteBase, Settings
from incident_tui.domain.capabilities import Capability
from incident_tui.domain.model import (
    STATUS_CHANGES,
    Attachment,
    ChangeKind,
    Comment,
    Draft,
    Incident,
    Severity,
)
from incident_tui.remote.base import Connector, make_connector
from incident_tui.remote.errors import (
    AuthFailed,
    Conflict,
    NotFound,
    RemoteError,
    Unavailable,
    Unsupported,
)
from incident_tui.remote.http import Sleep
from incident_tui.store.engine import make_engine
from incident_tui.store.upsert import base_of
from incident_tui.sync import outbox
from incident_tui.sync.events import NullListener, RemoteResult, SyncListener, SyncReport
from incident_tui.sync.outbox import Change
from incident_tui.sync.pages import prefetch

FULL_EVERY = timedelta(minutes=15)
"""Incremental remotes are fully re-listed this often, to notice remote deletions."""
HYDRATE_CONCURRENCY = 4
"""Full-record fetches in flight per remote: quick, yet gentle on rate limits."""
HYDRATE_BATCH = 25
"""Full records stored (and reported as progress) together."""
AfterPush = Callable[[Any], None]
"""Called after the remote accepted a change and before the local commit (a test seam)."""

log = logging.getLogger(__name__)

CONFLICT_RETRIES = 3
"""Times a write is read again and resent when the remote's version moved between our read
and our write (AOH ``occ_lock``, contract section 8); then the user decides."""

URGENT = {Severity.CRITICAL.value, Severity.MAJOR.value}

ADDITIVE = frozenset({ChangeKind.COMMENT, ChangeKind.ATTACH})
"""Changes that would be duplicated if sent twice (creates are handled on their own)."""

REREAD_AFTER = frozenset({*STATUS_CHANGES, ChangeKind.EDIT, ChangeKind.SET_ATTRIBUTE})
"""Changes after which the incident is read back from the remote to store its new state."""


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
        self._after_push = after_push
        self._connectors: dict[str, Connector] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    def connector(self, name: str) -> Connector:
        """The connector of remote ``name`` (built once, reused: one pool per remote)."""
        if name not in self._connectors:
            config = self.settings.remote(name)
            self._connectors[name] = make_connector(
                config, transport=self._transport, sleep=self._sleep
            )
        return self._connectors[name]

    async def aclose(self) -> None:
        """Close every connector's HTTP client and the database engine."""
        for connector in self._connectors.values():
            await connector.aclose()
        self._connectors.clear()
        self.engine.dispose()

    async def sync(self, remotes: Sequence[str] | None = None) -> SyncReport:
        """One pass over ``remotes`` (default: every enabled remote), all at once."""
        configs: list[RemoteBase] = [r for r in self.settings.remotes if r.enabled]
        if remotes:
            configs = [self.settings.remote(name) for name in remotes]
        results = await asyncio.gather(*(self._sync_remote(config) for config in configs))
        return SyncReport(list(results))

    async def _sync_remote(self, config: RemoteBase) -> RemoteResult:
        name = config.name
        kind = str(getattr(config, "kind", ""))
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            started = time.monotonic()
            result = RemoteResult(name, ok=False)
            self.listener.remote_started(name)
            await asyncio.to_thread(
                outbox.save_remote_state,
                self.engine,
                name,
                kind,
                last_attempt_at=to_db(self.clock()),
            )
            try:
                connector = self.connector(name)
                held_back = await self._push(connector, result)
                await self._pull(connector, kind, result)
                await self._hydrate(connector, result)
                if held_back is not None:
                    raise held_back
                result.ok = True
                state: dict[str, Any] = {
                    "state": "ok",
                    "last_ok_at": to_db(self.clock()),
                    "last_error": None,
                }
            except RemoteError as error:
                result.error = str(error)
                result.offline = isinstance(error, Unavailable) and error.status is None
                state = {
                    "state": "offline" if result.offline else "failing",
                    "last_error": str(error),
                }
            except Exception as error:  # noqa: BLE001 - one broken remote must not stop the rest
                result.error = f"internal error: {type(error).__name__}: {error}"
                state = {"state": "failing", "last_error": result.error}
            result.seconds = time.monotonic() - started
            http = getattr(self._connectors.get(name), "http", None)
            result.requests = getattr(http, "requests_sent", 0)
            await asyncio.to_thread(outbox.save_remote_state, self.engine, name, kind, **state)
            self.listener.remote_finished(result)
            return result

    # Push ---------------------------------------------------------------------------------

    async def _push(self, connector: Connector, result: RemoteResult) -> Unavailable | None:
        """Send the queued changes in order per incident.

        A change the remote keeps answering with a server error (after the HTTP layer's own
        retries) stays queued, and its incident's later changes wait behind it; the other
        incidents' changes and the pull still go ahead, so one change the server chokes on
        cannot keep a remote from syncing. That error is returned, to fail the pass once
        the rest is done. A second one in the same pass, or an error without an answer
        (no connection, timeout, 429), means the remote as a whole is in trouble: it is
        raised at once."""
        changes = await asyncio.to_thread(outbox.pending_changes, self.engine, connector.name)
        held_back: Unavailable | None = None
        blocked: set[str] = set()
        for change in changes:
            if change.incident_id in blocked:
                continue
            try:
                touched = await self._push_checked(connector, change)
            except Conflict as error:
                result.conflicts += 1
                blocked.add(change.incident_id)
                await self._record_conflict(connector, change, error)
                touched = [change.incident_id]
            except AuthFailed:
                raise
            except RemoteError as error:
                if error.retryable:
                    await asyncio.to_thread(
                        outbox.note_attempt, self.engine, change.seq, str(error)
                    )
                    answered = isinstance(error, Unavailable) and error.status is not None
                    if not answered or held_back is not None:
                        raise
                    held_back = Unavailable(
                        f"a change to {change.incident_id} stays queued: {error}",
                        status=error.status,
                    )
                    blocked.add(change.incident_id)
                    touched = [change.incident_id]
                else:
                    result.failed += 1
                    blocked.add(change.incident_id)
                    await asyncio.to_thread(
                        outbox.mark_failed, self.engine, change.seq, str(error)
                    )
                    touched = [change.incident_id]
            else:
                result.pushed += 1
            self.listener.incidents_changed(touched, [])
        return held_back

    async def _push_checked(self, connector: Connector, change: Change) -> list[str]:
        """:meth:`_push_one`, again after a conflict the remote answered: its version moved
        between our read and our write, which is a race, not yet a contested field. The next
        try reads the incident again and checks the fields before writing; a conflict found
        by that check, or one that outlasts :data:`CONFLICT_RETRIES`, goes to the user."""
        for attempt in range(CONFLICT_RETRIES):
            try:
                return await self._push_one(connector, change)
            except Conflict as error:
                if error.status is None:
                    raise
                log.info("%s: %s moved while we wrote (%s); reading it again (retry %d)",
                         connector.name, change.incident_id, error, attempt + 1)
        return await self._push_one(connector, change)

    async def _push_one(self, connector: Connector, change: Change) -> list[str]:
        now = self.clock()
        if change.op is ChangeKind.CREATE:
            return await self._push_create(connector, change)
        cached = await asyncio.to_thread(outbox.cached, self.engine, change.incident_id)
        if cached is None:
            return []
        if cached.local_only:
            return []  # its create has not gone through yet; it is pushed after that
        current = cached.incident
        fresh: Incident | None = None
        comment: Comment | None = None
        attachment: Attachment | None = None
        op = change.op
        if op in STATUS_CHANGES or op in (ChangeKind.EDIT, ChangeKind.SET_ATTRIBUTE):
            try:
                current = await connector.get(current.remote_id)
            except NotFound:
                raise NotFound("the incident no longer exists on the remote") from None
            done = self._check_conflict(change, cached, current)
            if done:
                fresh = current
        else:
            done = False
        if op in ADDITIVE:
            # Sending these twice would duplicate them: record the attempt first, and after
            # an interrupted one look on the remote before sending again.
            if change.state == "sending":
                comment, attachment = await self._find_sent(connector, change, current)
                done = comment is not None or attachment is not None
            if not done:
                await asyncio.to_thread(outbox.mark_sending, self.engine, change.seq, now)
        if not done:
            fresh, comment, attachment = await self._apply(connector, op, change, current)
        if self._after_push is not None:
            self._after_push(change)
        if fresh is None and op in REREAD_AFTER:
            fresh = await connector.get(current.remote_id)
        touched = await asyncio.to_thread(
            outbox.complete,
            self.engine,
            change,
            fresh,
            now,
            comment=comment,
            attachment=attachment,
        )
        return touched.touched()

    async def _find_sent(
        self, connector: Connector, change: Change, current: Incident
    ) -> tuple[Comment | None, Attachment | None]:
        """The comment or attachment an interrupted push already made, if the remote has it."""
        try:
            fresh = await connector.get(current.remote_id)
        except NotFound:
            raise NotFound("the incident no longer exists on the remote") from None
        known = {c.remote_id for c in current.comments or ()}
        if change.op is ChangeKind.COMMENT:
            body = str(change.payload.get("body", "")).strip()
            for comment in fresh.comments or ():
                if comment.remote_id not in known and comment.body.strip() == body:
                    return comment, None
            return None, None
        seen = {a.remote_id for a in current.attachments or ()}
        for attachment in fresh.attachments or ():
            if attachment.remote_id not in seen and attachment.name == change.payload.get("name"):
                return None, attachment
        return None, None

    async def _apply(
        self, connector: Connector, op: ChangeKind, change: Change, current: Incident
    ) -> tuple[Incident | None, Comment | None, Attachment | None]:
        payload = change.payload
        if op is ChangeKind.ACKNOWLEDGE:
            return await connector.acknowledge(current), None, None
        if op is ChangeKind.RESOLVE:
            return await connector.resolve(current), None, None
        if op is ChangeKind.REOPEN:
            return await connector.reopen(current), None, None
        if op is ChangeKind.EDIT:
            return await connector.edit(current, dict(payload.get("changes", {}))), None, None
        if op is ChangeKind.COMMENT:
            public = bool(payload.get("public"))
            if public and hasattr(connector, "add_note"):
                note = await connector.add_note(current, payload["body"], public=True)
                return None, note, None
            return None, await connector.comment(current, payload["body"]), None
        if op is ChangeKind.DELETE_COMMENT:
            await connector.delete_comment(current, str(payload["comment_id"]))
            return None, None, None
        if op is ChangeKind.DELETE:
            try:
                await connector.delete(current)
            except NotFound:
                pass  # already gone: that is what we wanted
            return None, None, None
        if op is ChangeKind.ATTACH:
            upload = getattr(connector, "upload_attachment", None)
            if upload is None:
                raise Unsupported(f"{connector.kind} has no attachments")
            attached = await upload(
                current,
                Path(payload["path"]),
                payload.get("content_type"),
            )
            await asyncio.to_thread(shutil.rmtree, Path(payload["path"]).parent, True)
            return None, None, attached
        if op is ChangeKind.DELETE_ATTACHMENT:
            remove = getattr(connector, "delete_attachment", None)
            if remove is None:
                raise Unsupported(f"{connector.kind} has no attachments")
            await remove(current, payload["object_id"])
            return None, None, None
        if op is ChangeKind.SET_ATTRIBUTE:
            setter = getattr(connector, "set_attribute", None)
            if setter is None:
                raise Unsupported(f"{connector.kind} has no attributes")
            fresh = await setter(
                current, payload["name"], payload["value"], create=bool(payload.get("create"))
            )
            return fresh, None, None
        raise Unsupported(f"unknown change {op}")

    def _check_conflict(self, change: Change, cached: outbox.Cached, current: Incident) -> bool:
        """Raise :class:`Conflict` if the remote changed a field this change also changes
        since our last pull. Returns True when the remote already has what we want."""
        if change.payload.get("force"):
            return False
        ours: dict[str, Any]
        if change.op in STATUS_CHANGES:
            ours = {"status": STATUS_CHANGES[change.op].value}
        elif change.op is ChangeKind.EDIT:
            ours = dict(change.payload.get("changes", {}))
        else:
            return False
        theirs = base_of(current)
        contested: list[str] = []
        for name, value in ours.items():
            if name not in cached.base:
                continue
            base = cached.base[name]
            if base is None and not cached.hydrated and name == "description":
                continue  # a summary row never had the description: nothing to compare
            if theirs.get(name) != base and theirs.get(name) != value:
                contested.append(name)
        if contested:
            raise Conflict(
                "the remote changed " + ", ".join(contested) + " since the last sync",
                fields=tuple(contested),
            )
        return all(theirs.get(name) == value for name, value in ours.items())

    async def _record_conflict(self, connector: Connector, change: Change, error: Conflict) -> None:
        theirs: Incident | None = None
        cached = await asyncio.to_thread(outbox.cached, self.engine, change.incident_id)
        if cached is not None and not cached.local_only:
            try:
                theirs = await connector.get(cached.incident.remote_id)
            except RemoteError:
                theirs = None
        ours: dict[str, Any] = dict(change.payload.get("changes", {}))
        if change.op in STATUS_CHANGES:
            ours = {"status": STATUS_CHANGES[change.op].value}
        fields = list(error.fields) or sorted(ours)
        await asyncio.to_thread(
            outbox.mark_conflict, self.engine, change.seq, fields, ours, theirs, str(error)
        )

    async def _push_create(self, connector: Connector, change: Change) -> list[str]:
        payload = change.payload
        draft = Draft(
            title=str(payload.get("title") or ""),
            description=payload.get("description"),
            severity=Severity(payload["severity"]) if payload.get("severity") else None,
            container=payload.get("container"),
        )
        created: Incident | None = None
        if change.state == "sending":
            # A previous attempt may have reached the remote: look before creating again.
            since = (change.started_at or self.clock()) - timedelta(minutes=2)
            created = await connector.find_created(draft, change.key, since)
        if created is None:
            await asyncio.to_thread(outbox.mark_sending, self.engine, change.seq, self.clock())
            created = await connector.create(draft, change.key)
        if self._after_push is not None:
            self._after_push(change)
        touched = await asyncio.to_thread(
            outbox.complete, self.engine, change, None, self.clock(), created=created
        )
        return touched.touched()

    # Pull ---------------------------------------------------------------------------------

    async def _pull(self, connector: Connector, kind: str, result: RemoteResult) -> None:
        cursor, last_full = await asyncio.to_thread(
            outbox.remote_state, self.engine, connector.name
        )
        now = self.clock()
        last_full_at = from_db(last_full)
        full = (
            cursor is None
            or not connector.can(Capability.INCREMENTAL)
            or last_full_at is None
            or now - last_full_at > FULL_EVERY
        )
        seen: list[str] = []
        urgent: list[str] = []
        first_sync = last_full_at is None
        async for page in prefetch(connector.pull(None if full else cursor, full=full)):
            stored = await asyncio.to_thread(
                outbox.store_page,
                self.engine,
                connector.name,
                kind,
                page.incidents,
                page.cursor,
                now,
                connector.summary_gaps if page.partial else None,
            )
            seen += [i.id for i in page.incidents]
            result.pulled += len(stored.new) + len(stored.changed)
            if not first_sync:
                new = set(stored.new)
                urgent += [
                    i.id
                    for i in page.incidents
                    if i.id in new
                    and i.severity
                    and i.severity.value in URGENT
                    and i.status.value != "resolved"
                ]
            self.listener.remote_progress(connector.name, len(seen))
            touched = stored.touched()
            if page.complete and full:
                removed = await asyncio.to_thread(self._remove_missing, connector.name, seen)
                result.removed += len(removed)
                touched += removed
                await asyncio.to_thread(
                    outbox.save_remote_state,
                    self.engine,
                    connector.name,
                    kind,
                    last_full_at=to_db(now),
                )
            if touched or urgent:
                self.listener.incidents_changed(touched, urgent)
                urgent = []

    def _remove_missing(self, remote: str, seen: list[str]) -> list[str]:
        from incident_tui.store.engine import session
        from incident_tui.store.upsert import remove_missing

        with session(self.engine) as s, s.begin():
            return remove_missing(s, remote, seen).touched()

    async def _hydrate(self, connector: Connector, result: RemoteResult) -> None:
        """Fetch the full record of the newest summary-only incidents, a few at a time."""
        limit = self.settings.hydrate_limit
        remote_ids = await asyncio.to_thread(outbox.unhydrated, self.engine, connector.name, limit)
        gate = asyncio.Semaphore(HYDRATE_CONCURRENCY)

        async def fetch(remote_id: str) -> Incident | None:
            async with gate:
                try:
                    return await connector.get(remote_id)
                except NotFound:
                    return None

        for start in range(0, len(remote_ids), HYDRATE_BATCH):
            wanted = remote_ids[start : start + HYDRATE_BATCH]
            batch = await asyncio.gather(*(fetch(r) for r in wanted))
            incidents = [i for i in batch if i is not None]
            if incidents:
                await asyncio.to_thread(
                    outbox.store_page, self.engine, connector.name, connector.kind, incidents,
                    None, self.clock(),
                )
                self.listener.incidents_changed([i.id for i in incidents], [])
            self.listener.remote_details(connector.name, start + len(wanted), len(remote_ids))

    async def refresh(self, incident_id: str) -> bool:
        """Fetch one incident in full now (the detail screen asks when it opens one)."""
        remote, _, remote_id = incident_id.partition(":")
        connector = self.connector(remote)
        try:
            incident = await connector.get(remote_id)
        except NotFound:
            return False
        await asyncio.to_thread(
            outbox.store_page, self.engine, remote, connector.kind, [incident], None, self.clock()
        )
        self.listener.incidents_changed([incident.id], [])
        return True
