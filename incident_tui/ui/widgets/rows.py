"""The list's data side: display-ready rows and the block cache that holds pages of them.

Rows are prepared (cleaned, parsed, bounded) in the worker thread that read them, so drawing
a line on the event loop only lays out short strings.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from datetime import datetime
from typing import Generic, NamedTuple, TypeVar

from incident_tui.clock import from_db_or_none
from incident_tui.store.reader import ListRow
from incident_tui.ui.format import cell_text

T = TypeVar("T")

BLOCK_SIZE = 100
"""Rows per block: one ``Reader.page`` call, and the unit the cache keeps or drops."""
SHORT_LABEL = 10
"""Longest id shown whole in the list's id column (its width from 100 columns on)."""
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)


CONFLICT_MARK = "!"
FAILED_MARK = "✗"
PENDING_MARK = "↑"
"""The marks of an incident whose changes wait: in conflict, refused, queued."""


def state_mark(row: ListRow | RowView) -> str:
    """The mark the list shows for ``row``'s changes: conflict beats failed beats pending
    (the most urgent shows); a space for none. Notices name it as the list shows it."""
    if row.conflict:
        return CONFLICT_MARK
    if row.failed:
        return FAILED_MARK
    if row.pending or row.local_only:
        return PENDING_MARK
    return " "


def short_label(ref: str | None, remote_id: str | None) -> str:
    """The short id people tell incidents apart by: the remote's ref when it is short, else
    the remote id when that is, else a UUID's first eight digits (as a short commit hash).

    A long ref is no id to tell incidents apart by at a glance (Revily's is the alert's
    dedup key, ``edge_proxy/payment_api_latency``): cut to the column, several incidents
    read the same, while their remote id is short and unique."""
    ref_text = cell_text(ref, limit=24)
    remote_text = cell_text(remote_id, limit=40)
    if ref_text and len(ref_text) <= SHORT_LABEL:
        return ref_text
    if remote_text and len(remote_text) <= SHORT_LABEL:
        return remote_text
    if UUID.fullmatch(remote_text):
        return remote_text[:8]
    return ref_text or remote_text[:24]


class RowView(NamedTuple):
    """One list line's data, already safe to draw (a NamedTuple: 6x cheaper to define than a
    frozen dataclass, and module definitions are on the first-paint path)."""

    id: str
    remote: str
    kind: str
    label: str
    """The short id shown: the remote's ref, else its id, else ``new`` for local drafts."""
    title: str
    status: str
    severity: str | None
    created: datetime | None
    pending: int
    conflict: bool
    failed: bool
    local_only: bool


def row_view(row: ListRow) -> RowView:
    """Prepare a Reader row for drawing (sanitised and bounded; see ``format.cell_text``)."""
    if row.local_only:
        label = "new"
    else:
        label = short_label(row.ref, row.remote_id)
    return RowView(
        id=row.id,
        remote=cell_text(row.remote, limit=40),
        kind=row.kind,
        label=label,
        title=cell_text(row.title),
        status=row.status,
        severity=row.severity,
        created=from_db_or_none(row.created_at),
        pending=row.pending,
        conflict=row.conflict,
        failed=row.failed,
        local_only=row.local_only,
    )


class BlockCache(Generic[T]):
    """Blocks of consecutive rows by block number, least recently used dropped first."""

    def __init__(self, block_size: int = BLOCK_SIZE, max_blocks: int = 64) -> None:
        self.block_size = block_size
        self.max_blocks = max_blocks
        self._blocks: OrderedDict[int, list[T]] = OrderedDict()

    def __len__(self) -> int:
        return len(self._blocks)

    def block_of(self, index: int) -> int:
        """The block number holding row ``index``."""
        return index // self.block_size

    def get(self, index: int) -> T | None:
        """Row ``index`` if its block is loaded (and long enough), else ``None``."""
        block = self._blocks.get(index // self.block_size)
        if block is None:
            return None
        offset = index % self.block_size
        return block[offset] if offset < len(block) else None

    def has(self, block: int) -> bool:
        """Whether block ``block`` is loaded."""
        return block in self._blocks

    def put(self, block: int, rows: list[T]) -> None:
        """Store a block, dropping the least recently stored ones beyond ``max_blocks``."""
        self._blocks[block] = rows
        self._blocks.move_to_end(block)
        while len(self._blocks) > self.max_blocks:
            self._blocks.popitem(last=False)

    def touch(self, block: int) -> None:
        """Mark a block as recently used (it is on screen), so it is dropped last."""
        if block in self._blocks:
            self._blocks.move_to_end(block)

    def blocks_between(self, start: int, end: int) -> range:
        """Block numbers covering rows ``start`` to ``end`` (exclusive), clipped at 0."""
        first = max(0, start) // self.block_size
        last = max(0, end - 1) // self.block_size
        return range(first, last + 1)

    def clear(self) -> None:
        """Forget every block."""
        self._blocks.clear()

    def rows(self) -> list[T]:
        """Every loaded row (tests and look-ups by id)."""
        return [row for block in self._blocks.values() for row in block]
