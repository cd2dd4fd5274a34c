"""Complete a typed file path the way a shell's Tab does, for the upload prompt.

Over SSH at 3 a.m. nobody wants to type ``~/evidence/2026-11-25_generator-room.jpg`` in
full. The typed text keeps its own form (``~``, a relative path) and only gains the part
every matching name shares; a single matching folder gains its ``/`` so the next Tab goes on
inside it. Hidden names are offered only once a ``.`` is typed, as shells do; a name with
control characters in it (an escape sequence someone left in a file name) is never offered.
"""

from __future__ import annotations

import asyncio
import os
from pathlib import Path
from typing import NamedTuple

from textual.suggester import Suggester

from incident_tui.domain.text import counted
from incident_tui.paths import home_path

SHOWN_MATCHES = 6
"""Names listed when several match and none can be completed further."""


class Completion(NamedTuple):
    """The text with as much added as every match shares, and the matching names (folders
    end in ``/``), sorted."""

    text: str
    matches: list[str]


def complete_path(text: str, cwd: Path | None = None) -> Completion:
    """Complete ``text`` against the folder it names (relative to ``cwd``, else the working
    directory). Nothing is added for quoted text (a pasted path is whole already) or a
    folder that cannot be read."""
    if not text or text[0] in "'\"":
        return Completion(text, [])
    if text == "~":
        return Completion("~/", [])
    head, slash, prefix = text.rpartition("/")
    typed_folder = head + slash
    folder = home_path(typed_folder or ".") if typed_folder != "/" else Path("/")
    if not folder.is_absolute():
        folder = (cwd or Path.cwd()) / folder
    try:
        with os.scandir(folder) as entries:
            found = [
                (entry.name, _is_folder(entry))
                for entry in entries
                if entry.name.startswith(prefix)
                and entry.name.isprintable()
                and (prefix.startswith(".") or not entry.name.startswith("."))
            ]
    except OSError:  # missing, not a folder, no permission: nothing to offer
        return Completion(text, [])
    found.sort()
    matches = [name + ("/" if is_folder else "") for name, is_folder in found]
    if len(matches) == 1:
        return Completion(typed_folder + matches[0], matches)
    shared = os.path.commonprefix([name for name, _ in found])
    return Completion(typed_folder + shared if len(shared) > len(prefix) else text, matches)


def _is_folder(entry: os.DirEntry[str]) -> bool:
    """Whether the entry is a folder, following links (a link to a folder is gone into)."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def matches_note(matches: list[str]) -> str:
    """What to say when Tab cannot add anything: the first names, or that none match."""
    if not matches:
        return "No file starts with that."
    shown = ", ".join(matches[:SHOWN_MATCHES])
    more = len(matches) - SHOWN_MATCHES
    return f"{counted(len(matches), 'match', 'matches')}: {shown}" + (
        f", and {more} more" if more > 0 else ""
    )


class PathSuggester(Suggester):
    """Shows the completion greyed after the cursor as the user types (right arrow or Tab
    takes it). The folder is read each time (no cache: files come and go) in a thread, so a
    slow mount never holds the screen."""

    def __init__(self, cwd: Path | None = None) -> None:
        super().__init__(use_cache=False, case_sensitive=True)
        self.cwd = cwd

    async def get_suggestion(self, value: str) -> str | None:
        """The completed text when it adds something, else ``None``."""
        completed = (await asyncio.to_thread(complete_path, value, self.cwd)).text
        return completed if len(completed) > len(value) else None
