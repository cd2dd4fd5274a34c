"""Standard error as the command line writes to it: a line it cannot take (closed with
``2>&-``, a full disk, a pipe whose reader left) is dropped, as there is nowhere left to say
anything, and the command goes on to its own exit status.

Without this, a closed stderr sent every ``incident-tui: …`` line to standard output
(``print(file=None)`` prints there), into the JSON or CSV a script reads; a full one ended a
command that had queued its change with a traceback nobody saw and exit status 120; and a
download with stderr closed failed before it began."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast

from incident_tui.cli_stdout import to_null


class QuietStderr:
    """A stand-in for ``sys.stderr`` that drops what the real stream cannot take, or all of
    it where there is none (the program started with it closed)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.failed = False
        """Whether a write failed, and the stream was sent to the null device since."""

    def write(self, text: str) -> int:
        """Write ``text`` to the stream, or drop it where the stream cannot take it."""
        if self.stream is not None and not self.failed:
            try:
                return self.stream.write(text)
            except (OSError, ValueError):
                self._fail()
        return len(text)

    def flush(self) -> None:
        """Flush the stream; text it cannot take is dropped."""
        if self.stream is not None and not self.failed:
            try:
                self.stream.flush()
            except (OSError, ValueError):
                self._fail()

    def isatty(self) -> bool:
        """Whether the stream is a terminal (a closed or failed one is not)."""
        return self.stream is not None and not self.failed and self.stream.isatty()

    def _fail(self) -> None:
        self.failed = True
        if self.stream is not None:
            # What the stream still holds is flushed once more at the exit: it goes to the
            # null device there, rather than failing with exit status 120.
            to_null(self.stream)

    def __getattr__(self, name: str) -> Any:
        if self.stream is None:
            raise AttributeError(name)
        return getattr(self.stream, name)


@contextlib.contextmanager
def quiet_stderr() -> Iterator[QuietStderr]:
    """Put a :class:`QuietStderr` over ``sys.stderr`` for the duration; the stream as it was
    comes back after."""
    before = sys.stderr
    guard = QuietStderr(before)
    sys.stderr = cast(TextIO, guard)
    try:
        yield guard
    finally:
        sys.stderr = before
