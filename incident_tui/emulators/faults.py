"""Fault injection for the emulators: the misbehaviours a test can ask for (an error status,
a delay, a malformed or truncated body, a dropped connection) and the thread-safe queue the
server takes them from, request by request.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, Literal

FaultKind = Literal["status", "delay", "malformed", "truncated", "drop"]


@dataclass
class Fault:
    """A misbehaviour for the next ``times`` matching requests (``times=-1``: until cleared).

    kinds: ``status`` (answer ``status`` with ``body`` and an optional ``Retry-After``),
    ``delay`` (sleep ``delay`` seconds, then answer normally), ``malformed`` (200 with a body
    that is not JSON), ``truncated`` (the real answer cut off halfway, connection closed),
    ``drop`` (close the connection without answering).
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

    def add(self, kind: FaultKind, **options: Any) -> Fault:
        """Queue a fault; see :class:`Fault` for the options."""
        fault = Fault(kind=kind, **options)
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear(self) -> None:
        """Forget every queued fault."""
        with self._lock:
            self._faults.clear()

    def take(self, method: str, path: str) -> Fault | None:
        """The first fault matching the request, counting it used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, path):
                    if fault.times > 0:
                        fault.times -= 1
                        if fault.times == 0:
                            self._faults.remove(fault)
                    return fault
        return None
