"""The folders beside the cache that hold the copies of files queued for upload, one folder
per copy: :func:`held` keeps another process's :func:`sweep` off a folder while ``attach``
fills it and queues its change, and :func:`sweep` removes the folders nothing queued needs.

Those are left by an ``attach`` killed while it copied or before it queued the change, and
by a process killed between settling a change (sent, discarded, its incident gone) and
removing its copy: with nothing to point at them, nothing else would ever remove them."""

from __future__ import annotations

import errno
import logging
import os
import re
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session

from incident_tui.domain.model import ChangeKind
from incident_tui.paths import outbox_files_dir
from incident_tui.store.db import StoreError
from incident_tui.store.engine import reading

log = logging.getLogger(__name__)

GRACE_SECONDS = 300.0
"""A copy folder changed more recently than this is never swept: it may belong to an
``attach`` on a system without folder locks, or one that made the folder but has not yet
locked it."""

_FOLDER = re.compile(r"[0-9a-f]{32}")
"""How :meth:`~incident_tui.store.actions.Actions.attach` names a copy's folder (a UUID in
hex); nothing else there is touched."""

_SQLITE_HEADER = b"SQLite format 3\x00"


@contextmanager
def held(folder: Path) -> Iterator[None]:
    """Hold the existing ``folder`` against :func:`sweep` in any process until the block ends
    (a ``flock`` on it, released however the process ends, SIGKILL too). Where the system or
    file system has no such lock, the block runs all the same, under the grace period."""
    fd = _locked(folder, wait=True)
    try:
        yield
    finally:
        if fd is not None:
            os.close(fd)


def sweep(engine: Engine, db_path: Path) -> int:
    """Remove the copy folders beside the cache at ``db_path`` that no queued upload and no
    file waiting for upload names; the number removed. Left alone: a folder changed in the
    last :data:`GRACE_SECONDS`, one an ``attach`` holds (:func:`held`), whatever ``attach``
    does not make, and all of them while another cache shares the folder (``incidents.db``
    and ``incidents.sqlite`` both keep copies in ``incidents.files``): what this cache no
    longer needs, that one may. Tidying never fails what it follows: a cache that cannot
    be read now leaves them for the next time."""
    try:
        return _sweep(engine, db_path)
    except (StoreError, DBAPIError) as error:
        log.info("copies of queued uploads not tidied: %s", error)
        return 0


def _sweep(engine: Engine, db_path: Path) -> int:
    home = outbox_files_dir(db_path.resolve())
    try:
        entries = list(os.scandir(home))
    except OSError:
        return 0  # none queued yet, mostly
    now = time.time()
    old = [
        entry.name
        for entry in entries
        if _FOLDER.fullmatch(entry.name)
        and entry.is_dir(follow_symlinks=False)
        and _settled(Path(entry.path), now)
    ]
    if not old or _shared(db_path.resolve()):
        return 0
    with reading(engine) as s:
        needed = _named(s)
    removed = 0
    for name in old:
        if name in needed:
            continue
        folder = home / name
        try:
            fd = _locked(folder, wait=False)
        except OSError:
            continue  # an attach holds it, or it went meanwhile
        try:
            # Read again once it is held: an attach that let go of it just now has queued
            # the change that names it.
            with reading(engine) as s:
                if _names(s, name):
                    continue
            shutil.rmtree(folder, ignore_errors=True)
            removed += 1
        finally:
            if fd is not None:
                os.close(fd)
    if removed:
        log.info("removed %d copies of files no queued upload needs from %s", removed, home)
    return removed


def _locked(folder: Path, *, wait: bool) -> int | None:
    """A descriptor of ``folder`` holding an exclusive lock on it; ``None`` without locks
    here. ``OSError`` when the folder is gone, or (not ``wait``) another process holds it."""
    if sys.platform == "win32":
        return None
    import fcntl

    fd = os.open(folder, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | os.O_CLOEXEC)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
    except OSError as error:
        os.close(fd)
        if error.errno in (errno.EAGAIN, errno.EACCES):
            raise
        log.info("no lock on %s (%s); the grace period alone keeps it", folder, error)
        return None
    return fd


def _settled(folder: Path, now: float) -> bool:
    """Whether neither ``folder`` nor anything in it changed for :data:`GRACE_SECONDS` (a
    copy being written changes at every block)."""
    try:
        times = [folder.stat().st_mtime]
        times += [entry.stat(follow_symlinks=False).st_mtime for entry in os.scandir(folder)]
    except OSError:
        return False
    return now - max(times) > GRACE_SECONDS


def _shared(db_path: Path) -> bool:
    """Whether another SQLite file beside the cache has the same name before its suffix, and
    so the same copy folder (:func:`~incident_tui.paths.outbox_files_dir`)."""
    try:
        siblings = list(os.scandir(db_path.parent))
    except OSError:
        return True
    for entry in siblings:
        path = Path(entry.path)
        if entry.name == db_path.name or path.stem != db_path.stem:
            continue
        try:
            if entry.is_file():
                with path.open("rb") as file:
                    if file.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER:
                        return True
        except OSError:
            continue
    return False


def _named(s: Session) -> set[str]:
    """The folders the queued uploads and the files waiting for upload name."""
    rows = s.connection().execute(
        text(
            "SELECT json_extract(payload, '$.path') FROM outbox "
            "WHERE op = :attach AND json_valid(payload) "
            "UNION SELECT local_path FROM attachment WHERE local_path IS NOT NULL"
        ),
        {"attach": ChangeKind.ATTACH.value},
    )
    return {Path(path).parent.name for (path,) in rows if isinstance(path, str)}


def _names(s: Session, name: str) -> bool:
    """Whether any queued change or cached file mentions the folder ``name`` at all."""
    found = s.connection().execute(
        text(
            "SELECT 1 FROM outbox WHERE instr(payload, :n) "
            "UNION ALL SELECT 1 FROM attachment WHERE instr(local_path, :n) LIMIT 1"
        ),
        {"n": name},
    )
    return found.first() is not None
