"""Opening the cache: one SQLite file in WAL mode, migrated to the current schema on open.

Only the standard library's ``sqlite3`` is imported here, so the paint path stays fast; the
SQLModel schema is imported only when the file is new or older than this program.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

CURRENT_VERSION = 9
"""Keep equal to ``schema.SCHEMA_VERSION`` (a test checks); duplicated to avoid the import."""

PAGE_SIZE = 32768
"""Bytes per database page of a new cache (an existing one keeps its own: changing it takes a
rewrite of the whole file). A pulled incident row is 1.5 to 2.5 KB, mostly the remote's own
payload, and SQLite's default 4 KB pages hold only one or two such rows, the rest left empty.
50,000 OneUptime incidents filled 195 MB of 4 KB pages and 120 MB of 32 KB ones, and storing
them took about a third less time."""

BUSY_TIMEOUT = 10.0
"""Seconds a connection waits for another one's write lock before giving up: long enough
for any one transaction of a sync, short enough that a command does not seem to hang when
another incident-tui holds the lock (suspended with Ctrl-Z, say). Read at each connect, so a
test can lower it."""


class StoreError(Exception):
    """The cache cannot be used; the message says why and what to do."""


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` (a ``sqlite3`` error, or SQLAlchemy's wrapper of one) is SQLite
    giving up on a lock another connection kept past the busy timeout."""
    error = getattr(error, "orig", None) or error
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        # The primary code sits in the low byte (SQLITE_BUSY_RECOVERY and the like).
        # SQLITE_LOCKED is not this: a conflict within one connection, a bug to show as is.
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return str(error) == "database is locked"  # SQLITE_BUSY's text


def busy_error(path: Path) -> StoreError:
    """The one line for a cache whose write lock another connection did not let go of."""
    return StoreError(
        f"{path}: the cache is busy: another incident-tui (a sync?) has been writing to it "
        f"for over {BUSY_TIMEOUT:g} s; try again once it is done"
    )


def connect(path: Path, *, check_same_thread: bool = False) -> sqlite3.Connection:
    """Open ``path`` with the pragmas every connection needs (WAL, busy timeout).

    ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a killed
    process (only an OS crash could lose the last ones), which is the durability we promise.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=check_same_thread
        )
    except sqlite3.DatabaseError as exc:
        raise StoreError(f"{path}: cannot open the cache: {exc}") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the cache folder: {exc}") from None
    # The caller never gets the connection when a pragma fails or WAL is refused: it is closed
    # here, or the file would stay open (locked, on Windows) as long as the traceback is kept.
    try:
        conn.execute(f"PRAGMA busy_timeout = {round(BUSY_TIMEOUT * 1000)}")
        conn.execute(f"PRAGMA page_size = {PAGE_SIZE}")  # before WAL: a new file only
        mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()
        if mode is None or str(mode[0]).lower() != "wal":
            raise StoreError(f"{path}: the cache needs WAL mode, which this filesystem refuses")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.DatabaseError as exc:
        conn.close()
        if is_busy(exc):
            raise busy_error(path) from None
        raise StoreError(f"{path}: cannot open the cache: {exc}") from None
    except BaseException:
        conn.close()
        raise
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
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            if is_busy(exc):
                raise busy_error(path) from None
            raise StoreError(f"{path}: cannot upgrade the cache: {exc}") from None
    return conn
