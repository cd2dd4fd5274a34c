"""A cache that cannot be opened leaves no connection (and no open file) behind."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

import pytest

from incident_tui.store import db


def open_files(path: Path) -> int:
    """How many descriptors of this process point at ``path``."""
    target = os.path.realpath(path)
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == target
        except OSError:  # closed meanwhile (the listing's own descriptor)
            pass
    return count


@pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="needs /proc")
def test_a_failing_pragma_closes_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database at all, " * 200)
    with pytest.raises(db.StoreError, match="cannot open the cache") as caught:
        db.connect(junk)
    # The traceback (kept here, as a caller reporting it may) holds connect()'s frame.
    assert caught.value is not None
    assert open_files(junk) == 0


def test_a_refused_wal_closes_the_connection() -> None:
    # An in-memory database answers "memory" to journal_mode = WAL, as a filesystem
    # without shared memory would answer "delete".
    with pytest.raises(db.StoreError, match="needs WAL mode") as caught:
        db.connect(Path(":memory:"))
    frame = caught.traceback[-1].frame  # connect() raising
    conn = frame.f_locals["conn"]
    with pytest.raises(sqlite3.ProgrammingError, match="closed"):
        conn.execute("SELECT 1")
