"""Who may read the cache: through the command line against the Kitehouse emulator over
HTTP, under the common umask 022 (which gives a new file 0o644 and a folder 0o755):

- the cache a sync creates, its ``-wal`` and ``-shm`` files and the folder made for it are
  the user's alone (0o600, 0o700), as they hold every incident, comment and person's name;
- the copy of a file queued for upload is kept in folders of the user's alone;
- a cache already there keeps the mode its owner gave it.

All of them used to be readable by every user of the machine."""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_tui.store import db
from tests.integration.conftest import Serve, cli


@pytest.fixture(autouse=True)
def common_umask() -> Iterator[None]:
    """The umask most systems give a user: new files 0o644, new folders 0o755."""
    before = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(before)


def mode(path: Path) -> int:
    """The permission bits of ``path``."""
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture
def school(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> Any:
    """A Kitehouse emulator the command line is pointed at; its emulator."""
    kite = serve("kitehouse", sample=3)
    emulator: Any = kite.emulator
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("school")]))
    return emulator


def test_a_new_cache_and_its_folder_are_the_users_alone(
    school: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "state" / "incident-tui" / "incidents.db"
    cli(capsys, "--db", str(cache), "sync", "--once")
    assert mode(cache) == 0o600
    assert mode(cache.parent) == mode(cache.parent.parent) == 0o700
    # Open, the cache has its write-ahead log and shared memory beside it: the incidents
    # just written are in the log first.
    conn = db.connect(cache)
    try:
        conn.execute("PRAGMA wal_autocheckpoint = 0")
        conn.execute("UPDATE incident SET title = title || '.'")
        for beside in ("-wal", "-shm"):
            assert mode(cache.with_name(cache.name + beside)) == 0o600, beside
    finally:
        conn.close()


def test_a_copy_kept_for_upload_is_in_folders_of_the_users_alone(
    school: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "incidents.db"
    cli(capsys, "--db", str(cache), "sync", "--once")
    incident = school.add("Window broken in lab 2")
    cli(capsys, "--db", str(cache), "sync", "--once")
    note = tmp_path / "note.txt"
    note.write_text("names of the pupils hurt")
    cli(capsys, "--db", str(cache), "attach", f"school:{incident['_id']}", str(note))
    kept = tmp_path / "incidents.files"
    (copy,) = kept.glob("*/note.txt")
    assert copy.read_text() == "names of the pupils hurt"
    assert mode(kept) == mode(copy.parent) == 0o700


def test_a_cache_already_there_keeps_its_mode(
    school: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Shared with the team on purpose, say: not for incident-tui to undo.
    cache = tmp_path / "incidents.db"
    cache.touch(mode=0o640)
    cli(capsys, "--db", str(cache), "sync", "--once")
    assert mode(cache) == 0o640
