"""What the incident list shows: filters, search text and sort order, as a value object."""

from __future__ import annotations

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


def fts_query(text: str) -> str:
    """Turn what a user typed into a safe FTS5 query: every word a quoted string, the last
    one a prefix (search as you type). ``eu-west`` or ``o'brien`` are just words here."""
    words = text.split()
    if not words:
        return ""
    quoted = ['"' + word.replace('"', '""') + '"' for word in words]
    quoted[-1] += "*"
    return " ".join(quoted)
