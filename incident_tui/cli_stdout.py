"""Standard output as the commands write to it: a write it cannot take (a full disk, a closed
stream) becomes :class:`OutputError`, which the command line reports in one line, rather than
an ``OSError`` or ``AttributeError`` from wherever the command happened to print.

A pipe closed by its reader (``| head``) stays a :class:`BrokenPipeError`: that ends the
command quietly, as the reader asked for no more.

Once the work is done, output is no reason to fail: a command that queued or changed
something says so with :func:`done`, and a sync marks its lines as :func:`not_essential`.
Their output that fails after that is dropped, and stderr says so: for each thing done, that
it was done all the same (running the command again would do it twice); for a sync, once.
A pipe its reader closed by then drops the output quietly, and the command still ends its
work (the other ids it was given, the pass under way) and exits with its own status: the
reader asked for no more output, not for half the work."""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import Any, TextIO, cast

from incident_tui.domain.text import clean


class OutputError(Exception):
    """Standard output cannot take what the command writes; the text says why."""


class GuardedStdout:
    """A stand-in for ``sys.stdout`` that raises :class:`OutputError` where writing to the
    real stream fails, or where there is none (the program started with it closed)."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream
        self.lost: str | None = None
        """Why output is dropped since a write failed after the work was done; ``None``:
        nothing was dropped."""
        self._done: list[str] = []
        """The lines saying what was done that have not surely reached the stream."""
        self._essential = True
        """Whether a failed write fails the command (nothing done yet)."""
        self._going_on = ""
        """What stderr says goes on when output fails while not essential (a sync)."""
        self.reader_gone = False
        """Whether the reader closed the pipe after the work began (output dropped quietly)."""

    def write(self, text: str) -> int:
        """Write ``text`` to the stream (dropped once output was lost after the work)."""
        if self.lost is not None:
            return len(text)
        try:
            with _failures():
                return self._open().write(text)
        except OutputError as error:
            self._lose(error)
        except BrokenPipeError:
            if self._essential:
                raise
            self._reader_left()
        return len(text)

    def flush(self) -> None:
        """Flush the stream: text it kept back fails here, not unseen at the exit."""
        if self.stream is None or self.lost is not None:
            return
        try:
            with _failures():
                self.stream.flush()
        except OutputError as error:
            self._lose(error)
        except BrokenPipeError:
            if self._essential:
                raise
            self._reader_left()
        else:
            self._done.clear()  # they are out: nothing to repeat on stderr

    def done(self, text: str) -> None:
        """``text`` says what the command did: from now on output that fails is dropped and
        stderr says ``text``, as the work stands whether it was printed or not."""
        self._essential = False
        self._done.append(text)
        if self.lost is not None and not self.reader_gone:
            self._say(f"done all the same: {text}")

    def not_essential(self, going_on: str) -> None:
        """From now on output that fails is dropped, said once on stderr with ``going_on``
        (what happens all the same)."""
        self._essential = False
        self._going_on = going_on

    def _lose(self, error: OutputError) -> None:
        """Output failed: fail the command while nothing is done, else drop the output and
        say on stderr what stands all the same."""
        if self._essential:
            raise error
        self.lost = str(error)
        if self._going_on:
            self._say(self._going_on)
        for text in self._done:
            self._say(f"done all the same: {text}")

    def _reader_left(self) -> None:
        """The reader closed the pipe once the work had begun: drop the output from now on,
        quietly, as the reader asked for no more of it."""
        self.lost = "the reader closed the pipe"
        self.reader_gone = True

    def _say(self, what: str) -> None:
        # One self-contained line each: a script reading stderr finds every change in it.
        line = f"incident-tui: cannot write to standard output ({self.lost}); {what}"
        print(clean(line, single_line=True), file=sys.stderr, flush=True)

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
        if self.stream is not None:
            to_null(self.stream)


def to_null(stream: TextIO) -> None:
    """Point the file behind ``stream`` at the null device, so that what it still holds,
    flushed at the exit, goes nowhere rather than failing there again (exit status 120)."""
    try:
        number = stream.fileno()
    except (OSError, ValueError):
        return  # no file behind it (a test's capture): nothing is flushed to one
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, number)
    finally:
        os.close(null)


def done(text: str) -> None:
    """Print ``text``, a line saying what the command did (queued, changed, saved), so that
    standard output failing after it does not fail the command: stderr says ``text`` instead
    (see :meth:`GuardedStdout.done`)."""
    if isinstance(sys.stdout, GuardedStdout):
        sys.stdout.done(text)
    print(text)


def not_essential(going_on: str) -> None:
    """Have the output from now on dropped rather than fail the command when standard
    output cannot take it, said once on stderr with ``going_on``."""
    if isinstance(sys.stdout, GuardedStdout):
        sys.stdout.not_essential(going_on)


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
