"""Fault injection for the emulators: the misbehaviours a test can ask for (an error status,
a delay, a slow or malformed or truncated body, an endless one, one that expands hugely once
decoded, a dropped connection, no answer at all) and the thread-safe queue the server takes
them from, request by request.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Literal, get_args

FaultKind = Literal[
    "status", "delay", "slow", "malformed", "truncated", "drop", "hang", "endless", "bomb"
]
FAULT_KINDS: tuple[str, ...] = get_args(FaultKind)
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")
"""The request methods a fault can be limited to."""

SLOW_PIECES = 10
"""Pieces a ``slow`` fault sends a body in."""
HANG_LIMIT = 60.0
"""Longest a ``hang`` fault without a ``delay`` keeps a request unanswered (seconds), should
nothing clear the faults: a forgotten one must not hold a server thread for ever."""
BOMB_SIZE = 1 << 30
"""Bytes a ``bomb`` fault's body expands to unless it says otherwise: past the memory limit
of any client that reads answers whole."""


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` matching requests (``times=-1``: until cleared).

    kinds: ``status`` (answer ``status`` with ``body`` and an optional ``Retry-After``),
    ``delay`` (sleep ``delay`` seconds, then answer normally), ``slow`` (the real answer,
    its body in :data:`SLOW_PIECES` pieces ``delay`` seconds apart, or a streamed one's
    (server-sent events) own pieces ``delay`` seconds apart: a slow link, for progress that
    must show while a body comes), ``malformed`` (200 with a body that is not JSON),
    ``truncated`` (the real answer cut off halfway, connection closed; a stream after half
    its pieces, in chunked framing so the client can tell it was cut),
    ``drop`` (close the connection without answering), ``hang`` (no answer until the faults
    are cleared, or ``delay`` seconds if given, then as ``drop``: a server that stopped
    answering, whatever the client's timeout and however slow the machine), ``endless``
    (the real status and headers, then a body that never ends: blank space, a byte every
    ``delay`` seconds (a trickle) or, without a delay, as fast as it goes (a flood); until
    the client hangs up or the faults are cleared, at most :data:`HANG_LIMIT` seconds),
    ``bomb`` (the real status and headers, then a gzip body of blank space that expands to
    ``size`` bytes, about a thousandth of that over the wire).
    """

    kind: FaultKind
    method: str | None = None
    path: str | None = None
    """A regular expression searched in the request path; ``None`` matches every path."""
    status: int = 500
    retry_after: str | None = None
    delay: float = 0.0
    body: Any = None
    times: int = 1
    size: int = BOMB_SIZE

    def __post_init__(self) -> None:
        # A fault that can never match (a method list, a typo'd kind) would pass silently
        # and the test or the person poking at the emulator would wonder why nothing fails.
        if self.kind not in FAULT_KINDS:
            raise ValueError(f"kind must be one of {', '.join(FAULT_KINDS)}, not {self.kind!r}")
        if self.method is not None and self.method.upper() not in METHODS:
            raise ValueError(
                f"method must be one of {', '.join(METHODS)} (one method per fault), "
                f"not {self.method!r}"
            )
        if self.path is not None:
            try:
                re.compile(self.path)
            except re.error as exc:
                raise ValueError(f"path is not a regular expression: {exc}") from None
        if not 100 <= self.status <= 599:
            raise ValueError(f"status must be an HTTP status (100-599), not {self.status}")
        if not 0 < self.size <= 16 * BOMB_SIZE:
            raise ValueError(f"size must be 1 to {16 * BOMB_SIZE} bytes, not {self.size}")

    def matches(self, method: str, path: str) -> bool:
        """Whether this fault applies to the request."""
        if self.method and self.method.upper() != method:
            return False
        return self.path is None or re.search(self.path, path) is not None


class FaultPlan:
    """The queue of faults an emulator will inject, thread-safe."""

    def __init__(self) -> None:
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        # Set, and replaced, by clear(): lets the requests held by ``hang`` faults go.
        self._release = threading.Event()
        self.hung = 0
        """Requests a ``hang`` fault is holding right now."""

    def add(self, kind: FaultKind, **options: Any) -> Fault:
        """Queue a fault; see :class:`Fault` for the options."""
        fault = Fault(kind=kind, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget every queued fault, and close the requests ``hang`` faults hold."""
        with self._lock:
            self._faults.clear()
            release, self._release = self._release, threading.Event()
        release.set()

    def released(self) -> threading.Event:
        """Set once the faults are cleared: a request an ``endless`` fault holds stops."""
        with self._lock:
            return self._release

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counting it used.

        A ``hang`` fault is served here, in the request's thread: this returns only once the
        faults are cleared (or its ``delay`` passed), with a ``drop`` for the server to
        close the connection."""
        with self._lock:
            fault = next((f for f in self._faults if f.matches(method, path)), None)
            if fault is not None and fault.times > 0:
                fault.times -= 1
                if fault.times == 0:
                    self._faults.remove(fault)
            release = self._release
            if fault is not None and fault.kind == "hang":
                self.hung += 1
        if fault is None or fault.kind != "hang":
            return fault
        try:
            release.wait(fault.delay or HANG_LIMIT)
        finally:
            with self._lock:
                self.hung -= 1
        return Fault("drop")
