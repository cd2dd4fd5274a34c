"""App-level messages: what workers (store actions, the sync engine) tell the UI.

They are posted to the App from worker threads (``post_message`` is thread-safe); the App
turns them into signals that screens subscribe to.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, NamedTuple, ParamSpec

from textual.dom import DOMNode
from textual.message import Message
from textual.worker import Worker, WorkerState, get_current_worker

if TYPE_CHECKING:
    from incident_tui.sync.events import RemoteResult


P = ParamSpec("P")


class Changed(NamedTuple):
    """Payload of the App's ``incidents_changed`` signal."""

    ids: list[str]
    focus: str | None = None
    """An incident the list should put its cursor on (a new one), if any."""


class IncidentsChanged(Message):
    """Cached incidents changed (a local action or a sync pass)."""

    def __init__(
        self, ids: list[str], *, focus: str | None = None, urgent: list[str] | None = None
    ) -> None:
        super().__init__()
        self.ids = ids
        self.focus = focus
        self.urgent = urgent or []


class RemoteStarted(Message):
    """A remote's sync pass began."""

    def __init__(self, remote: str) -> None:
        super().__init__()
        self.remote = remote


class RemoteProgress(Message):
    """How far a remote's pass has come (``12,000 listed``, ``details 25/200``); only the
    latest one per remote matters. ``then``: what to show instead ``after`` seconds from
    now, unless a newer report came (a retry's wait is over, and the request is out)."""

    def __init__(self, remote: str, words: str, *, then: str = "", after: float = 0.0) -> None:
        super().__init__()
        self.remote = remote
        self.words = words
        self.then = then
        self.after = after

    def can_replace(self, message: Message) -> bool:
        """Coalesce: a newer progress report of the same remote replaces a queued one."""
        return isinstance(message, RemoteProgress) and message.remote == self.remote


class RemoteFinished(Message):
    """A remote's sync pass ended."""

    def __init__(self, result: RemoteResult) -> None:
        super().__init__()
        self.result = result


class SyncProblem(Message):
    """The sync loop could not run (engine missing) or a pass failed unexpectedly."""

    def __init__(self, text: str, *, fatal: bool = False) -> None:
        super().__init__()
        self.text = text
        self.fatal = fatal


class WorkerFailed(Message):
    """A worker anywhere in the app raised; the App shows it (one handler for all)."""

    def __init__(self, name: str, error: BaseException) -> None:
        super().__init__()
        self.name = name
        self.error = error


def forward_worker_failure(node: DOMNode, event: Worker.StateChanged) -> None:
    """Send a failed worker's error to the App (``Worker.StateChanged`` does not bubble)."""
    if event.state is WorkerState.ERROR and event.worker.error is not None:
        node.app.post_message(WorkerFailed(event.worker.name, event.worker.error))


def deliver_latest(
    node: DOMNode, show: Callable[P, object], *args: P.args, **kwargs: P.kwargs
) -> None:
    """From an exclusive thread worker, call ``show`` on the UI thread unless a newer worker
    of the group has replaced this one.

    Cancelling a thread worker does not stop its thread, so an older read can finish after a
    newer one; the check runs on the UI thread, where cancellation happens, so a stale result
    never paints over a fresh one."""
    worker = get_current_worker()

    def deliver() -> None:
        if not worker.is_cancelled:
            show(*args, **kwargs)

    node.app.call_from_thread(deliver)
