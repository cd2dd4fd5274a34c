"""Byte counts and download progress in words for people: the detail screen's file sizes,
the command line's progress line and the TUI's download notices say them alike."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from incident_tui.domain.text import clean


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

    def update(self, done: int, total: int | None) -> None:
        """Note the bytes in so far and the whole size (``None``: not said)."""
        self.done, self.total = done, total
        if self.on_update is not None:
            self.on_update(self)

    def text(self) -> str:
        """``photo.jpg: 1.2 MB of 5.0 MB (24%)``, or ``photo.jpg: 1.2 MB`` when the size is
        unknown; the name cleaned, as it came from the remote."""
        name = clean(self.name, single_line=True)[:120] or "file"
        if self.total:
            share = min(100, self.done * 100 // self.total)
            return f"{name}: {size_text(self.done)} of {size_text(self.total)} ({share}%)"
        return f"{name}: {size_text(self.done)}"
