"""Which process pushes a remote's outbox: a lock file beside the cache (``<cache>.lock``, as
SQLite keeps its ``-wal`` and ``-shm`` there), with one POSIX byte-range lock per remote.

Two syncs on one cache (two ``incident-tui sync`` loops, the TUI's background sync and a
``sync --once``, two TUIs) would otherwise both read a queued change and both send it. The
lock is taken without waiting for the push phase of a pass and released after it; whoever
finds it taken leaves that remote's changes to the process holding it. The kernel drops a
process's locks when it ends, ``kill -9`` included, so a dead sync never blocks the next.

POSIX locks belong to the process, not to the file descriptor, and closing *any* descriptor
of the file drops them all. So each process keeps one descriptor per lock file, shared by
every :class:`PushLock` on that cache, and tells its own holders apart itself (the kernel
lets a process take a lock it already holds). Where ``fcntl`` is missing (Windows), or the
lock file cannot be made, there is no cross-process lock: every push goes ahead, as before.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

SUFFIX = ".lock"
"""Appended to the cache's file name to name its lock file."""

_BUSY = frozenset({errno.EACCES, errno.EAGAIN})
"""What a non-blocking lock request fails with when another process holds the range."""


@dataclass(slots=True)
class _Shared:
    """This process's one descriptor of a lock file, and the remotes it holds through it."""

    fd: int
    users: int = 0
    held: set[str] = field(default_factory=set)


_files: dict[Path, _Shared] = {}
_guard = threading.Lock()
"""Guards :data:`_files`; sync engines may live on several threads' event loops."""


def lock_path(db_path: Path) -> Path:
    """The lock file of the cache at ``db_path``."""
    return db_path.with_name(db_path.name + SUFFIX)


def offset(remote: str) -> int:
    """The byte of the lock file that stands for ``remote``: the same in every process and
    run, and 48 bits wide so two remote names practically never share one."""
    return int.from_bytes(hashlib.sha256(remote.encode()).digest()[:6], "big")


class PushLock:
    """The right to push each remote's outbox of one cache, one process at a time."""

    def __init__(self, db_path: Path) -> None:
        # Beside the cache file itself: one named through a symlink is the same cache, and
        # a lock of its own would let two processes push the same changes.
        self.path = lock_path(db_path.resolve())
        self._key: Path | None = None
        """The lock file's entry in :data:`_files` once opened (this lock counts as a user)."""
        self._failed = False
        """The lock file could not be opened: no cross-process lock for this engine."""
        self._mine: set[str] = set()
        """The remotes whose lock this one holds (released on :meth:`close`)."""

    def acquire(self, remote: str) -> bool:
        """Take ``remote``'s lock without waiting: ``False`` when another process (or another
        engine of this one) holds it. Non-blocking system calls only, so it is safe on the
        event loop, and nothing is left half-taken if the caller is cancelled around it."""
        if sys.platform == "win32":
            return True
        import fcntl

        with _guard:
            shared = self._open()
            if shared is None:
                return True
            if remote in shared.held:
                return False
            try:
                fcntl.lockf(shared.fd, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, offset(remote))
            except OSError as error:
                if error.errno in _BUSY:
                    return False
                # A file system without byte-range locks (ENOLCK): push as without fcntl.
                log.info("%s: no lock on %s (%s); pushing without one", remote, self.path, error)
                return True
            shared.held.add(remote)
            self._mine.add(remote)
            return True

    def release(self, remote: str) -> None:
        """Give up ``remote``'s lock (nothing happens if this one does not hold it)."""
        with _guard:
            self._release(remote)

    def close(self) -> None:
        """Stop using the lock file; its descriptor closes when the last user in this
        process is done (closing it earlier would drop the others' locks)."""
        with _guard:
            for remote in list(self._mine):
                self._release(remote)
            key, self._key = self._key, None
            shared = _files.get(key) if key is not None else None
            if key is None or shared is None:
                return
            shared.users -= 1
            if shared.users <= 0:
                del _files[key]
                os.close(shared.fd)

    def _release(self, remote: str) -> None:
        """:meth:`release` (under _guard)."""
        shared = _files.get(self._key) if self._key is not None else None
        if shared is None or remote not in self._mine:
            return
        self._mine.discard(remote)
        shared.held.discard(remote)
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.lockf(shared.fd, fcntl.LOCK_UN, 1, offset(remote))
            except OSError as error:  # pragma: no cover - unlocking a held range cannot fail
                log.info("%s: could not unlock %s: %s", remote, self.path, error)

    def _open(self) -> _Shared | None:
        """This process's descriptor of the lock file, opened on first use (under _guard)."""
        if self._key is not None:
            return _files.get(self._key)
        if self._failed:
            return None
        try:
            key = self.path.resolve()
            shared = _files.get(key)
            if shared is None:
                # Not inherited by child processes (os.open's default): a child holding the
                # descriptor would not hold the locks, but would keep the file open.
                flags = os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)
                shared = _files[key] = _Shared(os.open(key, flags, 0o600))
        except OSError as error:
            self._failed = True
            log.info("cannot open %s (%s); pushing without a lock", self.path, error)
            return None
        shared.users += 1
        self._key = key
        return shared
