"""What SQLite's refusals mean for the cache: one line each, naming the file, what is wrong
and what to do, never SQLite's or SQLAlchemy's own text alone (nor SQL and its parameters).

Only the standard library is imported here: :mod:`incident_tui.store.db` uses this on the
paint path.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REFILL = (
    "the next sync fills a new cache from the remotes, but changes still queued in it "
    "would be lost"
)
"""What happens when a damaged cache is moved aside: said wherever that is the advice."""


class StoreError(Exception):
    """The cache cannot be used; the message says why and what to do."""


def sqlite_code(error: BaseException) -> int | None:
    """SQLite's extended result code of ``error`` (a ``sqlite3`` error, or SQLAlchemy's
    wrapper of one); ``None`` for any other exception."""
    error = getattr(error, "orig", None) or error
    if not isinstance(error, sqlite3.Error):
        return None
    code = getattr(error, "sqlite_errorcode", None)
    return code if isinstance(code, int) else None


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` (a ``sqlite3`` error, or SQLAlchemy's wrapper of one) is SQLite
    giving up on a lock another connection kept past the busy timeout."""
    error = getattr(error, "orig", None) or error
    if not isinstance(error, sqlite3.OperationalError):
        return False
    code = sqlite_code(error)
    if code is not None:
        # The primary code sits in the low byte (SQLITE_BUSY_RECOVERY and the like).
        # SQLITE_LOCKED is not this: a conflict within one connection, a bug to show as is.
        return bool(code & 0xFF == sqlite3.SQLITE_BUSY)
    return str(error) == "database is locked"  # SQLITE_BUSY's text


def busy_error(path: Path) -> StoreError:
    """The one line for a cache whose write lock another connection did not let go of."""
    # Imported here: db.py imports this module, and BUSY_TIMEOUT is read at each call there
    # (a test lowers it).
    from incident_tui.store.db import BUSY_TIMEOUT

    return StoreError(
        f"{path}: the cache is busy: another incident-tui (a sync?) has been writing to it "
        f"for over {BUSY_TIMEOUT:g} s; try again once it is done"
    )


def cache_error(path: Path, error: BaseException) -> StoreError | None:
    """The one line for ``error`` when it is about the cache file itself (busy, read-only,
    disk full or failing, damaged, not a database, cannot be opened); ``None`` for any other
    error, which is a bug and is left to show as it is."""
    code = sqlite_code(error)
    if code is None:
        return None
    reason = str(getattr(error, "orig", None) or error)
    primary = code & 0xFF
    if is_busy(error):
        return busy_error(path)
    if primary == sqlite3.SQLITE_READONLY:
        return _read_only(path, code, reason)
    if primary == sqlite3.SQLITE_FULL:
        return StoreError(
            f"{path}: the disk holding the cache is full ({reason}); free some space, "
            "then try again"
        )
    if primary == sqlite3.SQLITE_IOERR:
        return StoreError(
            f"{path}: the cache could not be read or written ({reason}); check the disk it "
            "is on (full, removed or failing?), then try again"
        )
    if primary == sqlite3.SQLITE_CORRUPT:
        return StoreError(
            f"{path}: the cache is damaged ({reason}); move it aside or delete it: {REFILL}"
        )
    if primary == sqlite3.SQLITE_NOTADB:
        return StoreError(
            f"{path}: cannot open the cache: not an incident-tui cache, or a damaged one "
            f"({reason}); give --db another file, or if it is the cache move it aside or "
            f"delete it: {REFILL}"
        )
    if primary == sqlite3.SQLITE_CANTOPEN:
        return _cannot_open(path, reason)
    if primary == sqlite3.SQLITE_PERM:
        return StoreError(
            f"{path}: the cache may not be opened ({reason}); give --db another file"
        )
    return None


@contextmanager
def cache_errors(path: Path) -> Iterator[None]:
    """Within the block, SQLite refusing the cache at ``path`` raises its one line
    (:func:`cache_error`, a :class:`StoreError`) instead of ``sqlite3``'s own error; any
    other ``sqlite3`` error, a bug, goes on as it is.

    For the code that runs ``sqlite3`` itself: the reader, and the writes a pull makes on
    the driver connection, which SQLAlchemy's error hook in the engine never sees."""
    try:
        yield
    except sqlite3.DatabaseError as error:
        known = cache_error(path, error)
        if known is None:
            raise
        raise known from error


def _read_only(path: Path, code: int, reason: str) -> StoreError:
    """The line for one of SQLite's read-only refusals (``code`` is the extended code)."""
    name = path.name
    if code == sqlite3.SQLITE_READONLY_DIRECTORY:
        # WAL mode needs the two files beside the cache, so even reading is refused.
        return StoreError(
            f"{path}: the folder {path.absolute().parent} is not writable: SQLite needs to "
            f"create {name}-wal and {name}-shm next to the cache; make the folder writable "
            "or move the cache to one that is"
        )
    if code == sqlite3.SQLITE_READONLY_DBMOVED:
        return StoreError(
            f"{path}: the cache file was moved or deleted while in use; start incident-tui "
            "again"
        )
    return StoreError(
        f"{path}: the cache is read-only ({reason}); make it and its {name}-wal and "
        f"{name}-shm files writable for you (chmod u+w), or give --db another file"
    )


def _cannot_open(path: Path, reason: str) -> StoreError:
    """The line for SQLite's "unable to open database file": says which of the usual
    causes it is, when the file system tells."""
    if path.is_dir():
        return StoreError(
            f"{path} is a folder, not a cache file; give --db the path of a file (it is "
            "created if missing)"
        )
    try:
        # Read-only: only to learn the operating system's reason, the file stays as it is.
        path.open("rb").close()
    except FileNotFoundError:
        pass
    except OSError as exc:
        return StoreError(
            f"{path}: cannot open the cache ({exc.strerror}); make it readable and "
            "writable for you, or give --db another file"
        )
    return StoreError(
        f"{path}: cannot open the cache ({reason}); check that it and its folder can be "
        "read and written by you"
    )
