"""The cache file deleted, moved away or replaced under a running process (a clean-up script,
``mv`` of a backup over it): its open connections would go on writing into the old file,
gone once they close, and a new one would make an empty cache at the path. A change is
refused instead, in one line naming the file and what to do, and the path is left as it is.

Real SQLite files; the writes go through the same engine the TUI and the sync use."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from incident_tui.store.db import StoreError
from tests.conftest import make_incident
from tests.unit.test_cli_outside import build

INCIDENT = "school:r1"


def moved_line(error: StoreError, db: Path) -> None:
    """The one line for a cache file that is no longer the one in use."""
    text = str(error)
    assert text.startswith(f"{db}: the cache file was moved, deleted or replaced"), text
    assert "start incident-tui again" in text, text
    assert "sqlite" not in text.lower() and "[SQL" not in text, text


def test_a_change_after_the_cache_was_deleted_is_refused_and_makes_no_empty_cache(
    tmp_path: Path,
) -> None:
    db = tmp_path / "cache.db"
    actions = build(db, [make_incident(1, remote="school", kind="kitehouse")])
    try:
        actions.comment(INCIDENT, "First")  # the engine's connections are open and warm
        for path in tmp_path.iterdir():
            if path.name.startswith("cache.db"):
                path.unlink()
        with pytest.raises(StoreError) as refused:
            actions.comment(INCIDENT, "Into the void")
        moved_line(refused.value, db)
        with pytest.raises(StoreError) as refused:
            actions.acknowledge([INCIDENT])
        moved_line(refused.value, db)
        assert not db.exists()
    finally:
        actions.engine.dispose()


def test_a_change_after_the_cache_file_alone_was_deleted_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    actions = build(db, [make_incident(1, remote="school", kind="kitehouse")])
    try:
        actions.comment(INCIDENT, "First")
        db.unlink()  # its -wal and -shm stay: SQLite itself goes on writing without a word
        with pytest.raises(StoreError) as refused:
            actions.acknowledge([INCIDENT])
        moved_line(refused.value, db)
        assert not db.exists()
    finally:
        actions.engine.dispose()


def test_a_cache_moved_over_the_one_in_use_is_left_as_it_is(tmp_path: Path) -> None:
    db = tmp_path / "cache.db"
    actions = build(db, [make_incident(1, remote="school", kind="kitehouse")])
    backup = tmp_path / "backup.db"
    build(backup, [make_incident(1, remote="school", kind="kitehouse")]).engine.dispose()
    try:
        actions.comment(INCIDENT, "First")
        backup.replace(db)
        before = hashlib.sha256(db.read_bytes()).hexdigest()
        with pytest.raises(StoreError) as refused:
            actions.comment(INCIDENT, "Into the old file")
        moved_line(refused.value, db)
        assert hashlib.sha256(db.read_bytes()).hexdigest() == before
    finally:
        actions.engine.dispose()
