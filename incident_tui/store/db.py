"""Opening the cache: one SQLite file in WAL mode, migrated to the current schema on open.

Only the standard library's ``sqlite3`` is imported here, so the paint path stays fast; the
SQLModel schema is imported only when the file is new or older than this program.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

CURRENT_VERSION = 8
"""Keep equal to ``schema.SCHEMA_VERSION`` (a test checks); duplicated to avoid the import."""

PAGE_SIZE = 32768
"""Bytes per database page of a new cache (an existing one keeps its own: changing it takes a
rewrite of the whole file). A pulled incident row is 1.5 to 2.5 KB, mostly the remote's own
payload, and SQLite's default 4 KB pages hold only one or two such rows, the rest left empty.
50,000 OneUptime incidents filled 195 MB of 4 KB pages and 120 MB of 32 KB ones, and storing
them took about a third less time."""


class StoreError(Exception):
    """The cache cannot be used; the message says why and what to do."""


def connect(path: Path, *, check_same_thread: bool = False) -> sqlite3.Connection:
    """Open ``path`` with the pragmas every connection needs (WAL, busy timeout).

    ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a killed
    process (only an OS crash could lose the last ones), which is the durability we promise.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=10.0, isolation_level=None, check_same_thread=check_same_thread
        )
        conn.execute("PRAGMA busy_timeout = 10000")
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL: a new file only
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the cache: {exc}") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the cache folder: {exc}") from None
    if mode is None or str(mode[0]).lower() != "wal":
        raise StoreError(f"{path}: the cache needs WAL mode, which this filesystem refuses")
    return conn


def open_db(path: Path) -> sqlite3.Connection:
    """Open the cache, creating or upgrading its schema as needed; return the connection."""
    conn = connect(path)
    try:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise StoreError(f"{path}: not an incident-tui cache ({exc})") from None
    if version > CURRENT_VERSION:
        conn.close()
        raise StoreError(
            f"{path}: written by a newer incident-tui (schema {version}, this one knows "
            f"{CURRENT_VERSION}); upgrade incident-tui or use another --db"
        )
    if version < CURRENT_VERSION:
        from incident_tui.store.migrate import migrate

        try:
            migrate(conn, path)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise StoreError(f"{path}: cannot upgrade the cache: {exc}") from None
    return conn
