"""A cache the system refuses to write (read-only file or folder, unreadable file, full disk,
failing writes) stops a command with one line naming the file, what is wrong and what to do,
exit status 1: never SQLAlchemy's traceback with the SQL and its parameters. ``sync --once``
ends its pass as failed (the engine reports it) rather than crashing.

Each refusal is a real one from the operating system, met by the real command line in a child
process: permissions bind through ``setpriv`` when the tests run as root
(:mod:`tests.unprivileged`), the disk is a tiny tmpfs mounted in a private mount namespace,
and failing writes come from a file-size limit (``RLIMIT_FSIZE``), which the kernel enforces
on the cache's WAL file.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui.store.db import open_db
from tests.integration.conftest import Point, Serve
from tests.unprivileged import unprivileged_prefix

LEAKS = ("Traceback", "[SQL", "sqlalche", "OperationalError", "parameters", "INSERT", "UPDATE")
"""What SQLAlchemy's text would show; none of it belongs in the one line."""


def digest(path: Path) -> str:
    """The file's content, as a hash (it must stay untouched)."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


FILE_SIZE_LIMIT = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)
"""A child that lowers its file-size limit, then becomes the command given after it."""


def run(prefix: list[str], db: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    """The command line in a child process (``prefix`` before it), on cache ``db``."""
    return subprocess.run(
        [*prefix, sys.executable, "-m", "incident_tui", "--db", str(db), *argv],
        capture_output=True,
        text=True,
        timeout=120,
    )


def refusal(
    done: subprocess.CompletedProcess[str], db: Path, *wanted: str, start: str = ""
) -> str:
    """The one stderr line of a command the cache refused (exit status 1), checked to
    begin with ``start`` (by default, the file's path) and say each of ``wanted``."""
    assert done.returncode == 1, (done.stdout, done.stderr)
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    line = lines[0]
    assert line.startswith(f"incident-tui: {start or db}"), line
    assert str(db) in line, line
    for words in wanted:
        assert words in line, line
    for leak in LEAKS:
        assert leak not in line, line
    return line


@pytest.fixture
def synced_cache(serve: Serve, point: Point, tmp_path: Path) -> Iterator[tuple[Path, str]]:
    """A cache in a folder of its own, filled by a real sync from a Kitehouse emulator that
    stays up, and closed (its -wal and -shm files gone, as after any command); the cache's
    path and one of its triggered incidents. The folder and its files are made writable
    again afterwards, so the test's files can be removed."""
    server = serve("kitehouse", sample=12)
    point(("school", server))
    db = tmp_path / "cache" / "cache.db"
    assert run([], db, "sync", "--once").returncode == 0
    listed = run([], db, "list", "--json", "--status", "triggered")
    incident_id = json.loads(listed.stdout)[0]["id"]
    assert not db.with_name("cache.db-wal").exists()
    try:
        yield db, incident_id
    finally:
        db.parent.chmod(0o755)
        for path in db.parent.iterdir():
            path.chmod(0o644)


def test_a_read_only_cache_is_read_but_refuses_changes_in_one_line(
    synced_cache: tuple[Path, str], tmp_path: Path
) -> None:
    db, incident_id = synced_cache
    prefix = unprivileged_prefix(tmp_path)
    db.chmod(0o444)
    before = digest(db)

    listed = run(prefix, db, "list")
    assert listed.returncode == 0 and incident_id in listed.stdout, listed.stderr

    wanted = ("the cache is read-only", "chmod u+w", "--db")
    refusal(run(prefix, db, "ack", incident_id), db, *wanted)
    refusal(run(prefix, db, "comment", incident_id, "-m", "On site"), db, *wanted)
    # The pass ends, failed, with the reason (the engine reports it; nothing escapes it).
    synced = run(prefix, db, "sync", "--once")
    refusal(synced, db, *wanted, start="synced 0 of 1 remotes; failing: school (")
    assert "school: failed: " in synced.stdout and "Traceback" not in synced.stdout
    assert digest(db) == before


def test_a_new_read_only_cache_ends_the_first_pull_in_the_same_one_line(
    serve: Serve, point: Point, tmp_path: Path
) -> None:
    # Nothing synced yet: the pass's first write is the pull's bulk upsert, which runs on the
    # driver connection and once ended as an "internal error: OperationalError".
    point(("school", serve("kitehouse", sample=12)))
    prefix = unprivileged_prefix(tmp_path)
    db = tmp_path / "cache" / "cache.db"
    db.parent.mkdir()
    open_db(db).close()
    db.chmod(0o444)
    before = digest(db)
    try:
        synced = run(prefix, db, "sync", "--once")
    finally:
        db.chmod(0o644)
    line = refusal(synced, db, "the cache is read-only", "chmod u+w", "--db",
                   start="synced 0 of 1 remotes; failing: school (")
    assert "internal error" not in line
    assert f"school: failed: {db}: the cache is read-only" in synced.stdout, synced.stdout
    assert digest(db) == before


def test_a_read_only_folder_names_the_folder_and_the_files_sqlite_needs(
    synced_cache: tuple[Path, str], tmp_path: Path
) -> None:
    db, incident_id = synced_cache
    prefix = unprivileged_prefix(tmp_path)
    before = digest(db)
    files = sorted(db.parent.iterdir())
    db.parent.chmod(0o555)
    folder = f"the folder {db.parent} is not writable"
    needs = "SQLite needs to create cache.db-wal and cache.db-shm next to the cache"
    # Even reading is refused: WAL mode cannot start without the two files.
    refusal(run(prefix, db, "list"), db, folder, needs, "make the folder writable")
    refusal(run(prefix, db, "ack", incident_id), db, folder, needs)
    assert sorted(db.parent.iterdir()) == files
    assert digest(db) == before


def test_an_unreadable_cache_says_so(synced_cache: tuple[Path, str], tmp_path: Path) -> None:
    db, _ = synced_cache
    prefix = unprivileged_prefix(tmp_path)
    db.chmod(0o000)
    refusal(run(prefix, db, "list"), db, "cannot open the cache (Permission denied)",
            "make it readable and writable for you")


def test_a_full_disk_refuses_a_change_in_one_line(
    synced_cache: tuple[Path, str], tmp_path: Path
) -> None:
    db, incident_id = synced_cache
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare (util-linux) to mount a small disk in a namespace of its own")
    disk = tmp_path / "disk"
    disk.mkdir()
    # Room for the cache, its -shm file and a little WAL: not for a 120 KB comment.
    size = db.stat().st_size // 1024 + 100
    script = (
        'mount -t tmpfs -o size="$1"k tmpfs "$2" || exit 97\n'
        'cp "$3" "$2/cache.db" && shift 3 && exec "$@"\n'
    )
    options = ["--mount"] if os.geteuid() == 0 else ["--mount", "--map-root-user"]
    full = disk / "cache.db"
    done = run(
        [unshare, *options, "sh", "-c", script, "sh", str(size), str(disk), str(db)],
        full, "comment", incident_id, "-m", "x" * 120_000,
    )
    if done.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs in a mount namespace here: {done.stderr.strip()}")
    refusal(done, full, "the disk holding the cache is full", "free some space")


def test_failing_writes_refuse_a_change_in_one_line(
    synced_cache: tuple[Path, str], tmp_path: Path
) -> None:
    db, incident_id = synced_cache
    before = digest(db)
    # The WAL file may hold its 32-byte header and three frames (24-byte header and a
    # 32 KB page each): the kernel refuses the write of the fourth (EFBIG).
    limit = 32 + 3 * (24 + 32768)
    limited = [sys.executable, "-c", FILE_SIZE_LIMIT, str(limit)]
    done = run(limited, db, "comment", incident_id, "-m", "x" * 120_000)
    refusal(done, db, "the cache could not be read or written (disk I/O error)",
            "check the disk")
    assert digest(db) == before
