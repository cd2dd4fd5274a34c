"""Reading a child process's output line by line with a deadline: a thread reads the pipe,
so a line that never comes fails the test with what did come, instead of blocking it."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from typing import IO


class ChildLines:
    """The lines of one pipe of a child process (text mode), read by a daemon thread."""

    def __init__(self, stream: IO[str], name: str = "the child process") -> None:
        self.name = name
        self.seen: list[str] = []
        """Every line read from the pipe so far, taken or not (for failure messages)."""
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._ended = False
        threading.Thread(target=self._pump, args=(stream,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        try:
            for line in stream:
                self.seen.append(line)
                self._lines.put(line)
        except (OSError, ValueError):
            pass  # the pipe was closed under us: that is the end of the output
        finally:
            self._lines.put(None)

    def get(self, timeout: float) -> str | None:
        """The next line (with its newline), or ``None`` once the pipe is closed; fails the
        test when no line comes within ``timeout`` seconds."""
        if self._ended:
            return None
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(
                f"no line from {self.name} within {timeout:g} s; it printed: {self.seen!r}"
            ) from None
        if line is None:
            self._ended = True
        return line

    def wait_for(self, wanted: Callable[[str], bool], timeout: float, what: str) -> str:
        """The first line ``wanted`` accepts, read within ``timeout`` seconds in all; fails
        the test naming ``what`` when it does not come or the output ends first."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(
                    f"{what}: not printed by {self.name} within {timeout:g} s; "
                    f"it printed: {self.seen!r}"
                )
            line = self.get(left)
            if line is None:
                raise AssertionError(
                    f"{what}: {self.name} ended its output without it; it printed: {self.seen!r}"
                )
            if wanted(line):
                return line

    def rest(self, timeout: float) -> list[str]:
        """The remaining lines up to the end of the output (the process has ended or is
        ending), read within ``timeout`` seconds in all."""
        deadline = time.monotonic() + timeout
        lines = []
        while (line := self.get(max(deadline - time.monotonic(), 0.001))) is not None:
            lines.append(line)
        return lines
