"""Noticing writes to the cache by another process: an ``incident-tui ack`` in another
terminal, a ``sync`` run by cron, a second TUI. They commit to the same SQLite file but send
this App no message, so without a look at the file the list would show what they changed only
after this App's own next change.

SQLite's ``PRAGMA data_version`` answers that look: on one connection it changes exactly when
another connection committed in the meantime. It costs microseconds and takes no lock a writer
waits for, so the App asks it every :data:`WATCH_EVERY` seconds.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

WATCH_EVERY = 2.0
"""Seconds between two looks at the cache: how stale another process's change may be shown."""


class CacheWatch:
    """Tells whether the cache at ``path`` was committed to since the last look, by anyone
    but what :meth:`seen` was told about."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None

    def _read(self) -> int | None:
        """The cache's data version now, ``None`` when the file cannot be read (gone,
        damaged, locked in a way that would make us wait): the next look tries again."""
        try:
            if self._conn is None:
                # Read-only and without a busy timeout: a look must never wait on the UI thread.
                self._conn = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=0,
                    check_same_thread=False,
                )
            row = self._conn.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            self.close()
            return None
        return int(row[0])

    def seen(self) -> None:
        """What is in the cache now is being shown: this App changed it and says so itself.
        Only a later commit counts as changed."""
        self._version = self._read()

    def changed(self) -> bool:
        """Whether the cache was committed to since the last look or :meth:`seen`."""
        before, self._version = self._version, self._read()
        return before is not None and self._version is not None and self._version != before

    def close(self) -> None:
        """Drop the connection (a later look opens another, whose versions start afresh: the
        first look after it reports no change)."""
        self._version = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None
