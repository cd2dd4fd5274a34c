"""Unsent text of the comment, new-incident and edit dialogs, kept until it is sent.

An escape pressed by mistake, or an SSH link that drops and takes the TUI with it, must not
throw away a half-written comment. A dialog puts its fields here while the user types
(debounced) and when it is cancelled, and takes them out again when it sends; reopening the
same dialog brings the text back. The drafts live in a small JSON file beside the cache
(``<cache>.drafts.json``, readable by the owner only), so they also outlive the process.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

Fields = dict[str, Any]
"""A dialog's fields by name, as JSON values."""


def drafts_path(db_path: Path) -> Path:
    """Where the drafts of the cache at ``db_path`` are kept."""
    return db_path.with_name(db_path.name + ".drafts.json")


class Drafts:
    """The drafts of one cache, by key (``comment:<incident id>``, ``new``,
    ``edit:<incident id>``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._writable = True
        """False when the file exists but cannot be read: writing would overwrite it."""
        self._drafts: dict[str, Fields] = self._read()

    def _read(self) -> dict[str, Fields]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            log.warning("cannot read the drafts in %s (kept in memory only): %s", self.path, exc)
            self._writable = False
            return {}
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
                self._writable = False
            return {}
        return data

    def get(self, key: str) -> Fields | None:
        """The draft under ``key``, if one is kept."""
        with self._lock:
            found = self._drafts.get(key)
            return dict(found) if found is not None else None

    def put(self, key: str, fields: Fields) -> None:
        """Keep ``fields`` under ``key``; fields that are all empty drop the draft instead."""
        if not any(value not in (None, "", False) for value in fields.values()):
            self.drop(key)
            return
        with self._lock:
            if self._drafts.get(key) == fields:
                return
            self._drafts[key] = dict(fields)
            self._write()

    def drop(self, key: str) -> None:
        """Forget the draft under ``key`` (it was sent, or emptied)."""
        with self._lock:
            if self._drafts.pop(key, None) is not None:
                self._write()

    def _write(self) -> None:
        # A whole new file renamed into place: a process killed mid-write leaves the old one.
        if not self._writable:
            return
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            handle, tmp = tempfile.mkstemp(prefix=".drafts-", dir=self.path.parent)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as out:
                    json.dump(self._drafts, out, ensure_ascii=False)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError as exc:
            # The draft is still kept in memory for this session.
            log.warning("cannot save the drafts to %s: %s", self.path, exc)
