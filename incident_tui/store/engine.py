"""The SQLModel engine the writers use: same file, same pragmas, ``BEGIN IMMEDIATE`` per
transaction so a read-modify-write never races the sync engine's writes; and sessions that
only read (:func:`reading`), which take no write lock."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, ExceptionContext, create_engine, event
from sqlalchemy.pool import QueuePool
from sqlmodel import Session

from incident_tui.store.cache_file import check_unmoved, identity
from incident_tui.store.db import connect, open_db
from incident_tui.store.sqlite_errors import cache_error

READ_ONLY = "incident_tui_read_only"
"""Execution option of a connection whose transactions only read (:func:`reading`)."""

WRITER_CACHE_KIB = 32 * 1024
"""SQLite page cache of each writer connection, in KiB (the reader keeps the default)."""


def make_engine(path: Path) -> Engine:
    """An engine over the cache at ``path`` (created or migrated first if needed)."""
    open_db(path).close()
    opened = identity(path)

    def creator() -> sqlite3.Connection:
        # Before connecting: a connection to a path whose file is gone makes an empty cache.
        check_unmoved(path, opened)
        conn = connect(path)
        # A pull writes pages of several b-trees at once (table, indexes, full-text index);
        # with SQLite's default 2 MB cache it reads many of them back between statements.
        # 32 MB made a 50,000-incident pull ~5% faster; the cache only grows as it is used.
        conn.execute(f"PRAGMA cache_size = -{WRITER_CACHE_KIB}")
        return conn

    # An explicit QueuePool: for a bare "sqlite://" URL SQLAlchemy would pick its in-memory
    # SingletonThreadPool, which closes connections other threads still use (a segfault).
    # LIFO: the connection used last is handed out again, so one warm cache serves a pull
    # rather than each pooled connection filling a cache of its own.
    engine = create_engine(
        "sqlite://",
        creator=creator,
        poolclass=QueuePool,
        pool_size=5,
        max_overflow=10,
        pool_use_lifo=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # pysqlite's own transaction handling is off (isolation_level=None in connect), so
        # we start every transaction ourselves, taking the write lock at once; a reading
        # one takes none: in WAL mode it reads its snapshot while another process writes.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        if not read_only:
            # A write into a file no longer at the path would be lost without a word.
            check_unmoved(path, opened)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @event.listens_for(engine, "handle_error")
    def _refused(context: ExceptionContext) -> None:
        # SQLite refused the file itself: another process kept the write lock past the busy
        # timeout (a sync suspended with Ctrl-Z, mostly at BEGIN IMMEDIATE above), or the
        # file is read-only, the disk full or failing, the file damaged. The transaction is
        # rolled back either way. Every caller gets the cache's one line for it (a
        # StoreError, which the command line, the TUI and the sync engine all report),
        # never SQLAlchemy's text with the SQL, its parameters and a URL.
        error = cache_error(path, context.original_exception)
        if error is not None:
            raise error

    return engine


def session(engine: Engine) -> Session:
    """A new session; use ``with session(engine) as s, s.begin(): ...``."""
    return Session(engine, expire_on_commit=False)


@contextmanager
def reading(engine: Engine) -> Iterator[Session]:
    """A session for reads only: its transaction sees one snapshot of the cache and takes no
    write lock, so it neither waits for another process's write (up to the busy timeout,
    when that process is suspended mid-pass) nor holds up this one's writers. Nothing is
    written in it: a deferred transaction that starts to write fails at once, without
    waiting, when another connection wrote since it read. Whatever reads to decide what
    to write uses :func:`session`."""
    with engine.connect() as conn:
        conn.execution_options(**{READ_ONLY: True})
        with Session(bind=conn, expire_on_commit=False) as s:
            yield s
