"""Where the incident list gets its rows: the Reader, plus one faster plan for search pages.

The list asks for a count, a position and pages. All of it goes to
:class:`incident_tui.store.reader.Reader`, except one case: a search sorted by creation time.
There SQLite's planner looks up every full-text match by rowid and sorts them all before it
can return the first 100 (150 ms for a one-letter prefix over 100k incidents); walking the
``(created_at, id)`` index and testing membership stops after 100 hits (5-35 ms). Until the
Reader adopts that plan (see the UI report), this adapter forces it with ``INDEXED BY`` and
falls back to ``Reader.page`` if the index is missing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any, Protocol

from incident_tui.domain.query import ListQuery, Sort
from incident_tui.store.reader import LIST_COLUMNS, ORDER_BY, ListRow, Reader, where_clause

CREATED_INDEX = "ix_incident_created_id"
"""The store's ``(created_at DESC, id DESC)`` index (schema.EXTRA_INDEXES)."""


class PageSource(Protocol):
    """What the virtual list needs from the store; every call runs in a worker thread."""

    def count(self, query: ListQuery) -> int:
        """How many incidents the query selects."""
        ...

    def page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        """Rows ``offset`` to ``offset + limit`` of the query, in its order."""
        ...

    def position(self, query: ListQuery, incident_id: str) -> int | None:
        """Where ``incident_id`` sits in the query's order, or ``None``."""
        ...

    def first_position(self, query: ListQuery, ids: list[str]) -> int | None:
        """Where the first of ``ids`` that the query selects sits in its order, or
        ``None``."""
        ...

    def page_within(
        self, query: ListQuery, offset: int, limit: int, seconds: float
    ) -> list[ListRow] | None:
        """Like :meth:`page` if that takes at most ``seconds`` and the store is free at once,
        else ``None``; may run on the event loop."""
        ...

    def selection_now(self, ids: list[str]) -> dict[str, str | None]:
        """Each of ``ids`` (selected incidents) to the id it has now: the remote's once a
        create made here was accepted, ``None`` once the cache no longer has it."""
        ...


class ListSource:
    """The Reader as a :class:`PageSource`, with the index walk for search pages.

    Counts go to a second connection (``counter``): a count of a broad search takes tens of
    milliseconds, and on the same connection (one lock) it would hold up the rows of the
    next keystroke. SQLite in WAL mode runs both readers side by side.
    """

    def __init__(self, reader: Reader, counter: Callable[[], Reader] | None = None) -> None:
        self._reader = reader
        self._counter = counter
        self._walk_index = True

    def count(self, query: ListQuery) -> int:
        """How many incidents the query selects (on the counting connection)."""
        reader = self._counter() if self._counter is not None else self._reader
        return reader.count(query)

    def position(self, query: ListQuery, incident_id: str) -> int | None:
        """Where ``incident_id`` sits in the query's order, or ``None``."""
        return self._reader.position(query, incident_id)

    def first_position(self, query: ListQuery, ids: list[str]) -> int | None:
        """Where the first of ``ids`` that the query selects sits in its order, or
        ``None``."""
        return self._reader.first_position(query, ids)

    def page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        """Rows ``offset`` to ``offset + limit`` of the query, in its order."""
        if self._walk_index and query.search.strip() and query.sort in (Sort.NEWEST, Sort.OLDEST):
            try:
                return self._search_page(query, offset, limit)
            except sqlite3.OperationalError as error:
                if is_interrupted(error):
                    raise
                # The index is gone (a newer schema): the Reader's own plan is still correct.
                self._walk_index = False
        return self._reader.page(query, offset, limit)

    def page_within(
        self, query: ListQuery, offset: int, limit: int, seconds: float
    ) -> list[ListRow] | None:
        """The page if it can be read within ``seconds`` without waiting for the connection
        (a search keystroke's rows then reach the same frame as the typed letter); ``None``
        otherwise, and the caller reads it in a worker."""
        with self._reader.within(seconds) as free:
            if not free:
                return None
            try:
                return self.page(query, offset, limit)
            except sqlite3.OperationalError as error:
                if is_interrupted(error):
                    return None
                raise

    def selection_now(self, ids: list[str]) -> dict[str, str | None]:
        """Each of ``ids`` (selected incidents) to the id it has now: the remote's once a
        create made here was accepted, ``None`` once the cache no longer has it (deleted on
        the remote, or here). Two reads, whatever the number of ids."""
        current = self._reader.current_ids(ids)
        there = self._reader.among(ListQuery(), current)
        return {old: new if new in there else None for old, new in zip(ids, current, strict=True)}

    def _search_page(self, query: ListQuery, offset: int, limit: int) -> list[ListRow]:
        where, params = where_clause(query)
        sql = (
            f"SELECT {LIST_COLUMNS} FROM incident INDEXED BY {CREATED_INDEX} WHERE {where} "
            f"ORDER BY {ORDER_BY[query.sort]} LIMIT ? OFFSET ?"
        )
        return [to_list_row(row) for row in self._reader.query(sql, [*params, limit, offset])]


def is_interrupted(error: sqlite3.OperationalError) -> bool:
    """Whether a statement was stopped by a time box (``Reader.within``), not failed."""
    return "interrupted" in str(error)


def to_list_row(row: tuple[Any, ...] | list[Any]) -> ListRow:
    """A ``LIST_COLUMNS`` result row as a :class:`ListRow` (the Reader's own conversion)."""
    return ListRow(
        row[0], row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8], row[9],
        int(row[10]), bool(row[11]), bool(row[12]), bool(row[13]),
    )
