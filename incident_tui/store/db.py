"""Opening the cache: one SQLite file in WAL mode, migrated to the current schema on open;
another program's SQLite file is refused as it is found.

Only the standard library's ``sqlite3`` is imported here, so the paint path stays fast; the
SQLModel schema is imported only when the file is new or older than this program.
"""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from incident_tui.paths import PRIVATE_FILE_MODE, make_folder

# Re-exported: callers have always taken the cache's error and its busy test from here.
from incident_tui.store.sqlite_errors import StoreError as StoreError
from incident_tui.store.sqlite_errors import busy_error as busy_error
from incident_tui.store.sqlite_errors import cache_error
from incident_tui.store.sqlite_errors import is_busy as is_busy

CURRENT_VERSION = 15
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


def _refused(path: Path, error: sqlite3.DatabaseError, doing: str) -> StoreError:
    """The one line for SQLite refusing the cache at ``path``: what is wrong and what to do
    when the error says (busy, read-only, full, damaged...), else ``doing`` and SQLite's
    own text."""
    return cache_error(path, error) or StoreError(f"{path}: {doing}: {error}")


def connect(path: Path, *, check_same_thread: bool = False) -> sqlite3.Connection:
    """Open ``path`` with the pragmas every connection needs (WAL, busy timeout).

    ``synchronous=NORMAL`` in WAL mode keeps every committed transaction across a killed
    process (only an OS crash could lose the last ones), which is the durability we promise.
    """
    return _set_up(path, _opened(path, check_same_thread))


def _opened(path: Path, check_same_thread: bool) -> sqlite3.Connection:
    """A bare connection to ``path`` (its folders made first), nothing in the file changed."""
    try:
        make_folder(path.parent, private=True)
        _create_private(path)
        conn = sqlite3.connect(
            path, timeout=BUSY_TIMEOUT, isolation_level=None, check_same_thread=check_same_thread
        )
    except sqlite3.DatabaseError as exc:
        raise _refused(path, exc, "cannot open the cache") from None
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the cache folder: {exc}") from None
    return conn


def _create_private(path: Path) -> None:
    """Create the cache file at ``path``, empty and readable by the user alone, unless there
    is one. SQLite would make it as the umask says (``0o644`` as a rule: every user of the
    machine could read the incidents); its ``-wal`` and ``-shm`` files take the mode of the
    file. A cache already there keeps the mode it has; any other failure is SQLite's to
    tell, as it opens the file."""
    if str(path) == ":memory:":  # SQLite's name for a database in no file
        return
    try:
        os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, PRIVATE_FILE_MODE))
    except OSError:
        pass


def _set_up(path: Path, conn: sqlite3.Connection) -> sqlite3.Connection:
    """``conn`` with the cache's pragmas set (WAL mode from here on)."""
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
        raise _refused(path, exc, "cannot open the cache") from None
    except BaseException:
        conn.close()
        raise
    return conn


SCHEMA_FOUND = (
    "SELECT user_version, "
    "EXISTS (SELECT 1 FROM sqlite_master), "
    "EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'incident') "
    "FROM pragma_user_version"
)
"""The file's schema version, whether it holds anything, and whether it has the incident
table every version of the cache has had: one read of the schema SQLite loads anyway."""


def _version(path: Path, conn: sqlite3.Connection) -> int:
    """The schema version of the cache ``conn`` opened, read before anything in the file is
    changed; :class:`StoreError` for a file that is not an incident-tui cache (another
    program's database) or one a newer incident-tui wrote."""
    try:
        version, anything, incidents = conn.execute(SCHEMA_FOUND).fetchone()
    except sqlite3.DatabaseError as exc:
        raise _refused(path, exc, "not an incident-tui cache") from None
    if version > CURRENT_VERSION:
        # A later schema may name its tables otherwise: the version alone tells.
        raise StoreError(
            f"{path}: written by a newer incident-tui (schema {version}, this one knows "
            f"{CURRENT_VERSION}); upgrade incident-tui or use another --db"
        )
    # Version 0 is a new file, which may only be empty: another program's tables in it would
    # be taken for an old cache and built over (the file switched to WAL mode, too).
    if (anything and version == 0) or (version > 0 and not incidents):
        raise StoreError(
            f"{path}: not an incident-tui cache (another program's database, left as it "
            "is); give --db another file"
        )
    return int(version)


def open_db(path: Path) -> sqlite3.Connection:
    """Open the cache, creating or upgrading its schema as needed; return the connection.

    Another program's SQLite file is refused before anything in it changes."""
    conn = _opened(path, check_same_thread=False)
    try:
        version = _version(path, conn)
    except BaseException:
        conn.close()
        raise
    conn = _set_up(path, conn)
    if version < CURRENT_VERSION:
        from incident_tui.store.migrate import migrate

        try:
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise _refused(path, exc, "cannot upgrade the cache") from None
    return conn
