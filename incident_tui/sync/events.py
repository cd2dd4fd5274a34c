"""What the sync engine reports while it works: plain data and a listener protocol.

The TUI turns these callbacks into Textual messages; the command line prints them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from incident_tui.domain.text import counted


@dataclass(frozen=True, slots=True)
class Unsent:
    """A change this pass could not send and that now waits for the user: the remote refused
    it (retry or discard), or changed the same fields under it (keep mine or take theirs)."""

    incident_id: str
    op: str
    """The change's kind, in the outbox's words (``acknowledge``, ``comment``…)."""
    reason: str
    contested: bool
    """A conflict (True) or a refusal (False)."""
    gone: bool = False
    """Refused because the incident itself is gone from the remote: kept in the cache as
    deleted there (or as one the system its remote now points at does not have), a conflict
    (take theirs or discard); a retry could never work."""


@dataclass(slots=True)
class RemoteResult:
    """How one remote's pass went."""

    remote: str
    ok: bool
    pulled: int = 0
    pushed: int = 0
    failed: int = 0
    conflicts: int = 0
    removed: int = 0
    requests: int = 0
    error: str | None = None
    offline: bool = False
    """True when the remote could not be reached at all (as opposed to answering an error)."""
    seconds: float = 0.0
    waiting_refused: int = 0
    """Refused changes in the remote's outbox after the pass, this pass's and earlier ones,
    waiting for the user to retry or discard them. ``failed`` counts only this pass's."""
    waiting_conflicts: int = 0
    """Contested changes in the outbox after the pass, waiting for keep mine / take theirs."""
    deferred: int = 0
    """Queued changes this pass left to another process on the same cache that holds the
    right to send them (:mod:`~incident_tui.sync.push_lock`)."""
    held: int = 0
    """Queued changes held behind those (later changes of the same incidents), not sent
    until the user answers. The three ``waiting``/``held`` counts are read from the cache
    after the pass by the listener that reports it (the command line's); 0 if none does."""

    waits_until: datetime | None = None
    """Until when the remote asked (``Retry-After`` on an answer to a queued change) not to
    be sent its queued changes: this pass sent none of them, and still counts as synced
    when the rest went through (the remote answered, and said when to send them)."""
    wait_reason: str | None = None
    """That wait in words: until when, and the remote's answer that asked for it."""
    storage_wait: bool = False
    """The wait is the attachment storage's (Kitehouse): only the uploads wait, and what is
    queued behind one on its incident; the other changes went."""

    unsent: list[Unsent] = field(default_factory=list)
    """This pass's refused and contested changes, in the order they were sent (``failed``
    and ``conflicts`` count them), so the TUI can say which incident needs an answer."""

    unrecorded: bool = False
    """The cache could not note how the pass went (read-only, full, kept locked): its
    remote state still tells the pass before, and only this result tells this one."""

    def summary(self) -> str:
        """One line for the command line and the log; it ends with the changes still
        waiting for the user, so every pass says so, not only the one that was refused."""
        waiting = self.waiting_text()
        after = f"; waiting for you: {waiting} (see incident-tui outbox)" if waiting else ""
        if not self.ok:
            state = "offline" if self.offline else "failed"
            return f"{self.remote}: {state}: {self.error}{after}"
        parts = [f"pulled {self.pulled}", f"pushed {self.pushed}"]
        if self.removed:
            parts.append(f"removed {self.removed}")
        if self.failed:
            parts.append(f"{self.failed} refused")
        if self.conflicts:
            parts.append(f"{self.conflicts} conflicts")
        if self.deferred:
            parts.append(f"{self.deferred} left to another incident-tui sending them")
        waits = f"; {self.wait_reason}" if self.wait_reason else ""
        return (
            f"{self.remote}: ok, " + ", ".join(parts) + f" ({self.seconds:.1f}s){waits}{after}"
        )

    def waiting_text(self) -> str:
        """``1 refused change, 1 held behind it``: what waits for the user (empty: none)."""
        parts: list[str] = []
        if self.waiting_refused:
            parts.append(counted(self.waiting_refused, "refused change"))
        if self.waiting_conflicts:
            parts.append(counted(self.waiting_conflicts, "conflict"))
        if self.held:
            blocking = self.waiting_refused + self.waiting_conflicts
            parts.append(f"{self.held} held behind {'it' if blocking == 1 else 'them'}")
        return ", ".join(parts)


@dataclass(slots=True)
class SyncReport:
    """The outcome of one pass over the remotes."""

    results: list[RemoteResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Every remote synced."""
        return all(r.ok for r in self.results)


class SyncListener(Protocol):
    """Callbacks of the sync engine; called on the engine's event loop, keep them quick."""

    def remote_started(self, remote: str) -> None:
        """A remote's pass begins."""

    def remote_progress(self, remote: str, listed: int) -> None:
        """``listed``: how many incidents a remote's listing has brought so far in this pass,
        changed or not (called per page, once the page is stored)."""

    def remote_details(self, remote: str, fetched: int, total: int) -> None:
        """``fetched`` of the ``total`` full records a pass fetches (comments, description)
        are in for a remote (called per batch, after the listing)."""

    def remote_retrying(self, remote: str, reason: str, delay: float) -> None:
        """A request of the remote's pass failed for ``reason`` and goes again in ``delay``
        seconds (a server error, no answer in time, a dropped connection, 429)."""

    def remote_finished(self, result: RemoteResult) -> None:
        """A remote's pass ended (successfully or not)."""

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Cached incidents changed; ``urgent_new`` are newly arrived critical/major ones."""


class NullListener:
    """A listener that ignores everything."""

    def remote_started(self, remote: str) -> None:
        """Ignored."""

    def remote_progress(self, remote: str, listed: int) -> None:
        """Ignored."""

    def remote_details(self, remote: str, fetched: int, total: int) -> None:
        """Ignored."""

    def remote_retrying(self, remote: str, reason: str, delay: float) -> None:
        """Ignored."""

    def remote_finished(self, result: RemoteResult) -> None:
        """Ignored."""

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Ignored."""
