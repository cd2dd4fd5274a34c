"""The incident list: a virtual list over the cache that opens and scrolls at once at 100k rows.

A Line API widget (``ScrollView.render_line`` returning Strips; the drawing half lives in
:mod:`incident_tui.ui.widgets.incident_lines`), not a DataTable: it holds only a block cache of
rows read by pages in thread workers, prefetches blocks around the viewport, and draws a
placeholder for the frame or two a block is in flight. Every load carries an epoch, so answers
to stale queries are dropped. Data comes down through a PageSource and the query; intent goes
up as messages (cursor moved, loaded, selection changed).
"""

from __future__ import annotations

import asyncio
from typing import ClassVar

from textual import events, on
from textual.binding import Binding, BindingType
from textual.message import Message
from textual.worker import Worker

from incident_tui.clock import Clock
from incident_tui.domain.query import ListQuery
from incident_tui.ui.list_source import PageSource
from incident_tui.ui.messages import forward_worker_failure
from incident_tui.ui.widgets.incident_lines import IncidentLines
from incident_tui.ui.widgets.list_loading import (
    BlockRead,
    Counted,
    ReloadResult,
    RowsRead,
    first_block,
    read_block,
    read_first_block_within,
    read_reload,
)
from incident_tui.ui.widgets.rows import BLOCK_SIZE, RowView

PREFETCH_SCREENS = 2
"""Blocks are read ahead for this many screen heights above and below the viewport."""
INLINE_READ_SECONDS = 0.012
"""How long a new query's first rows may be read on the event loop before the read moves to
a worker: short enough that typing never stutters, long enough for most searches."""


class IncidentList(IncidentLines):
    """Incidents of a query, newest first by default, with a cursor and a multi-selection."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False, id="cursor_up"),
        Binding("down", "cursor_down", "Down", show=False, id="cursor_down"),
        Binding("pageup", "cursor_page_up", "Page up", show=False, id="page_up"),
        Binding("pagedown", "cursor_page_down", "Page down", show=False, id="page_down"),
        Binding("home", "cursor_first", "First", show=False, id="first"),
        Binding("end", "cursor_last", "Last", show=False, id="last"),
    ]

    class CursorChanged(Message):
        """The cursor moved to another incident, or that incident's row changed."""

        def __init__(self, row: RowView | None) -> None:
            super().__init__()
            self.row = row

    class Loaded(Message):
        """A query's rows are on screen; ``exact`` once the count is known."""

        def __init__(self, query: ListQuery, total: int, exact: bool) -> None:
            super().__init__()
            self.query = query
            self.total = total
            self.exact = exact

    class SelectionChanged(Message):
        """The multi-selection changed."""

        def __init__(self, count: int) -> None:
            super().__init__()
            self.count = count

    def __init__(
        self,
        source: PageSource,
        clock: Clock,
        query: ListQuery | None = None,
        *,
        id: str | None = None,
    ) -> None:
        super().__init__(clock, id=id)
        self._source = source
        self._query = query or ListQuery()
        self._rows_query = self._query
        """The query of the rows shown (``_query`` may be one still loading): blocks read
        ahead belong to it."""
        self._new_query = False
        """Whether a query :meth:`set_query` was given is still loading: a reload meanwhile
        reads it from its top, as it was asked for."""
        self._in_flight: set[int] = set()
        self._cursor_id: str | None = None
        self._follow_top: bool | None = None
        """Whether data changes keep the cursor on the newest row instead of its incident:
        only while a list that opened empty (a first sync filling it) was never touched, so
        the first view is the newest incidents, not whichever arrived first. Decided by the
        first rows shown."""
        self._focus_due: str | None = None
        """The incident a reload in flight was asked to show (:meth:`reload`'s ``focus``)."""
        self._moves_from: int | None = None
        """The cursor's row when the reload in flight started, if moves made while it reads
        are to be kept (see :meth:`_place_cursor`); ``None`` when the reload puts the cursor
        somewhere of its own (a new query's top, a new incident)."""
        self._row_waiters: list[asyncio.Event] = []
        """Set when the cursor's row may have arrived (:meth:`cursor_row_read`)."""
        self._to_last = False
        """Whether ``end`` was pressed while the total was still the rows read so far (a
        reload's, until its count): the count then takes the cursor to the last row."""

    # Public API ---------------------------------------------------------------------------

    @property
    def list_query(self) -> ListQuery:
        """The query whose rows are shown (or being loaded)."""
        return self._query

    @property
    def current(self) -> bool:
        """Whether the rows of the latest reload are the ones shown."""
        return self._applied == self._epoch

    @property
    def busy(self) -> bool:
        """Whether a reload, count or block read is still outstanding."""
        return self._applied != self._epoch or not self._exact or bool(self._in_flight)

    def set_query(self, query: ListQuery, first_rows: list[RowView] | None = None) -> None:
        """Show another query, cursor at the top. ``first_rows``, its first block read
        beforehand (the App reads it before the event loop starts), are shown at once and
        only the count is read in a worker."""
        self._focus_due = None
        self._to_last = False
        # At once, not when its rows arrive: a reload before then (another process's change
        # noticed while the filter dialog was open) re-read the query shown and dropped this
        # one, the filter, sort or search chosen.
        self._query = query
        self._new_query = True
        if first_rows is None and self.is_mounted:
            # Most queries (a search keystroke, a filter) answer in a few milliseconds: read
            # them here so the rows land in the same frame as the key, not one frame later.
            first_rows = read_first_block_within(self._source, query, INLINE_READ_SECONDS)
        if first_rows is None:
            self._start_reload(query, keep=None, fallback=0, offset=0)
            return
        self._epoch += 1
        self._moves_from = None
        result = first_block(first_rows)
        # Posted, not applied here: the caller may be another node (the screen's on_mount),
        # and messages this widget then sends (Loaded) would stop bubbling at that node.
        self.post_message(RowsRead(self._epoch, query, result))
        if not result.exact:
            self._count(self._epoch, query)

    def reload(self, focus: str | None = None) -> None:
        """Re-read the current query after data changed, keeping the cursor on ``focus`` (or
        on the incident it is on) at the same place on screen."""
        if focus is None and self._new_query:
            self._start_reload(self._query, keep=None, fallback=0, offset=0)
            return
        if focus is None and self._follow_top:
            self._start_reload(
                self._query, keep=None, fallback=0, offset=0, moves_from=self._cursor
            )
            return
        self._follow_top = False
        # A reload to show an incident that a later one overtakes before its rows arrive (a
        # sync's change after a create) would drop that jump: the later one makes it.
        focus = focus or self._focus_due
        self._focus_due = focus
        keep = focus or self._cursor_id
        offset = max(0, self._cursor - int(self.scroll_y))
        # A reload to another incident (a new one to show) is a jump of its own; otherwise
        # the keys pressed while it reads still count (see _place_cursor).
        moves_from = self._cursor if keep == self._cursor_id else None
        self._start_reload(
            self._query, keep=keep, fallback=self._cursor, offset=offset, moves_from=moves_from,
            then=self._ids_below() if keep == self._cursor_id else None,
        )

    def _ids_below(self) -> list[str]:
        """The incidents the list shows below the cursor (those loaded, a block at most):
        where the cursor goes should its own incident leave the list."""
        end = min(self._cursor + 1 + BLOCK_SIZE, self._total)
        rows = (self._blocks.get(index) for index in range(self._cursor + 1, end))
        return [row.id for row in rows if row is not None]

    async def cursor_row_read(self, limit: float) -> RowView | None:
        """The incident under the cursor once its block is read: at once if it is, else
        after waiting up to ``limit`` seconds for it; ``None`` if it is still not there (or
        the list is empty)."""
        waiter: asyncio.Event | None = None
        try:
            async with asyncio.timeout(limit):
                while (row := self.cursor_row) is None and self._total:
                    waiter = asyncio.Event()
                    self._row_waiters.append(waiter)
                    self._request_block(self._blocks.block_of(self._cursor))
                    await waiter.wait()
        except TimeoutError:
            if waiter in self._row_waiters:
                self._row_waiters.remove(waiter)
            return None
        return row

    def toggle_selected(self) -> bool:
        """Select or unselect the cursor's incident; ``False`` if no row is under it."""
        row = self.cursor_row
        if row is None:
            return False
        if row.id in self._selected:
            del self._selected[row.id]
        else:
            self._selected[row.id] = None
        self._refresh_row(self._cursor)
        self.post_message(self.SelectionChanged(len(self._selected)))
        return True

    def renew_selection(self, now: dict[str, str | None]) -> None:
        """Follow the selected incidents to their ids ``now`` (a create accepted takes the
        remote's id) and unselect those no longer in the cache, so that the count shown and
        the bulk actions take what is there; ids ``now`` does not name stay as they are
        (selected after it was read)."""
        renewed: dict[str, None] = {}
        for incident_id in self._selected:
            current = now.get(incident_id, incident_id)
            if current is not None:
                renewed[current] = None
        if list(renewed) == list(self._selected):
            return
        self._selected = renewed
        self.refresh()
        self.post_message(self.SelectionChanged(len(renewed)))

    def clear_selection(self) -> None:
        """Unselect everything."""
        if self._selected:
            self._selected.clear()
            self.refresh()
            self.post_message(self.SelectionChanged(0))

    def move_cursor(self, index: int) -> None:
        """Put the cursor on row ``index`` (clamped) and scroll it into view."""
        self._to_last = False
        index = max(0, min(index, self._total - 1))
        if index == self._cursor:
            return
        previous = self._cursor
        self._cursor = index
        self._cursor_into_view()
        self._refresh_row(previous)
        self._refresh_row(index)
        self._cursor_moved()
        self._prefetch()

    def _cursor_into_view(self) -> None:
        """Scroll the least that shows the cursor's row."""
        index, height, top = self._cursor, self._viewport_height(), int(self.scroll_y)
        if index < top:
            self.scroll_to(y=index, animate=False)
        elif index >= top + height:
            self.scroll_to(y=index - height + 1, animate=False)

    # Actions ------------------------------------------------------------------------------

    def action_cursor_down(self) -> None:
        """Move the cursor one row down."""
        self.move_cursor(self._cursor + 1)

    def action_cursor_up(self) -> None:
        """Move the cursor one row up."""
        self.move_cursor(self._cursor - 1)

    def action_cursor_page_down(self) -> None:
        """Move the cursor and the view one screen down."""
        height = self._viewport_height()
        self.scroll_to(y=self.scroll_y + height, animate=False)
        self.move_cursor(self._cursor + height)

    def action_cursor_page_up(self) -> None:
        """Move the cursor and the view one screen up."""
        height = self._viewport_height()
        self.scroll_to(y=max(0, self.scroll_y - height), animate=False)
        self.move_cursor(self._cursor - height)

    def action_cursor_first(self) -> None:
        """Go to the first row."""
        self.move_cursor(0)

    def action_cursor_last(self) -> None:
        """Go to the last row (once counted: a reload's rows are there before its count)."""
        self.move_cursor(self._total - 1)
        self._to_last = not self._exact

    # Events -------------------------------------------------------------------------------

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of this node's workers go to the App's one error handler."""
        forward_worker_failure(self, event)

    def on_key(self, event: events.Key) -> None:
        """Any key (it reaches the list before the screen's bindings run) means the user is
        working with the rows: from now on the cursor keeps to its incident."""
        self._follow_top = False

    def on_mouse_scroll_down(self, event: events.MouseScrollDown) -> None:
        """Scrolling with the wheel is working with the rows too (see :meth:`on_key`)."""
        self._follow_top = False

    def on_mouse_scroll_up(self, event: events.MouseScrollUp) -> None:
        """Scrolling with the wheel is working with the rows too (see :meth:`on_key`)."""
        self._follow_top = False

    def on_click(self, event: events.Click) -> None:
        """Put the cursor on the clicked row."""
        self._follow_top = False
        self.move_cursor(int(self.scroll_y) + event.y)

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        """Scrolling (keys, wheel, scrollbar) reads ahead around the new viewport."""
        super().watch_scroll_y(old_value, new_value)
        self._prefetch()

    # Line API -----------------------------------------------------------------------------

    # Loading ------------------------------------------------------------------------------

    def _start_reload(
        self,
        query: ListQuery,
        *,
        keep: str | None,
        fallback: int,
        offset: int,
        moves_from: int | None = None,
        then: list[str] | None = None,
    ) -> None:
        self._epoch += 1
        self._moves_from = moves_from
        epoch = self._epoch
        height = max(self._viewport_height(), 1)
        self._query = query
        selected = list(self._selected)

        def work() -> None:
            self._read_reload(epoch, query, keep, fallback, offset, height, selected, then)

        self.run_worker(work, thread=True, group="list-reload", exit_on_error=False)

    def _read_reload(
        self,
        epoch: int,
        query: ListQuery,
        keep: str | None,
        fallback: int,
        offset: int,
        height: int,
        selected: list[str],
        then: list[str] | None,
    ) -> None:
        """Worker thread: the rows around the cursor first (to paint), then the count. The
        ``selected`` incidents' ids now come with the rows: the data change behind a reload
        may have renamed or removed some. ``then``: see :func:`read_reload`."""

        def current() -> bool:
            return epoch == self._epoch

        result = read_reload(
            self._source, query, keep=keep, fallback=fallback, offset=offset, height=height,
            current=current, then=then,
        )
        if result is None:
            return
        selection = self._source.selection_now(selected) if selected else None
        self.post_message(RowsRead(epoch, query, result, selection))
        if not result.exact and current():
            self.post_message(Counted(epoch, self._source.count(query)))

    def _count(self, epoch: int, query: ListQuery) -> None:
        def work() -> None:
            if epoch == self._epoch:
                self.post_message(Counted(epoch, self._source.count(query)))

        self.run_worker(work, thread=True, group="list-count", exit_on_error=False)

    def viewport_changed(self) -> None:
        """The widget was resized: keep the cursor's row in view (a smaller terminal left it
        below the bottom, and the action keys took a row nobody saw), and read ahead for the
        new viewport."""
        self._cursor_into_view()
        self._prefetch()

    def block_missing(self, block: int) -> None:
        """Read a block a line needs (the prefetch usually got there first)."""
        self._request_block(block)

    def _request_block(self, block: int) -> None:
        if block in self._in_flight or self._blocks.has(block) or self._applied < 0:
            return
        if block * BLOCK_SIZE >= self._total:
            return
        self._in_flight.add(block)
        epoch, query = self._applied, self._rows_query

        def work() -> None:
            if epoch != self._applied:
                return
            self.post_message(BlockRead(epoch, block, read_block(self._source, query, block)))

        self.run_worker(work, thread=True, group="list-blocks", exit_on_error=False)

    def _prefetch(self) -> None:
        if self._applied < 0 or not self._total:
            return
        height = self._viewport_height()
        top = int(self.scroll_y)
        reach = height * PREFETCH_SCREENS
        for block in self._blocks.blocks_between(top, top + height):
            self._blocks.touch(block)
        end = min(top + height + reach, self._total)
        for block in self._blocks.blocks_between(top - reach, end):
            self._request_block(block)

    @on(RowsRead)
    def _apply_rows(self, message: RowsRead) -> None:
        if message.epoch != self._epoch:
            return
        result = message.result
        # Lines of another query (a new search) compare as changed even where they read the
        # same: what an empty list says depends on the query, and it is already the new one.
        shown = self.loaded and message.query == self._rows_query
        before = self._visible_lines() if shown else None
        cursor, top, total = self._place_cursor(result)
        if before is not None and int(self.scroll_y) == 0 and cursor < self._viewport_height():
            # A view at the top of the list is watching for what arrives there: keeping the
            # cursor's line instead would scroll a new incident in above it, out of sight.
            top = 0
        self._focus_due = None
        self._applied = message.epoch
        self._query = self._rows_query = message.query
        self._new_query = False
        self._blocks.clear()
        self._in_flight.clear()
        for block, rows in result.blocks.items():
            self._blocks.put(block, rows)
        self._total = total
        self._exact = result.exact
        if self._follow_top is None:
            self._follow_top = result.total == 0
        self._cursor = max(0, min(cursor, self._total - 1))
        self._now = self._clock()
        self._set_virtual_size()
        self.scroll_to(y=top, animate=False)
        # A sync pass mostly changes a row or two of the view, or none: redraw just those
        # (a whole list is ~6 KB down a slow SSH link). Another top is a scroll, which
        # redraws everything anyway.
        self._refresh_changed(before, top=top)
        self._cursor_moved(force=True)
        if message.selection:
            self.renew_selection(message.selection)
        self.post_message(self.Loaded(message.query, self._total, self._exact))
        # Read ahead once these rows are painted: a reader thread now would compete with
        # the paint for the GIL.
        self.call_after_refresh(self._prefetch)

    def _place_cursor(self, result: ReloadResult) -> tuple[int, int, int]:
        """Where a reload's rows put the cursor and the view, and the total to show until
        the count: ``(cursor, top, total)``.

        The reload read where the cursor's incident went when it started; the keys pressed
        since (on the rows still shown) move on from there, so none is undone, and the
        cursor keeps its line on screen."""
        moved = self._cursor - self._moves_from if self._moves_from is not None else 0
        self._moves_from = None
        if not moved or not self._total:
            return result.cursor, result.top, result.total
        cursor = max(0, result.cursor + moved)
        total = result.total
        if result.exact:
            cursor = min(cursor, max(total - 1, 0))
        else:
            # Only the blocks around the view were read: the rows the moves went to are
            # taken to be there until the count (which follows) says how far the list goes.
            total = max(total, cursor + 1)
        return cursor, max(0, cursor - (self._cursor - int(self.scroll_y))), total

    @on(Counted)
    def _apply_count(self, message: Counted) -> None:
        if message.epoch != self._applied or message.epoch != self._epoch:
            return
        # The count after a sync's reload mostly changes no line of the view (the total
        # only shows in rows past the end of the list), so it redraws only what it changes.
        before = self._visible_lines()
        self._total = message.total
        self._exact = True
        cursor = self._cursor
        self._cursor = max(0, min(self._cursor, self._total - 1))
        self._set_virtual_size()
        self._refresh_changed(before)
        if self._cursor != cursor:
            self._cursor_moved()
        if self._to_last:
            self.move_cursor(self._total - 1)
        self.post_message(self.Loaded(self._query, self._total, True))
        self._prefetch()

    @on(BlockRead)
    def _apply_block(self, message: BlockRead) -> None:
        if message.epoch != self._applied:
            return
        self._in_flight.discard(message.block)
        self._blocks.put(message.block, message.rows)
        start = message.block * BLOCK_SIZE
        top = int(self.scroll_y)
        if start < top + self._viewport_height() and start + BLOCK_SIZE > top:
            self.refresh()
        if self._blocks.block_of(self._cursor) == message.block:
            self._cursor_moved()

    # Helpers ------------------------------------------------------------------------------

    def _cursor_moved(self, *, force: bool = False) -> None:
        row = self.cursor_row
        waiters, self._row_waiters = self._row_waiters, []
        for waiter in waiters:
            waiter.set()
        row_id = row.id if row is not None else None
        if force or row_id != self._cursor_id or row is None:
            # None while the row is being read: a reload meanwhile keeps the cursor's row
            # number rather than an incident the cursor has left.
            self._cursor_id = row_id
            self.post_message(self.CursorChanged(row))

    def _refresh_row(self, index: int) -> None:
        self.refresh_line(index)
