"""The list's reads, run in worker threads, and the messages that bring them back.

Kept apart from the widget so the reading logic (which blocks to read first, when the count
is needed before any row can be placed) is plain code over a PageSource.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

from textual.message import Message

from incident_tui.domain.query import ListQuery
from incident_tui.ui.list_source import PageSource
from incident_tui.ui.widgets.rows import BLOCK_SIZE, RowView, row_view


class ReloadResult(NamedTuple):
    """What a reload read: where the cursor goes, the rows around it and the total so far."""

    cursor: int
    top: int
    blocks: dict[int, list[RowView]]
    total: int
    exact: bool
    """``False`` while ``total`` is provisional (the count follows in a second message)."""


def read_block(source: PageSource, query: ListQuery, block: int) -> list[RowView]:
    """One block of display-ready rows."""
    return [row_view(r) for r in source.page(query, block * BLOCK_SIZE, BLOCK_SIZE)]


def read_first_block_within(
    source: PageSource, query: ListQuery, seconds: float
) -> list[RowView] | None:
    """The first block if the store gives it within ``seconds`` (on the event loop), else
    ``None``."""
    rows = source.page_within(query, 0, BLOCK_SIZE, seconds)
    return None if rows is None else [row_view(r) for r in rows]


def first_block(rows: list[RowView]) -> ReloadResult:
    """A reload result made of an already read first block (cursor at the top)."""
    exact = len(rows) < BLOCK_SIZE
    return ReloadResult(0, 0, {0: rows}, len(rows), exact)


def read_reload(
    source: PageSource,
    query: ListQuery,
    *,
    keep: str | None,
    fallback: int,
    offset: int,
    height: int,
    current: Callable[[], bool],
    then: list[str] | None = None,
) -> ReloadResult | None:
    """Read what the first frame of a (re)loaded list needs.

    The cursor goes to ``keep`` if the query still selects it, else to the first of ``then``
    (the incidents that were below it) it still selects, else to row ``fallback`` (clamped),
    and sits ``offset`` lines below the top of the view. Rows come first and the count
    later, unless clamping needs it. ``None`` if ``current()`` says a newer reload won.
    """
    index = source.position(query, keep) if keep is not None else None
    if index is None and then:
        # Not its row number: rows above it that went too (a colleague resolving several
        # under a status filter) would put the cursor past rows nobody has looked at.
        index = source.first_position(query, then)
    total: int | None = None
    if index is None and fallback > 0:
        total = source.count(query)
        index = min(fallback, max(total - 1, 0))
    index = index or 0
    if not current():
        return None
    top = max(0, index - offset)
    first, last = top // BLOCK_SIZE, (top + max(height, 1) - 1) // BLOCK_SIZE
    wanted = {*range(first, last + 1), index // BLOCK_SIZE}
    blocks = {block: read_block(source, query, block) for block in sorted(wanted)}
    exact = total is not None
    head = blocks.get(0)
    if total is None and head is not None and len(head) < BLOCK_SIZE:
        total, exact = len(head), True
    if total is None:
        total = max((b * BLOCK_SIZE + len(rows) for b, rows in blocks.items()), default=0)
    return ReloadResult(index, top, blocks, total, exact)


class RowsRead(Message, bubble=False):
    """A reload's first blocks arrived."""

    def __init__(
        self,
        epoch: int,
        query: ListQuery,
        result: ReloadResult,
        selection: dict[str, str | None] | None = None,
    ) -> None:
        super().__init__()
        self.epoch = epoch
        self.query = query
        self.result = result
        self.selection = selection
        """The selected incidents' ids now, read with the rows (see
        :meth:`PageSource.selection_now`); ``None`` when not read."""


class Counted(Message, bubble=False):
    """The exact count of a reload's query arrived."""

    def __init__(self, epoch: int, total: int) -> None:
        super().__init__()
        self.epoch = epoch
        self.total = total


class BlockRead(Message, bubble=False):
    """A prefetched block arrived."""

    def __init__(self, epoch: int, block: int, rows: list[RowView]) -> None:
        super().__init__()
        self.epoch = epoch
        self.block = block
        self.rows = rows
