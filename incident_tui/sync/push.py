"""Pushing one remote's outbox: the queued changes sent in order per incident, each checked
against the remote's current version before it is written, read again and resent when that
version moved under it, and recorded so that a crash between the remote accepting a change
and the local commit neither loses it nor sends it twice.
"""

from __future__ import annotations

import asyncio
import json
import logging
import sqlite3
from collections import deque
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from incident_tui.clock import Clock, from_db, time_of_day
from incident_tui.domain.attributes import same_value
from incident_tui.domain.capabilities import Capability, can
from incident_tui.domain.model import (
    STATUS_CHANGES,
    Attachment,
    ChangeKind,
    Comment,
    Draft,
    Incident,
    Severity,
    Status,
    status_after,
)
from incident_tui.domain.text import clean, shorten
from incident_tui.remote.base import Connector
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    Conflict,
    Forbidden,
    Misdirected,
    NotFound,
    Refused,
    RemoteError,
    Unavailable,
    Unsendable,
    Unsupported,
)
from incident_tui.remote.http import WAIT_LIMIT, WRITES_SENT, Sleep
from incident_tui.store.db import StoreError
from incident_tui.store.in_flight import unnamed
from incident_tui.store.queued import READ_BASE
from incident_tui.store.upsert import REFUSED_BASE, UpsertResult, base_of
from incident_tui.sync import outbox, pull_store
from incident_tui.sync.events import RemoteResult, SyncListener, Unsent
from incident_tui.sync.outbox import Change
from incident_tui.sync.push_lock import PushLock

AfterPush = Callable[[Any], None]
"""Called after the remote accepted a change and before the local commit (a test seam)."""

log = logging.getLogger(__name__)

CONFLICT_RETRIES = 3
"""Times a write is read again and resent when the remote's version moved between our read
and our write (AOH ``occ_lock``, contract section 8); then the user decides."""

ADDITIVE = frozenset({ChangeKind.COMMENT, ChangeKind.ATTACH})
"""Changes that would be duplicated if sent twice (creates are handled on their own)."""

REMOVALS = frozenset({ChangeKind.DELETE, ChangeKind.DELETE_COMMENT, ChangeKind.DELETE_ATTACHMENT})
"""Changes done when the remote answers that the thing is already gone."""

REREAD_AFTER = frozenset({*STATUS_CHANGES, ChangeKind.EDIT, ChangeKind.SET_ATTRIBUTE})
"""Changes after which the incident is read back from the remote to store its new state."""

SETTLE_MARGIN = 5.0
"""Seconds added to a remote's timeout before an attempt a dead process began is taken as
over on the server (the request may have left a little after the attempt was recorded)."""

CUT_OFF_SENDS: dict[ChangeKind, str] = {
    ChangeKind.CREATE: "new incident",
    ChangeKind.COMMENT: "comment on",
    ChangeKind.ATTACH: "file for",
}
"""What a send that is waited out before it goes again makes, for the progress line."""

PUSH_WAIT = 5.0
"""Longest ``Retry-After`` of a server error a change's requests wait out within a pass. A
longer one holds the remote's queued changes back until then, and the pass goes on to the
pull: a write the remote is not taking now must not keep new incidents from showing."""
LONGEST_HOLD = 600.0
"""Longest the remote's word holds its queued changes back (seconds): a far-off or garbled
``Retry-After`` date must not park them for hours; the next try asks the remote again."""


def asked_until(
    error: RemoteError, now: datetime, *, longer_than: float = 0.0
) -> datetime | None:
    """Until when the remote asked, with ``error`` (its ``Retry-After``), not to be sent
    anything, at most :data:`LONGEST_HOLD` from ``now``; ``None`` when it asked for no wait
    longer than ``longer_than`` seconds."""
    wait = getattr(error, "retry_after", None)
    if wait is None or wait <= longer_than:
        return None
    return now + timedelta(seconds=min(wait, LONGEST_HOLD))


class Taken(Exception):
    """The queued change is no longer as this push read it (sent or being sent by another
    process, or discarded): it is not ours to send."""


_STATUS_RANK = {Status.TRIGGERED: 0, Status.ACKNOWLEDGED: 1, Status.RESOLVED: 2}
"""How far along the lifecycle each status is, to tell "already there or past it"."""


class Pusher:
    """Sends the outbox of a remote, one change at a time, and commits each one locally."""

    def __init__(
        self,
        engine: Engine,
        *,
        clock: Clock,
        listener: SyncListener,
        after_push: AfterPush | None = None,
        sleep: Sleep = asyncio.sleep,
        lock: PushLock | None = None,
    ) -> None:
        self.engine = engine
        self.clock = clock
        self.listener = listener
        self._after_push = after_push
        self._sleep = sleep
        self._lock = lock
        """Who pushes each remote of this cache; ``None``: no cross-process lock."""
        self._answering: set[str] = set()
        """Remotes whose incident listing answered during their current push pass."""
        self._answered: set[int] = set()
        """Outbox entries whose last attempt this pusher sent and saw answered (with an
        error): the server is done with it, so a retry need not wait (:meth:`_settle`)."""
        self._marked: dict[int, datetime] = {}
        """Outbox entries this pusher marked ``sending`` in their current attempt, and when
        (remotes push side by side, so by entry)."""

    def close(self) -> None:
        """Let go of the lock file (the engine is closing)."""
        if self._lock is not None:
            self._lock.close()

    async def push(self, connector: Connector, result: RemoteResult) -> RemoteError | None:
        """Send the queued changes in order per incident.

        A change the remote keeps answering with a server error (after the HTTP layer's own
        retries) stays queued, and its incident's later changes wait behind it; the other
        incidents' changes and the pull still go ahead, so one change the server chokes on
        cannot keep a remote from syncing. That error is returned, to fail the pass once
        the rest is done. A second one in the same pass, or an error without an answer
        (no connection, timeout, 429), means the remote as a whole is in trouble: it is
        raised at once. An answer whose ``Retry-After`` is longer than a pass waits
        (:data:`PUSH_WAIT`; a 503, or a 429 that outlasted the retries) stops the push,
        not the pass: the remote's queued changes wait until then, in this pass and in
        later ones (the time is kept in the outbox). ``result`` says until when
        (:attr:`~RemoteResult.waits_until`), and nothing is returned for it: the remote
        answered and said when to send them, so once the pull is done the pass counts
        as synced. A wait the attachment storage asked for (an upload's bytes) holds the
        uploads alone, and the changes of their incidents queued behind them.

        A 401 always fails the pass: the remote refuses our credentials. A 403 to a write
        refuses that change, as a 4xx does, when the remote still answers its listing in
        the pass (the token works, only this is not allowed); when the listing is refused
        too, the token is at fault, and the pass fails with every change still queued.

        Only one process pushes a remote's outbox of a cache at a time (:mod:`push_lock`):
        when another one is at it, this pass sends nothing and leaves the changes to it
        (the pull still goes ahead, and the pass counts as synced)."""
        name = connector.name
        if self._lock is not None and not self._lock.acquire(name):
            waiting = await asyncio.to_thread(outbox.pending_changes, self.engine, name)
            result.deferred = len(waiting)
            return None
        try:
            return await self._push(connector, result)
        finally:
            if self._lock is not None:
                self._lock.release(name)

    async def _push(self, connector: Connector, result: RemoteResult) -> RemoteError | None:
        """:meth:`push`, with the right to push this remote's outbox held."""
        changes = deque(
            await asyncio.to_thread(outbox.pending_changes, self.engine, connector.name)
        )
        if (held := self._held(changes, storage=False)) is not None:
            result.waits_until, result.wait_reason = held
            return None
        uploads = self._held(changes, storage=True)
        if uploads is not None:
            # Only the storage asked: the other changes go, the uploads wait.
            result.waits_until, result.wait_reason = uploads
            result.storage_wait = True
        limit = WAIT_LIMIT.set(PUSH_WAIT)
        try:
            return await self._push_all(connector, result, changes, uploads is not None)
        finally:
            WAIT_LIMIT.reset(limit)

    def _held(self, changes: deque[Change], *, storage: bool) -> tuple[datetime, str] | None:
        """Until when and why nothing may be sent now (the remote asked for a wait that is
        not over, see :data:`PUSH_WAIT`), or with ``storage``, no upload (the remote's
        attachment storage asked, :data:`~.outbox.STORAGE_WAIT`); ``None`` when it did not,
        or the wait is over."""
        now = self.clock()
        waits = [
            (c.next_try_at, c.last_error) for c in changes
            if c.next_try_at is not None and bool(c.payload.get(outbox.STORAGE_WAIT)) == storage
        ]
        until, error = max(waits, key=lambda wait: wait[0], default=(now, None))
        if until <= now:
            return None
        reason = f": {error}" if error else ""
        if storage:
            uploads = sum(1 for c in changes if c.op is ChangeKind.ATTACH)
            what = "1 upload waits" if uploads == 1 else f"{uploads} uploads wait"
            storage_of = f"{changes[0].remote}'s attachment storage"
            return until, f"{what} until {time_of_day(until)} as {storage_of} asked{reason}"
        what = "1 queued change waits" if len(changes) == 1 else (
            f"{len(changes)} queued changes wait"
        )
        return until, f"{what} until {time_of_day(until)} as the remote asked{reason}"

    async def _push_all(
        self, connector: Connector, result: RemoteResult, changes: deque[Change],
        uploads_wait: bool = False,
    ) -> RemoteError | None:
        """Send ``changes`` (see :meth:`push`); with ``uploads_wait``, none of the uploads
        (the attachment storage asked for a wait), nor what follows them."""
        self._answering.discard(connector.name)
        held_back: RemoteError | None = None
        blocked: set[str] = set()
        while changes:
            change = changes.popleft()
            if change.incident_id in blocked:
                continue
            if uploads_wait and change.op is ChangeKind.ATTACH:
                # Its incident's later changes stay behind it: they go in order.
                blocked.add(change.incident_id)
                continue
            # The writes of this change that may have reached the remote (see note_attempt).
            writes: list[str] = []
            tracking = WRITES_SENT.set(writes)
            try:
                touched = await self._push_checked(connector, change)
            except Taken:
                # Gone or changed since we read it (sent by another process, discarded):
                # its incident's later changes wait for the next pass's fresh read.
                blocked.add(change.incident_id)
                continue
            except Conflict as error:
                result.conflicts += 1
                result.unsent.append(
                    Unsent(change.incident_id, change.op.value, str(error), contested=True)
                )
                blocked.add(change.incident_id)
                await self._record_conflict(connector, change, error)
                touched = [change.incident_id]
            except Forbidden as error:
                if not error.write:
                    raise
                self._answered.add(change.seq)
                # Either this change is not allowed (a role that may not delete) or the
                # token is refused everything: the listing tells which. Refused too, the
                # remote fails as a whole (raised from here) and no change is marked
                # refused for what is the token's fault.
                await self._confirm_answering(connector)
                blocked.add(change.incident_id)
                touched = await self._refuse(connector, change, error, result)
            except (AuthFailed, Misdirected) as error:
                marked = self._marked.get(change.seq)
                if marked is not None and not writes:
                    # Refused as the remote's whole trouble before any write of it could
                    # take effect: queued again as never sent, so the next pass sends it
                    # without waiting for an attempt the remote never made, and a discard
                    # may drop it.
                    await asyncio.to_thread(
                        outbox.note_attempt, self.engine, change.seq, str(error),
                        unsent=marked, counted=True,
                    )
                raise
            except RemoteError as error:
                if error.status is not None:
                    self._answered.add(change.seq)
                if isinstance(error, NotFound):
                    await self._confirm_answering(connector)
                if error.retryable:
                    not_before = self._asked_wait(error)
                    marked = self._marked.get(change.seq)
                    await asyncio.to_thread(
                        outbox.note_attempt, self.engine, change.seq, str(error),
                        unsent=None if writes else marked,
                        not_before=not_before,
                        counted=change.seq in self._marked,
                        # Kept with the change: the next attempt may be another process's.
                        answered=marked if error.status is not None else None,
                        storage=error.storage,
                    )
                    touched = [change.incident_id]
                    if not_before is not None and error.storage:
                        # Another server than the API asked: the uploads wait, in this pass
                        # and in later ones, and the other changes go.
                        uploads_wait = True
                        blocked.add(change.incident_id)
                        result.waits_until = not_before
                        result.storage_wait = True
                        result.wait_reason = (
                            f"uploads wait until {time_of_day(not_before)} as "
                            f"{connector.name}'s attachment storage asked: {error}"
                        )
                    elif not_before is not None:
                        # Nothing more goes to the remote in this pass; the pull does.
                        result.waits_until = not_before
                        result.storage_wait = False
                        result.wait_reason = (
                            f"queued changes wait until {time_of_day(not_before)} as the "
                            f"remote asked: {error}"
                        )
                        changes.clear()
                    else:
                        answered = isinstance(error, Unavailable) and error.status is not None
                        if not answered or held_back is not None:
                            raise
                        held_back = Unavailable(
                            f"a change to {change.incident_id} stays queued: {error}",
                            status=error.status,
                        )
                        blocked.add(change.incident_id)
                else:
                    blocked.add(change.incident_id)
                    touched = await self._refuse(connector, change, error, result)
            except asyncio.CancelledError:
                await self._cut_off(change, writes)
                raise
            except (StoreError, sqlite3.OperationalError, OperationalError):
                raise  # the cache's trouble, not this change's: the pass ends with it
            except Exception as error:  # noqa: BLE001 - one change must not stall the remote
                # A change this program cannot send (a payload an older or newer version
                # wrote, or a bug): it stays queued, its incident's later changes wait
                # behind it, and the others and the pull go on; the pass then fails, naming
                # it, until it is sent or discarded.
                blocked.add(change.incident_id)
                reason = f"internal error: {type(error).__name__}: {error}"
                marked = self._marked.get(change.seq)
                if marked is not None and not writes:
                    # Nothing of this attempt left, and the remote had nothing of an earlier
                    # one: queued again as never sent, so a discard may drop it.
                    await asyncio.to_thread(
                        outbox.note_attempt, self.engine, change.seq, reason, unsent=marked,
                        counted=True,
                    )
                    unsettled = False
                else:
                    unsettled = marked is not None or change.state == "sending"
                if held_back is None:
                    what = (
                        "may have reached the remote: the next sync looks for it there"
                        if unsettled
                        else f"stays queued; incident-tui discard {change.seq} drops it"
                    )
                    held_back = RemoteError(
                        f"{reason} (change {change.seq}, {change.op.value} "
                        f"{change.incident_id}, {what})"
                    )
                touched = [change.incident_id]
            else:
                result.pushed += 1
                if change.op is ChangeKind.CREATE or _named_now(change, changes):
                    # The incident's later changes now name it by the remote's id (or the
                    # comment or file deleted while it was being sent by the id it got):
                    # read them again, or they would go as read before this was recorded,
                    # and wait for the next pass.
                    later = await asyncio.to_thread(
                        outbox.pending_changes, self.engine, connector.name
                    )
                    changes = deque(c for c in later if c.seq > change.seq)
            finally:
                WRITES_SENT.reset(tracking)
                self._marked.pop(change.seq, None)
            self.listener.incidents_changed(touched, [])
        return held_back

    async def _cut_off(self, change: Change, writes: list[str]) -> None:
        """The push was stopped (the app quit, the sync interrupted) during an attempt at
        ``change``: when none of its writes got as far as a connection (``writes`` empty, as
        while it waits to retry a remote out of reach), it goes back to ``queued``, as after
        a failed connection, so the next sync sends it at once rather than first waiting
        out an attempt the remote never saw. One whose request may have left stays
        ``sending``, for the next sync to look for on the remote."""
        marked = self._marked.get(change.seq)
        if marked is None or writes:
            return
        try:
            # Shielded: the app may cancel again while it shuts down, and the row must not
            # be left half-told.
            await asyncio.shield(asyncio.to_thread(
                outbox.note_attempt, self.engine, change.seq,
                "stopped before it reached the remote", unsent=marked, counted=True,
            ))
        except (asyncio.CancelledError, StoreError, sqlite3.OperationalError, OperationalError):
            # Left "sending": the next sync waits out the attempt, then looks; nothing lost.
            log.info("change %d stays marked as being sent: stopped again while recording",
                     change.seq)

    async def _refuse(
        self, connector: Connector, change: Change, error: RemoteError, result: RemoteResult
    ) -> list[str]:
        """The remote refused ``change`` for good: it waits for the user (retry or discard)
        with the remote's reason; returns the incidents it touched."""
        result.failed += 1
        await asyncio.to_thread(
            outbox.mark_failed, self.engine, change.seq, str(error),
            counted=change.seq in self._marked,
        )
        gone = isinstance(error, NotFound) and await self._note_if_gone(connector, change)
        result.unsent.append(
            Unsent(change.incident_id, change.op.value, str(error), contested=False, gone=gone)
        )
        return [change.incident_id]

    def _asked_wait(self, error: RemoteError) -> datetime | None:
        """Until when the remote asked, with ``error``, not to be sent anything: only for a
        wait longer than the pass spends on it (:data:`PUSH_WAIT`)."""
        return asked_until(error, self.clock(), longer_than=PUSH_WAIT)

    async def _confirm_answering(self, connector: Connector) -> None:
        """Before a 404 counts as "gone", or a 403 to a write as that change refused: check,
        once per pass, that the remote answers its incident listing; :class:`Misdirected`
        when it answers 404, :class:`AuthFailed` when it refuses us, and every change stays
        queued."""
        if connector.name not in self._answering:
            await connector.probe()
            self._answering.add(connector.name)

    async def _note_if_gone(self, connector: Connector, change: Change) -> bool:
        """After a 404 to ``change``: when the remote says the incident itself is gone (not
        only a comment or attachment the change named), mark it deleted there, as a listing
        that no longer finds it would, and return ``True``. Its refused change keeps it in
        the cache, with the conflict "deleted on the remote" for the user to settle; a retry
        could never work. Only an incremental listing would not have told: it never lists a
        deletion."""
        cached = await asyncio.to_thread(outbox.cached, self.engine, change.incident_id)
        if cached is None or cached.local_only or change.op is ChangeKind.DELETE:
            return False
        try:
            await connector.get(cached.incident.remote_id)
        except NotFound:
            await asyncio.to_thread(
                pull_store.store_reread, self.engine, [], [change.incident_id], self.clock()
            )
            return True
        except RemoteError:
            return False  # it may still be there: the refusal says what the remote said
        return False

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
        if op is ChangeKind.DELETE and not change.payload.get("force"):
            await self._check_delete(connector, change, cached)
        if op in STATUS_CHANGES or op in (ChangeKind.EDIT, ChangeKind.SET_ATTRIBUTE):
            current = await self._remote_copy(connector, current)
            done = self._check_conflict(change, cached, current)
            if done:
                fresh = current
        else:
            done = False
        if op in ADDITIVE:
            # Sending these twice would duplicate them: record the attempt first, with what
            # the remote has before it, and after an interrupted one look on the remote
            # before sending again.
            await self._settle(connector, change)
            there = await self._remote_copy(connector, current)
            if change.state == "sending":
                if op is ChangeKind.COMMENT and there.comments is None:
                    # Sending it again could make it twice, not sending could lose it.
                    raise Unsendable(
                        f"an earlier attempt to send this comment was cut off, and "
                        f"{connector.name} cannot list comments to tell whether it got "
                        f"it: look on the remote, then retry or discard this change"
                    )
                comment, attachment = self._find_sent(change, current, there)
                done = comment is not None or attachment is not None
            if not done:
                await self._mark_sending(change, now, existing=_ids(there, op))
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
        return self._recorded(connector, change, touched)

    async def _mark_sending(
        self, change: Change, now: datetime, *, existing: list[str] | None = None
    ) -> None:
        """Record the attempt before sending; :class:`Taken` when the change is no longer
        as we read it, so it is not sent (again) from here."""
        if not await asyncio.to_thread(
            outbox.mark_sending, self.engine, change, now, existing=existing
        ):
            raise Taken(change.seq)
        self._answered.discard(change.seq)
        self._marked[change.seq] = now

    async def _settle(self, connector: Connector, change: Change) -> None:
        """Before looking on the remote for what an interrupted attempt made: wait until that
        attempt cannot still be under way there.

        A process killed mid-request leaves the change ``sending`` while the server may
        still be handling the request; looking at once would find nothing and send it
        again. The client would have given up on it after the remote's ``timeout``, so
        from the attempt's start plus that (and :data:`SETTLE_MARGIN`) on, what the remote
        shows is final. Only the lock holder gets here, so nobody else sends meanwhile; and
        waiting, rather than leaving the change to a later pass, lets a ``sync --once``
        run right after a crash still send it. Not for an attempt the remote answered (seen
        by this pusher, or recorded with the change as :data:`~.outbox.ANSWERED`). The wait
        is told as a retry's is, so that the progress line says why nothing moves.
        """
        started = change.started_at
        if change.state != "sending" or started is None or change.seq in self._answered:
            return
        answered = change.payload.get(outbox.ANSWERED)
        if isinstance(answered, str) and from_db(answered) == started:
            return
        limit = connector.config.timeout + SETTLE_MARGIN
        # Capped: a clock that went back must not make it wait longer than the rule says.
        left = min(limit, (started - self.clock()).total_seconds() + limit)
        if left <= 0:
            return
        log.info("%s: an interrupted attempt at %s began %.1fs ago; waiting %.1fs for the "
                 "remote to finish it before looking", connector.name, change.incident_id,
                 limit - left, left)
        what = CUT_OFF_SENDS.get(change.op, "change to")
        self.listener.remote_retrying(
            connector.name,
            f"an earlier attempt to send the {what} {change.incident_id} was cut off and may "
            "still be under way on the remote",
            left,
        )
        await self._sleep(left)

    @staticmethod
    async def _remote_copy(connector: Connector, current: Incident) -> Incident:
        """The incident as the remote has it now, comments and attachments included."""
        try:
            return await connector.get(current.remote_id)
        except NotFound:
            raise NotFound("the incident no longer exists on the remote") from None

    @staticmethod
    def _find_sent(
        change: Change, current: Incident, fresh: Incident
    ) -> tuple[Comment | None, Attachment | None]:
        """The comment or attachment an interrupted push already made, if the remote has it
        (``fresh``): one with our text (file name) that was not there when the attempt
        began. What was there is what the attempt recorded, never what the cache knows now:
        anything that read the incident since (``show --fresh``, the TUI's refresh, a
        pull) stored the remote's copy of ours in the cache, and it would look old."""
        before = change.payload.get(outbox.EXISTING)
        if before is None:
            # Recorded by a version that did not keep it: the cache's view is all there is.
            before = _ids(current, change.op)
        existed = set(map(str, before))
        if change.op is ChangeKind.COMMENT:
            body = str(change.payload.get("body", "")).strip()
            for comment in fresh.comments or ():
                if comment.remote_id not in existed and comment.body.strip() == body:
                    return comment, None
            return None, None
        name = change.payload.get("name")
        for attachment in fresh.attachments or ():
            if attachment.remote_id not in existed and attachment.name == name:
                return None, attachment
        return None, None

    async def _apply(
        self, connector: Connector, op: ChangeKind, change: Change, current: Incident
    ) -> tuple[Incident | None, Comment | None, Attachment | None]:
        payload = change.payload
        if op is ChangeKind.ACKNOWLEDGE:
            return await connector.acknowledge(current), None, None
        if op is ChangeKind.RESOLVE:
            return await connector.resolve(current, made_at=change.made_at), None, None
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
        if op in REMOVALS:
            try:
                await self._remove(connector, op, payload, current)
            except NotFound:
                # Already gone is what we wanted, once the remote is known to answer.
                await self._confirm_answering(connector)
            return None, None, None
        if op is ChangeKind.ATTACH:
            upload = getattr(connector, "upload_attachment", None)
            if upload is None:
                raise Unsupported(f"{connector.kind} has no attachments")
            # The kept copy goes when the upload is recorded (outbox.complete), not before:
            # until then a retry may need it.
            path = await asyncio.to_thread(outbox.upload_copy, self.engine, payload["path"])
            gone = Unsendable(
                f"the copy of {payload.get('name') or path.name} kept for upload is gone "
                f"({path}): discard this change and attach the file again"
            )
            # Looked at first, so the remote is not asked to expect a file that never comes.
            if not await asyncio.to_thread(path.is_file):
                raise gone
            try:
                attached = await upload(current, path, payload.get("content_type"))
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise gone from None
            return None, None, attached
        if op is ChangeKind.SET_ATTRIBUTE:
            setter = getattr(connector, "set_attribute", None)
            if setter is None:
                raise Unsupported(f"{connector.kind} has no attributes")
            # ``current`` was just read from the remote: an attribute with no value there is
            # initialised, one with a value edited, whatever the cache knew when this was
            # queued (someone may have set or cleared it since, or the user kept theirs).
            unset = (current.custom_fields or {}).get(payload["name"]) is None
            fresh = await setter(current, payload["name"], payload["value"], create=unset)
            return fresh, None, None
        raise Unsupported(f"unknown change {op}")

    @staticmethod
    async def _remove(
        connector: Connector, op: ChangeKind, payload: dict[str, Any], current: Incident
    ) -> None:
        """Send a deletion; :class:`NotFound` when the remote says it is already gone."""
        if op is ChangeKind.DELETE:
            await connector.delete(current)
        elif unnamed(op, payload):
            # The send it waited behind went without handing its id on (an older version
            # discarded it, or the cache was edited by hand): nothing names it on the remote.
            what = "comment" if op is ChangeKind.DELETE_COMMENT else "file"
            raise Unsendable(
                f"no remote id was recorded for the {what} this deletes: look for it on the "
                f"remote, delete it there if it is, then discard this change"
            )
        elif op is ChangeKind.DELETE_COMMENT:
            comment_id = str(payload["comment_id"])
            known = any(c.remote_id == comment_id for c in current.comments or ())
            if payload.get("visibility") and not known:
                # The cached row went when the deletion was queued; its kind came along.
                gone = Comment(comment_id, "", visibility=payload["visibility"])
                current = replace(current, comments=[*(current.comments or ()), gone])
            await connector.delete_comment(current, comment_id)
        else:
            remove = getattr(connector, "delete_attachment", None)
            if remove is None:
                raise Unsupported(f"{connector.kind} has no attachments")
            await remove(current, payload["object_id"])

    def _check_conflict(self, change: Change, cached: outbox.Cached, current: Incident) -> bool:
        """Raise :class:`Conflict` if the remote changed a field this change also changes
        since our last pull. Returns True when the remote already has what we want."""
        if change.payload.get("force"):
            return False
        if change.op is ChangeKind.SET_ATTRIBUTE:
            return _check_attribute(change.payload, current)
        ours: dict[str, Any]
        if change.op in STATUS_CHANGES:
            ours = {"status": status_after(change.op, cached.incident.kind).value}
        elif change.op is ChangeKind.EDIT:
            ours = dict(change.payload.get("changes", {}))
        else:
            return False
        if change.op in STATUS_CHANGES and _reached_for_good(change.op, current):
            return True
        theirs = base_of(current)
        # A change the remote refused once keeps the base it was queued against when a pull
        # stored the remote's newer values since: the user's retry does not agree to them.
        kept = change.payload.get(REFUSED_BASE)
        bases = {**cached.base, **kept} if isinstance(kept, dict) else dict(cached.base)
        # An edit made against values a sync replaced before it was saved: those values
        # are what it was made against (older than any base a pull kept since).
        read = change.payload.get(READ_BASE)
        if isinstance(read, dict):
            bases.update(read)
        contested: list[str] = []
        unread = False
        for name, value in ours.items():
            if name not in bases:
                continue
            base = bases[name]
            if theirs.get(name) != base and theirs.get(name) != value:
                # A summary row carries no description (Kitehouse): the edit was made
                # without the remote's text, which must not be written over unseen.
                never_read = name == "description" and base is None and not cached.hydrated
                if never_read and not theirs.get(name):
                    continue  # the remote has none either (an empty text): nothing to lose
                contested.append(name)
                unread = unread or never_read
        if contested:
            raise Conflict(_contested_reason(contested, unread), fields=tuple(contested))
        return all(theirs.get(name) == value for name, value in ours.items())

    @staticmethod
    async def _check_delete(connector: Connector, change: Change, cached: outbox.Cached) -> None:
        """Raise :class:`Conflict` when the remote changed the incident's fields since it was
        last read here: a delete queued offline, or waiting behind a refusal, must not take
        a colleague's later changes with it unseen. One the remote no longer has is left to
        the delete, which takes "already gone" for done."""
        try:
            theirs = base_of(await connector.get(cached.incident.remote_id))
        except NotFound:
            return
        except (Refused, BadResponse) as error:
            # A full record this one remote will not give (a 4xx for it, an answer that
            # cannot be read) leaves nothing to compare: the delete goes as it did before
            # this check, rather than refused for a read it never asked for.
            log.info("%s: %s cannot be read before its delete (%s); deleting it as it is",
                     connector.name, change.incident_id, error)
            return
        # As for an edit: a refused delete's retry does not agree to what a pull stored since.
        kept = change.payload.get(REFUSED_BASE)
        bases = {**cached.base, **kept} if isinstance(kept, dict) else cached.base
        changed = [
            name
            for name, base in bases.items()
            if name in theirs
            and theirs[name] != base
            # A description never read here (a Kitehouse summary): the user deleting it
            # saw none, so none of theirs was changed under the user.
            and not (name == "description" and base is None and not cached.hydrated)
        ]
        if changed:
            raise Conflict(
                f"the remote changed {', '.join(changed)} since it was last read here: keep "
                "mine to delete it anyway, or take theirs to keep it",
                fields=tuple(changed),
            )

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
            ours = {"status": status_after(change.op, connector.kind).value}
        attributes: dict[str, Any] | None = None
        if change.op is ChangeKind.SET_ATTRIBUTE:
            name = str(change.payload.get("name"))
            ours = {name: change.payload.get("value")}
            if theirs is not None:
                # Kept so that taking theirs shows their value at once.
                attributes = {name: (theirs.custom_fields or {}).get(name)}
        fields = list(error.fields) or sorted(ours)
        await asyncio.to_thread(
            outbox.mark_conflict, self.engine, change.seq, fields, ours, theirs, str(error),
            attributes=attributes,
        )

    async def _push_create(self, connector: Connector, change: Change) -> list[str]:
        payload = change.payload
        draft = Draft(
            title=str(payload.get("title") or ""),
            description=payload.get("description"),
            severity=Severity(payload["severity"]) if payload.get("severity") else None,
            container=payload.get("container"),
            made_at=change.made_at,
        )
        created: Incident | None = None
        if change.state == "sending":
            # A previous attempt may have reached the remote: look before creating again.
            await self._settle(connector, change)
            since = (change.started_at or self.clock()) - timedelta(minutes=2)
            taken = await asyncio.to_thread(outbox.created_here, self.engine, connector.name)
            created = await connector.find_created(draft, change.key, since, taken=taken)
        if created is None:
            await self._mark_sending(change, self.clock())
            created = await connector.create(draft, change.key)
        if self._after_push is not None:
            self._after_push(change)
        touched = await asyncio.to_thread(
            outbox.complete, self.engine, change, None, self.clock(), created=created
        )
        return self._recorded(connector, change, touched)

    @staticmethod
    def _recorded(
        connector: Connector, change: Change, written: UpsertResult | None
    ) -> list[str]:
        """The incidents recording ``change`` touched; :class:`Taken` when it left the outbox
        while it was being sent (:func:`outbox.complete`), so it is not counted as pushed:
        the remote has what the user dropped, and the next pull shows it."""
        if written is None:
            log.warning("%s: change %d (%s %s) was sent, but it had left the outbox meanwhile; "
                        "not counted as pushed", connector.name, change.seq, change.op.value,
                        change.incident_id)
            raise Taken(change.seq)
        return written.touched()


def _contested_reason(contested: list[str], unread: bool) -> str:
    """Why an edit or status change of the ``contested`` fields waits for the user;
    ``unread``: the description among them was never read from the remote here."""
    changed = [name for name in contested if not (unread and name == "description")]
    reasons = [f"the remote changed {', '.join(changed)} since the last sync"] if changed else []
    if unread:
        reasons.append("the remote has a description that was not loaded when this was edited")
    return "; ".join(reasons)


def _check_attribute(payload: dict[str, Any], current: Incident) -> bool:
    """:meth:`Pusher._check_conflict` for a custom attribute: a conflict when the remote's
    value is neither the one it had when the change was queued (``was``) nor ours; done when
    it is ours already. Without ``was`` (the user kept their own value over a conflict, or
    an earlier version queued it) it is sent over whatever the remote has. Values compare as
    the remote stores them, by the type its own value has: a STRING keeps our 123 as "123"."""
    if "was" not in payload:
        return False
    name, ours = str(payload.get("name")), payload.get("value")
    theirs = (current.custom_fields or {}).get(name)
    if same_value(ours, theirs):
        return True
    if not same_value(payload["was"], theirs):
        shown = shorten(clean(json.dumps(theirs, default=str), single_line=True), 60)
        raise Conflict(f"the remote changed {name} since the last sync (it has {shown})",
                       fields=(name,))
    return False


def _reached_for_good(op: ChangeKind, current: Incident) -> bool:
    """Whether the remote already has the status ``op`` leads to, or one past it, on a kind
    that cannot go back (no reopen, as Revily: resolved is final). Keeping ours could only
    end where the remote already is, so the change is done rather than a conflict; where a
    reopen exists (AOH IMS), writing ours over a remote resolve is a real choice."""
    if op is ChangeKind.REOPEN or can(current.kind, Capability.REOPEN):
        return False
    target = status_after(op, current.kind)
    return _STATUS_RANK[current.status] >= _STATUS_RANK[target]


def _named_now(sent: Change, later: deque[Change]) -> bool:
    """Whether a deletion among the ``later`` changes waited for the remote id of the
    comment or file ``sent`` just sent (queued while it was being sent), which it has now."""
    if sent.op not in ADDITIVE:
        return False
    return any(
        c.incident_id == sent.incident_id and unnamed(c.op, c.payload) for c in later
    )


def _ids(incident: Incident, op: ChangeKind) -> list[str]:
    """The remote ids of the incident's comments (``op`` COMMENT) or attachments (ATTACH)."""
    items = incident.comments if op is ChangeKind.COMMENT else incident.attachments
    return [item.remote_id for item in items or ()]
