"""Whether the file at the cache's path is still the one a process opened.

A cache deleted, moved away or replaced (``mv backup.db cache.db``) while a TUI or a
``sync`` runs is not noticed by SQLite in WAL mode: the open connections go on committing
into the old file, which is gone once they close, and a new connection makes an empty cache
at the path. Every write first checks that the path still leads to the file opened, by its
device and inode, as SQLite itself does for its rollback journal (``SQLITE_READONLY_DBMOVED``).
"""

from __future__ import annotations

import os
from pathlib import Path

from incident_tui.store.sqlite_errors import StoreError

Identity = tuple[int, int]
"""A file's device and inode number."""


def identity(path: Path) -> Identity | None:
    """The identity of the file at ``path`` now; ``None`` when there is none (or it cannot be
    looked at)."""
    try:
        info = os.stat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


def moved_error(path: Path) -> StoreError:
    """The one line for a cache file that is no longer at its path."""
    return StoreError(
        f"{path}: the cache file was moved, deleted or replaced while in use, so nothing more "
        "is written to it; start incident-tui again"
    )


def check_unmoved(path: Path, opened: Identity | None) -> None:
    """Raise :func:`moved_error` when the file at ``path`` is not the one ``opened`` names
    (nothing is checked when that is not known)."""
    if opened is not None and identity(path) != opened:
        raise moved_error(path)
