"""Unsent text of the comment, new-incident and edit dialogs, kept until it is sent.

An escape pressed by mistake, or an SSH link that drops and takes the TUI with it, must not
throw away a half-written comment. A dialog puts its fields here while the user types
(debounced) and when it is cancelled, and takes them out again when it sends; reopening the
same dialog brings the text back. The drafts live in a small JSON file beside the cache
(``<cache>.drafts.json``, readable by the owner only), so they also outlive the process.
Two TUIs on one cache share that file: a save changes only its own draft in it, under a lock
file beside it (``<cache>.drafts.json.lock``), and each reads it again once the other changed
it, so a comment one of them sent is not offered again by the other.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Fields = dict[str, Any]
"""A dialog's fields by name, as JSON values."""

Version = tuple[int, int, int]
"""Which file the drafts were read from: its inode, modification time (ns) and size. Every
save writes a new file renamed into place, so another process's save changes the inode."""

LOCK_WAIT = 1.0
"""Seconds a save waits for another process's save to finish before it goes ahead anyway:
saves run on the screen's loop, and a process stopped mid-save must not freeze typing."""


def drafts_path(db_path: Path) -> Path:
    """Where the drafts of the cache at ``db_path`` are kept."""
    return db_path.with_name(db_path.name + ".drafts.json")


class Drafts:
    """The drafts of one cache, by key (``comment:<incident id>``, ``new``,
    ``edit:<incident id>``).

    Several processes may keep drafts of one cache (two TUIs, one per responder or per SSH
    link). Each save therefore changes only its own key in the file as it is now, read again
    under a lock, rather than writing this process's copy of the whole file over drafts
    another one kept since."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._drafts: dict[str, Fields] = {}
        self._version: Version | None = None
        """The file the drafts in memory were read from or written to (``None``: none)."""
        self._unsaved: set[str] = set()
        """Keys changed here whose change is not in the file yet (a save failed)."""
        self._refresh()

    def _read(self) -> dict[str, Fields] | None:
        """The drafts in the file (none when there is no file); ``None`` when it exists but
        cannot be read, and then it must not be written over."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("cannot read the drafts in %s (kept in memory only): %s", self.path, exc)
            return None
        try:
            data = json.loads(text)
            if not isinstance(data, dict) or not all(isinstance(v, dict) for v in data.values()):
                raise ValueError("not an object of objects")
        except ValueError as exc:
            # Moved aside, not overwritten: whatever text it still holds can be recovered.
            aside = self.path.with_name(self.path.name + ".unreadable")
            log.warning("unreadable drafts file %s (%s): moved to %s", self.path, exc, aside)
            try:
                os.replace(self.path, aside)
            except OSError:
                return None
            return {}
        return data

    def _refresh(self) -> None:
        """Read the file again if another process (or another :class:`Drafts`) changed it
        since it was last read or written here: one ``stat`` when it did not. Changes made
        here and not saved yet stay over what it holds (under ``_lock``)."""
        try:
            version: Version | None = _version(os.stat(self.path))
        except FileNotFoundError:
            version = None
        except OSError:
            return  # cannot tell: what is in memory stays
        if version == self._version:
            return
        # Looked at before reading: a save landing in between is read again next time,
        # never taken for the version already read.
        drafts = self._read()
        self._version = version  # unreadable: not tried again (nor warned of) until changed
        if drafts is None:
            return
        self._drafts = self._with_unsaved(drafts)

    def get(self, key: str) -> Fields | None:
        """The draft under ``key``, if one is kept (here or by another process since)."""
        with self._lock:
            self._refresh()
            found = self._drafts.get(key)
            return dict(found) if found is not None else None

    def put(self, key: str, fields: Fields) -> None:
        """Keep ``fields`` under ``key``; fields that are all empty drop the draft instead."""
        if not any(value not in (None, "", False) for value in fields.values()):
            self.drop(key)
            return
        with self._lock:
            self._refresh()
            if self._drafts.get(key) == fields:
                return
            self._drafts[key] = dict(fields)
            self._unsaved.add(key)
            self._write()

    def drop(self, key: str) -> None:
        """Forget the draft under ``key`` (it was sent, or emptied)."""
        with self._lock:
            self._refresh()
            if self._drafts.pop(key, None) is not None:
                self._unsaved.add(key)
                self._write()

    def move(self, old: str, new: str) -> Fields | None:
        """Keep the draft under ``old`` under ``new`` instead; where ``new`` has one already,
        the two become one (see :func:`merged`) and ``old`` goes, as nothing opens a dialog
        under it any more. The draft now under ``new``, if any."""
        with self._lock:
            self._refresh()
            if old in self._drafts:
                former = self._drafts.pop(old)
                kept = self._drafts.get(new)
                self._drafts[new] = merged(kept, former) if kept is not None else former
                self._unsaved.update((old, new))
                self._write()
            found = self._drafts.get(new)
            return dict(found) if found is not None else None

    def _with_unsaved(self, drafts: dict[str, Fields]) -> dict[str, Fields]:
        """``drafts`` (as read from the file) with the keys changed here and not saved yet
        as they are here: set, or gone."""
        for key in self._unsaved:
            if key in self._drafts:
                drafts[key] = self._drafts[key]
            else:
                drafts.pop(key, None)
        return drafts

    def _write(self) -> None:
        """Bring the file's entries of the keys changed here up to date (under ``_lock``)."""
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with _file_lock(self.path.with_name(self.path.name + ".lock")):
                drafts = self._read()
                if drafts is None:
                    return
                drafts = self._with_unsaved(drafts)
                self._version = _replace(self.path, drafts)
            # What the file holds now, other processes' drafts included.
            self._drafts = drafts
            self._unsaved.clear()
        except OSError as exc:
            # The draft is still kept in memory for this session, and saved with the next.
            log.warning("cannot save the drafts to %s: %s", self.path, exc)


TEXT_FIELDS = frozenset({"body", "description"})
"""The many-line fields of the dialogs: where two drafts hold different texts, both are
kept in one."""


def merged(kept: Fields, former: Fields) -> Fields:
    """One draft of ``kept`` (under the incident's id now) and ``former`` (under an id it had
    before), so that nothing typed in either is lost from sight.

    Both exist when a dialog still open under the former id saved after one under the new
    id did (in another TUI, say): either may be the newer. A field empty in one takes the
    other's value; a text one holds whole is the longer; different texts of a many-line
    field are both kept, ``kept``'s first; any other field keeps ``kept``'s value, as the
    dialog under that id showed it last."""
    result = dict(former)
    for name, value in kept.items():
        other = former.get(name)
        if value in (None, "", False):
            result.setdefault(name, value)
        elif isinstance(value, str) and isinstance(other, str) and other and other != value:
            if value in other:
                result[name] = other
            elif other in value:
                result[name] = value
            elif name in TEXT_FIELDS:
                result[name] = f"{value.rstrip()}\n\n{other.lstrip()}"
            else:
                result[name] = value
        else:
            result[name] = value
    return result


def _version(stat: os.stat_result) -> Version:
    """The :data:`Version` of the file ``stat`` describes."""
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


def _replace(path: Path, drafts: dict[str, Fields]) -> Version:
    """Write ``drafts`` to ``path`` as a whole new file renamed into place: a process killed
    mid-write leaves the old one. Returns the new file's version."""
    handle, tmp = tempfile.mkstemp(prefix=".drafts-", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(drafts, out, ensure_ascii=False)
            out.flush()
            # Renaming keeps the inode and modification time: this is the file as placed.
            version = _version(os.fstat(out.fileno()))
        os.replace(tmp, path)
        return version
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on the file at ``path`` (created if missing) against other
    processes and other :class:`Drafts` of this one, waiting at most :data:`LOCK_WAIT`.
    Without a lock (none on this system or file system, or still held by then) the block
    runs all the same: a save is never refused for it.

    ``flock`` rather than a POSIX record lock: it belongs to the open file, so two
    :class:`Drafts` of one process exclude each other too, and closing some other
    descriptor of the file does not drop it."""
    if sys.platform == "win32":
        yield
        return
    import fcntl

    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
    try:
        deadline = time.monotonic() + LOCK_WAIT
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as error:
                if error.errno not in (errno.EAGAIN, errno.EACCES):
                    log.info("no lock on %s (%s); saving the drafts without one", path, error)
                    break
                if time.monotonic() >= deadline:
                    log.warning("%s still locked; saving the drafts without the lock", path)
                    break
                time.sleep(0.01)
        yield
    finally:
        # Closing the file releases the lock.
        os.close(fd)
