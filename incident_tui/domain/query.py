"""What the incident list shows: filters, search text and sort order, as a value object."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from incident_tui.domain.model import Severity, Status
from incident_tui.domain.text import clean


class Sort(StrEnum):
    """Orders the list can be sorted by."""

    NEWEST = "newest"
    OLDEST = "oldest"
    SEVERITY = "severity"
    UPDATED = "updated"


@dataclass(frozen=True, slots=True)
class ListQuery:
    """Filters and order of an incident listing; empty sets mean "any"."""

    statuses: frozenset[Status] = field(default_factory=frozenset)
    remotes: frozenset[str] = field(default_factory=frozenset)
    severities: frozenset[Severity | None] = field(default_factory=frozenset)
    search: str = ""
    sort: Sort = Sort.NEWEST
    pending_only: bool = False

    def with_search(self, text: str) -> ListQuery:
        """The same query with another search text."""
        return replace(self, search=text)

    def describe(self) -> str:
        """A short human summary of the active filters (for the list's title line)."""
        parts: list[str] = []
        if self.statuses:
            parts.append("status " + ",".join(sorted(self.statuses)))
        if self.remotes:
            parts.append("remote " + ",".join(sorted(self.remotes)))
        if self.severities:
            parts.append("severity " + ",".join(sorted(s or "none" for s in self.severities)))
        if self.search:
            parts.append(f"search {_quoted(self.search)}")
        if self.pending_only:
            parts.append("pending only")
        return "; ".join(parts)


def _quoted(text: str) -> str:
    # Not repr(): it doubled every backslash and spelt other characters as escapes, so the
    # title showed something other than what was typed. Pasted control characters go.
    shown = clean(text, single_line=True)
    mark = '"' if "'" in shown and '"' not in shown else "'"
    return f"{mark}{shown}{mark}"


def _fts_word(word: str, prefix: bool) -> str:
    """One typed word as an FTS5 string (a prefix if ``prefix``)."""
    return '"' + word.replace('"', '""') + '"' + ("*" if prefix else "")


ID_WORD = re.compile(r"([A-Za-z0-9_.-]+):(.+)")
"""A word that may be an incident's id as the list prints it, ``<remote>:<number>``: a remote
name (as the config allows them, so with no colon) and a colon before the rest."""


@dataclass(frozen=True, slots=True)
class IdWord:
    """A search word of the :data:`ID_WORD` form. The full-text index holds an incident's
    numbers (its reference and remote id) but not its remote's name, so such a word matches
    as text (:attr:`text`) or as the number of an incident of that remote."""

    text: str
    """The FTS5 query of the whole word, as any other word."""
    remote: str
    """The remote's name, before the colon."""
    number: str
    """The FTS5 query of the part after the colon, within the index's ``ids`` column."""


def search_words(text: str) -> tuple[str, tuple[IdWord, ...]]:
    """What a user typed as a safe FTS5 query of its plain words (``""`` when there are none)
    and its words that may be ids. Every word is a quoted string, the last one a prefix
    (search as you type); ``eu-west`` or ``o'brien`` are just words here."""
    words = text.split()
    plain: list[str] = []
    ids: list[IdWord] = []
    for n, word in enumerate(words, start=1):
        last = n == len(words)
        if found := ID_WORD.fullmatch(word):
            ids.append(
                IdWord(
                    _fts_word(word, last),
                    found.group(1),
                    "ids : " + _fts_word(found.group(2), last),
                )
            )
        else:
            plain.append(_fts_word(word, last))
    return " ".join(plain), tuple(ids)
