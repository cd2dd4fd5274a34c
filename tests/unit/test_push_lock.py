"""The push lock beside the cache: one holder per remote across processes and across engines
of one process; closing one engine's lock keeps the others' (POSIX locks belong to the
process, and closing any descriptor of the file would drop them all); ``kill -9`` frees it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui.sync.push_lock import PushLock, lock_path

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="no fcntl: no push lock")

HOLD = """
import sys, time
from pathlib import Path
from incident_tui.sync.push_lock import PushLock
lock = PushLock(Path(sys.argv[1]))
print("held" if lock.acquire(sys.argv[2]) else "busy", flush=True)
if sys.argv[3:] == ["stay"]:
    time.sleep(600)
"""
"""A child that tries to take a remote's lock and says whether it got it (and with ``stay``,
keeps it until killed)."""


def other_process_gets(db: Path, remote: str) -> bool:
    """Whether another process could take ``remote``'s lock now."""
    child = subprocess.run(
        [sys.executable, "-c", HOLD, str(db), remote], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    return child.stdout.strip() == "held"


@pytest.fixture
def locks(tmp_path: Path) -> Iterator[list[PushLock]]:
    """Locks made by a test, closed after it."""
    made: list[PushLock] = []
    yield made
    for lock in made:
        lock.close()


def test_one_holder_per_remote_in_and_across_processes(
    tmp_path: Path, locks: list[PushLock]
) -> None:
    db = tmp_path / "cache.db"
    first, second = PushLock(db), PushLock(db)
    locks += [first, second]
    assert first.acquire("kitehouse")
    assert lock_path(db).exists()
    assert not second.acquire("kitehouse")  # another engine of this process
    assert not other_process_gets(db, "kitehouse")
    assert second.acquire("oneuptime")  # each remote has its own
    assert other_process_gets(db, "revily")
    first.release("kitehouse")
    assert other_process_gets(db, "kitehouse")
    assert second.acquire("kitehouse")


def test_closing_one_engines_lock_keeps_the_others(tmp_path: Path, locks: list[PushLock]) -> None:
    db = tmp_path / "cache.db"
    first, second = PushLock(db), PushLock(db)
    locks += [first, second]
    assert first.acquire("kitehouse") and second.acquire("oneuptime")
    first.close()
    assert other_process_gets(db, "kitehouse")  # closed: its lock went with it
    assert not other_process_gets(db, "oneuptime")
    second.close()
    assert other_process_gets(db, "oneuptime")


def test_a_killed_holder_frees_the_lock_at_once(tmp_path: Path, locks: list[PushLock]) -> None:
    db = tmp_path / "cache.db"
    child = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), "kitehouse", "stay"],
        stdout=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        assert child.stdout is not None and child.stdout.readline().strip() == "held"
        lock = PushLock(db)
        locks.append(lock)
        assert not lock.acquire("kitehouse")
        os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        assert lock.acquire("kitehouse")
    finally:
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGKILL)
            child.wait(timeout=30)
        if child.stdout is not None:
            child.stdout.close()


def test_a_cache_named_through_a_symlink_shares_its_lock(
    tmp_path: Path, locks: list[PushLock]
) -> None:
    # A cron job's --db through a link and the TUI's own path are one cache: two locks would
    # let both push the same queued changes, sending each twice.
    db = tmp_path / "cache.db"
    db.touch()
    link = tmp_path / "link.db"
    link.symlink_to(db)
    held = PushLock(db)
    locks.append(held)
    assert held.acquire("kitehouse")
    assert not other_process_gets(link, "kitehouse")
    assert not (tmp_path / "link.db.lock").exists()
