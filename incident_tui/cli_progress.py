"""The command line's progress line for a download: redrawn in place on a terminal (on
stderr, so stdout keeps only the result), a few times a second at most, and wiped before
the result is printed. Nothing at all when stderr is not a terminal: logs and pipes get
no carriage returns."""

from __future__ import annotations

import shutil
import time
from typing import TextIO

from incident_tui.domain.sizes import DownloadProgress

REDRAW_EVERY = 0.2
"""Seconds between redraws: enough to see it move, little to send over a slow SSH link."""


class ProgressLine:
    """One line of ``stream`` that shows how far a download has come."""

    def __init__(self, stream: TextIO, *, every: float = REDRAW_EVERY) -> None:
        self.stream = stream
        self.every = every
        self._tty = stream.isatty()
        self._drawn_at: float | None = None

    def draw(self, progress: DownloadProgress) -> None:
        """Show ``progress`` (the first update, then at most every :attr:`every` seconds,
        and the last one, when the whole size is in)."""
        if not self._tty:
            return
        now = time.monotonic()
        complete = progress.total is not None and progress.done >= progress.total
        if self._drawn_at is not None and now - self._drawn_at < self.every and not complete:
            return
        self._drawn_at = now
        # Cut to the terminal's width: a wrapped line cannot be redrawn in place.
        width = max(20, shutil.get_terminal_size().columns - 1)
        text = f"downloading {progress.text()}"[:width]
        self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        """Wipe the line, if one was drawn."""
        if self._drawn_at is not None:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn_at = None
