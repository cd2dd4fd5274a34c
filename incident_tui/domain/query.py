"""What the incident list shows: filters, search text and sort order, as a value object."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import NamedTuple

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


UNSPACED = re.compile(
    "[\u0e00-\u0fff\u1000-\u109f\u1100-\u11ff\u1780-\u19ff\u1a20-\u1aaf\u1b00-\u1b7f"
    "\u2e80-\u2fff\u3040-\u9fff\ua000-\ua4cf\ua960-\ua97f\ua980-\uaadf\uac00-\ud7ff"
    "\uf900-\ufaff\uff66-\uffdc\U00016fe0-\U00018aff\U0001b000-\U0001b2ff"
    "\U00020000-\U0003ffff]"
)
"""Letters of scripts written without spaces between words (Thai, Lao, Tibetan, Myanmar,
Khmer and their neighbours; Chinese, Japanese, Korean, Yi): the index's tokenizer takes a run
of them for one word, so a word inside it is found only by its characters."""


EMOJI_MARKS = frozenset("\ufe0e\ufe0f\u20e3")
"""The marks that make a digit or letter an emoji (text and emoji presentation, the keycap's
enclosing square): not combining accents, which the index reads with their letter."""


def _unspaced(word: str) -> bool:
    """Whether the index cannot find ``word`` inside the text: letters of a script written
    without spaces, or a symbol beyond ASCII (an emoji, ``°``, ``€``), which the tokenizer
    drops as it would a space. So is an emoji made of a digit and marks (the keycap
    ``1️⃣``): the index keeps only its digit, and ``1️⃣`` found every ``100``."""
    return any(
        UNSPACED.match(ch) or ch in EMOJI_MARKS
        or (ch > "\x7f" and unicodedata.category(ch).startswith("S"))
        for ch in word
    )


def _like_pattern(word: str) -> str:
    """A LIKE pattern (escape ``\\``) finding ``word`` anywhere, its ``%`` and ``_`` as typed."""
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


class SearchWords(NamedTuple):
    """What a user typed, split by how each word is looked for (see :func:`search_words`)."""

    match: str
    """A safe FTS5 query of the plain words (``""`` when there are none)."""
    ids: tuple[IdWord, ...]
    """The words that may be ids."""
    inside: tuple[str, ...]
    """LIKE patterns (escape ``\\``) of the words the index cannot find: each must occur in
    the title, description, comments or numbers of an incident found."""


def search_words(text: str) -> SearchWords:
    """What a user typed as a safe FTS5 query of its plain words, its words that may be ids,
    and its words looked for as they are anywhere in the text. Every plain word is a quoted
    string, the last one a prefix (search as you type); ``eu-west`` or ``o'brien`` are just
    words here. A word holding Chinese, Thai or an emoji (:func:`_unspaced`) is looked for
    character by character, as the index holds ``wide中文🔥`` as the one word ``wide中文``."""
    words = text.split()
    plain: list[str] = []
    ids: list[IdWord] = []
    inside: list[str] = []
    for n, word in enumerate(words, start=1):
        last = n == len(words)
        if _unspaced(word):
            inside.append(_like_pattern(word))
        elif found := ID_WORD.fullmatch(word):
            ids.append(
                IdWord(
                    _fts_word(word, last),
                    found.group(1),
                    "ids : " + _fts_word(found.group(2), last),
                )
            )
        else:
            plain.append(_fts_word(word, last))
    return SearchWords(" ".join(plain), tuple(ids), tuple(inside))
