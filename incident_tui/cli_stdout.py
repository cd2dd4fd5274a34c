"""Standard output as the commands write to it: a write it cannot take (a full disk, a closed
stream) becomes :class:`OutputError`, which the command line reports in one line, rather than
an ``OSError`` or ``AttributeError`` from wherever the command happened to print.

A pipe closed by its reader (``| head``) stays a :class:`BrokenPipeError`: that ends the
command quietly, as the reader asked for no more."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast


class OutputError(Exception):
    """Standard output cannot take what the command writes; the text says why."""


class GuardedStdout:
    """A stand-in for ``sys.stdout`` that raises :class:`OutputError` where writing to the
    real stream fails, or where there is none (the program started with it closed)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def write(self, text: str) -> int:
        """Write ``text`` to the stream."""
        with _failures():
            return self._open().write(text)

    def flush(self) -> None:
        """Flush the stream: text it kept back fails here, not unseen at the exit."""
        if self.stream is None:
            return
        with _failures():
            self.stream.flush()

    def isatty(self) -> bool:
        """Whether the stream is a terminal (a closed one is not)."""
        return self.stream is not None and self.stream.isatty()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._open(), name)

    def _open(self) -> TextIO:
        if self.stream is None:
            raise OutputError("it is closed")
        return self.stream

    def silence(self) -> None:
        """Send what the stream still holds to the null device: after a failed write the
        interpreter flushes it once more at the exit, and would fail again there."""
        if self.stream is None:
            return
        try:
            number = self.stream.fileno()
        except (OSError, ValueError):
            return  # no file behind it (a test's capture): nothing is flushed to one
        null = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(null, number)
        finally:
            os.close(null)


@contextlib.contextmanager
def _failures() -> Iterator[None]:
    """Turn a failed write into :class:`OutputError`, leaving a closed pipe as it is."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as error:
        raise OutputError(error.strerror or str(error)) from None


@contextlib.contextmanager
def guarded_stdout() -> Iterator[GuardedStdout]:
    """Put a :class:`GuardedStdout` over ``sys.stdout`` for the duration; the stream as it
    was comes back after."""
    before = sys.stdout
    guard = GuardedStdout(before)
    sys.stdout = cast(TextIO, guard)
    try:
        yield guard
    finally:
        sys.stdout = before
