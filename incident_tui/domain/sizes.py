"""Byte counts and download progress in words for people: the detail screen's file sizes,
the command line's progress line and the TUI's download notices say them alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from incident_tui.domain.text import clean

NAME_MAX = 120
"""Most characters of a file's name a progress text shows."""


def size_text(size: int | None) -> str:
    """A byte count for people: ``512 B``, ``3.4 KB``, ``12.0 MB``."""
    if size is None:
        return "?"
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{int(value)} B" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} GB"


@dataclass(slots=True)
class DownloadProgress:
    """How far one download has come. :meth:`update` is what a connector calls as the bytes
    come in; ``on_update`` hears each update (the command line redraws its line)."""

    name: str = ""
    """The file's name, once the attachment asked for is known."""
    done: int = 0
    total: int | None = None
    """The whole size, when the remote said it."""
    on_update: Callable[[DownloadProgress], None] | None = None
    remote: str = ""
    """The remote it comes from, named while nothing has come yet."""

    def update(self, done: int, total: int | None) -> None:
        """Note the bytes in so far and the whole size (``None``: not said)."""
        self.done, self.total = done, total
        if self.on_update is not None:
            self.on_update(self)

    def text(self) -> str:
        """``photo.jpg: 1.2 MB of 5.0 MB (24%)``, or ``photo.jpg: 1.2 MB`` when the size is
        unknown: :meth:`shown_name`, then :meth:`figures`."""
        return f"{self.shown_name()}: {self.figures()}"

    def waiting_text(self) -> str:
        """``photo.jpg: waiting for school…``: said while none of the file has come (a slow
        link can take many seconds to answer before the first byte)."""
        remote = clean(self.remote, single_line=True) or "the remote"
        return f"{self.shown_name()}: waiting for {remote}…"

    def shown_name(self) -> str:
        """The file's name as shown: cleaned onto one line, as it came from the remote, and
        at most :data:`NAME_MAX` characters, cut in the middle so its extension still shows;
        ``file`` while it is not known."""
        name = clean(self.name, single_line=True) or "file"
        if len(name) <= NAME_MAX:
            return name
        tail = NAME_MAX // 3
        return f"{name[: NAME_MAX - 1 - tail]}…{name[-tail:]}"

    def figures(self) -> str:
        """``1.2 MB of 5.0 MB (24%)``, or ``1.2 MB`` when the size is unknown."""
        if self.total:
            return f"{size_text(self.done)} of {size_text(self.total)} ({self._share()}%)"
        return size_text(self.done)

    def short_figures(self) -> str:
        """The least that says how far it has come: ``24%``, or ``1.2 MB`` when the size is
        unknown."""
        return f"{self._share()}%" if self.total else size_text(self.done)

    def _share(self) -> int:
        # Never past 100: a server may send more than the length it said.
        return min(100, self.done * 100 // self.total) if self.total else 0
