"""The command line's progress line for a download: redrawn in place on a terminal (on
stderr, so stdout keeps only the result), a few times a second at most, and wiped before
the result is printed. Nothing at all when stderr is not a terminal: logs and pipes get
no carriage returns.

The line is measured in terminal cells, not characters (a CJK name takes two a character):
a line wider than the terminal wraps, and each redraw would then add a line instead of
replacing one. The figures always show; the name gives way to them."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
from typing import TextIO

from rich.cells import cell_len, set_cell_size

from incident_tui.domain.sizes import DownloadProgress

REDRAW_EVERY = 0.2
"""Seconds between redraws: enough to see it move, little to send over a slow SSH link."""
NAME_MIN = 8
"""Fewest cells of the name worth showing; a narrower terminal shows the figures alone."""


def progress_text(progress: DownloadProgress, width: int) -> str:
    """The line for ``progress`` in at most ``width`` cells: ``downloading NAME: FIGURES``
    with the name cut in the middle to the cells the figures leave (so its start and its
    extension still show), and on a terminal too narrow for :data:`NAME_MIN` cells of it,
    the figures without the name, then the least of them."""
    name, figures = progress.shown_name(), progress.figures()
    room = width - cell_len(f"downloading : {figures}")
    if room >= min(NAME_MIN, cell_len(name)):
        return f"downloading {middle_cut(name, room)}: {figures}"
    for text in (f"downloading {figures}", figures, progress.short_figures()):
        if cell_len(text) <= width:
            return text
    return set_cell_size(progress.short_figures(), width)


def middle_cut(text: str, width: int) -> str:
    """``text`` in at most ``width`` cells, the cut marked with an ellipsis in its middle."""
    if cell_len(text) <= width:
        return text
    if width <= 1:
        return "…"[:width]
    tail_cells = (width - 1) // 2
    head = set_cell_size(text, width - 1 - tail_cells)
    if not text.startswith(head):
        # A double-width character straddled the cut and became a space: the ellipsis
        # reads better right after the character before it.
        head = head[:-1]
    start = len(text)
    while start > 0 and cell_len(text[start - 1 :]) <= tail_cells:
        start -= 1
    # A combining mark left at the start of the tail belongs to the character cut away.
    while start < len(text) and cell_len(text[start]) == 0:
        start += 1
    return f"{head}…{text[start:]}"


class ProgressLine:
    """One line of ``stream`` that shows how far a download has come."""

    def __init__(self, stream: TextIO, *, every: float = REDRAW_EVERY) -> None:
        self.stream = stream
        self.every = every
        self._tty = stream.isatty()
        self._drawn_at: float | None = None
        self._waiting = False
        """Whether the line shown says the download waits for its remote."""

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
        self._waiting = False
        # One column is kept free: some terminals wrap a line that fills the last one.
        width = max(1, columns(self.stream) - 1)
        self.stream.write(f"\r{progress_text(progress, width)}\x1b[K")
        self.stream.flush()

    def wait(self, progress: DownloadProgress) -> None:
        """Say that the download waits for its remote (``downloading NAME: waiting for
        REMOTE…``), unless a line is shown: nothing of the file has come yet, and over a slow
        link the first byte can be many seconds away."""
        if not self._tty or self._drawn_at is not None or self._waiting:
            return
        self._waiting = True
        width = max(1, columns(self.stream) - 1)
        said = middle_cut(f"downloading {progress.waiting_text()}", width)
        self.stream.write(f"\r{said}\x1b[K")
        self.stream.flush()

    def close(self) -> None:
        """Wipe the line, if one was drawn."""
        if self._drawn_at is not None or self._waiting:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn_at = None
            self._waiting = False


def columns(stream: TextIO) -> int:
    """How wide the terminal ``stream`` writes to is: ``COLUMNS`` when set, else that
    terminal's own width. Not stdout's, which :func:`shutil.get_terminal_size` asks: in
    ``path=$(incident-tui download …)`` stdout is a pipe while the line goes to a terminal."""
    with contextlib.suppress(ValueError):
        if (said := int(os.environ.get("COLUMNS", ""))) > 0:
            return said
    with contextlib.suppress(OSError, ValueError):
        if (width := os.get_terminal_size(stream.fileno()).columns) > 0:
            return width
    return shutil.get_terminal_size().columns
