"""The drawing half of the incident list: a Line API ScrollView over a block cache.

It knows rows, the total, the cursor and the selection, and turns line ``y`` into a Strip;
it never reads the store. :class:`~incident_tui.ui.widgets.incident_list.IncidentList` adds
the reading, the cursor keys and the messages on top.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from datetime import datetime
from typing import ClassVar, NamedTuple

from rich.style import Style
from textual import events
from textual.content import Content
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

from incident_tui.clock import Clock
from incident_tui.domain.durations import age
from incident_tui.ui.widgets.row_format import (
    Columns,
    RowStyles,
    columns_for,
    paint_message,
    paint_placeholder,
    paint_row,
    resolve_styles,
)
from incident_tui.ui.widgets.rows import BLOCK_SIZE, BlockCache, RowView

MESSAGE_INDENT = 3
"""Columns before the text of the empty list's message (see ``paint_message``)."""

NO_MATCH = "No incidents match."
"""What an empty list says by default: a filter or search leaves no row."""


def empty_message(
    *, filtered: bool, syncing: bool, ever_synced: bool | None, failed: bool = False,
    remotes_key: str = "", unconfigured: str = "",
) -> str:
    """What an empty list says. A filter or search that leaves nothing is not the same as a
    cache with nothing in it yet: on a first start "No incidents match." next to "syncing…"
    read like a filter problem. ``ever_synced`` is ``None`` until the remotes' states are
    read; ``failed``: a remote's last pass failed (no network, refused credentials), and
    ``remotes_key`` opens the screen that says why. ``unconfigured``: that no remote is
    configured and where the config file was looked for (``Settings.no_remotes``), if so."""
    if filtered:
        return NO_MATCH
    if unconfigured:
        # Nothing will sync: "never synced" read as if a sync were to come.
        return f"No incidents yet: {unconfigured}"
    if syncing and not ever_synced:
        return "No incidents yet: syncing…"
    if ever_synced is False and failed:
        why = f" ({remotes_key} shows why)" if remotes_key else ""
        return f"No incidents yet: no remote could be synced{why}"
    if ever_synced is False:
        return "No incidents yet (never synced)"
    return "No incidents."


RowKey = tuple[RowView, bool, bool, str]
"""What a drawn row line depends on: the row, cursor, selected and its age text."""


class VisibleLines(NamedTuple):
    """What the viewport showed at one moment, to redraw only the lines that then change."""

    top: int
    """The row index of the first line."""
    keys: list[Hashable]
    """What each line showed (see :meth:`IncidentLines._line_key`)."""


class IncidentLines(ScrollView, can_focus=True):
    """Rows from a block cache, drawn one line at a time with theme-driven styles."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "incident-list--cursor",
        "incident-list--selected",
        "incident-list--critical",
        "incident-list--major",
        "incident-list--minor",
        "incident-list--nosev",
        "incident-list--triggered",
        "incident-list--acknowledged",
        "incident-list--resolved",
        "incident-list--pending",
        "incident-list--conflict",
        "incident-list--failed",
        "incident-list--dim",
        "incident-list--header",
    }

    DEFAULT_CSS = """
    IncidentLines {
        background: $surface;
        color: $foreground;
        overflow-x: hidden;
        overflow-y: auto;
        /* No scrollbar: at 100k rows its thumb is one cell, and redrawing it on every scroll
           step doubled the cost of a cursor move. The title line shows the position. */
        scrollbar-size-vertical: 0;
        & > .incident-list--cursor {
            background: $list-cursor-background;
            text-style: $list-cursor-text-style;
        }
        & > .incident-list--selected {
            background: $list-selected-background;
            text-style: $list-selected-text-style;
        }
        & > .incident-list--critical { color: $severity-critical; text-style: bold; }
        & > .incident-list--major { color: $severity-major; }
        & > .incident-list--minor { color: $severity-minor; }
        & > .incident-list--nosev { color: $severity-none; }
        & > .incident-list--triggered { color: $status-triggered; }
        & > .incident-list--acknowledged { color: $status-acknowledged; }
        & > .incident-list--resolved { color: $status-resolved; }
        & > .incident-list--pending { color: $mark-pending; text-style: bold; }
        & > .incident-list--conflict { color: $mark-conflict; text-style: bold; }
        & > .incident-list--failed { color: $mark-failed; text-style: bold; }
        & > .incident-list--dim { color: $foreground-muted; }
        & > .incident-list--header { color: $foreground-muted; text-style: bold; }
    }
    """

    def __init__(self, clock: Clock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._clock = clock
        self._epoch = 0
        """Bumped by every reload; a worker's answer for another epoch is dropped."""
        self._applied = -1
        """The epoch whose rows the cache holds."""
        self._blocks: BlockCache[RowView] = BlockCache(BLOCK_SIZE)
        self._total = 0
        self._exact = False
        self._cursor = 0
        self._selected: dict[str, None] = {}
        self._now: datetime = clock()
        self._styles: RowStyles | None = None
        self._columns: Columns | None = None
        self._strips: dict[RowKey, Strip] = {}
        """Drawn lines by content, not position: after a scroll or a new search most rows are
        ones already drawn, and a line costs more to draw than to look up. The age text is
        part of the key, so a clock tick keeps the lines whose age reads the same."""
        self.empty_text: Callable[[], str] = lambda: NO_MATCH
        """What the list says when it has no rows. The owner knows why (a filter, a first
        sync still running) and sets this; asked only when that line is drawn."""

    @property
    def total(self) -> int:
        """How many rows the query has (provisional until :attr:`exact`)."""
        return self._total

    @property
    def exact(self) -> bool:
        """Whether :attr:`total` is the counted total."""
        return self._exact

    @property
    def loaded(self) -> bool:
        """Whether any rows have been applied yet."""
        return self._applied >= 0

    @property
    def cursor(self) -> int:
        """The cursor's row index."""
        return self._cursor

    @property
    def cursor_row(self) -> RowView | None:
        """The row under the cursor, if it is loaded."""
        return self._blocks.get(self._cursor) if self._total else None

    @property
    def selected_ids(self) -> list[str]:
        """Selected incident ids, in the order they were selected."""
        return list(self._selected)

    def row_at(self, index: int) -> RowView | None:
        """Row ``index`` if loaded."""
        return self._blocks.get(index)

    def loaded_row(self, incident_id: str) -> RowView | None:
        """The loaded row of ``incident_id``, wherever it is (a selected incident the cursor
        has left); ``None`` when its block is not in memory."""
        return next((row for row in self._blocks.rows() if row.id == incident_id), None)

    def notify_style_update(self) -> None:
        """The theme or CSS changed: styles and every drawn line are stale."""
        super().notify_style_update()
        self._styles = None
        self._strips.clear()

    def on_resize(self, event: events.Resize) -> None:
        """Lines are laid out for a width; a new width needs new lines."""
        self._columns = None
        self._strips.clear()
        self._set_virtual_size()
        self.viewport_changed()

    def render_line(self, y: int) -> Strip:
        """Draw line ``y`` of the viewport."""
        index = int(self.scroll_y) + y
        columns = self._layout()
        styles = self._row_styles()
        if index >= self._total:
            message = self._message_lines(columns.width)
            if index < len(message):
                return paint_message(message[index], columns, styles)
            return Strip.blank(columns.width, styles.base)
        row = self._blocks.get(index)
        cursor = index == self._cursor
        if row is None:
            self.block_missing(self._blocks.block_of(index))
            return paint_placeholder(columns, styles, cursor=cursor)
        key = self._row_key(row, cursor)
        strip = self._strips.get(key)
        if strip is None:
            strip = paint_row(row, columns, styles, now=self._now, cursor=cursor, selected=key[2])
            if len(self._strips) > 2000:
                self._strips.clear()
            self._strips[key] = strip
        return strip

    def _message_lines(self, width: int) -> list[str]:
        """The lines of what the list says with no rows (none while it is still reading),
        wrapped at ``width``: a config file's path does not fit on one line."""
        if self._total or not self.loaded:
            return []
        text = self.empty_text()
        # By columns, not characters: Chinese in a config file's path takes two each, and
        # a line of them wrapped by count was wider than the list, cut with part of the path.
        lines = Content(text).wrap(max(width - MESSAGE_INDENT, 20))
        return [line.plain.rstrip() for line in lines] or [text]

    def block_missing(self, block: int) -> None:
        """A line needs a block that is not loaded; subclasses read it."""

    def viewport_changed(self) -> None:
        """The widget was resized; subclasses read ahead for the new viewport."""

    def on_mount(self) -> None:
        """Tick the ages once a minute (the clock is injected, so tests never see it move)."""
        self.set_interval(60, self._tick)

    def _tick(self) -> None:
        # Most ages are in hours or days and read the same a minute later: redrawing only the
        # lines whose age text changed keeps a quiet list from sending a whole screen (~5 KB)
        # down a slow SSH link every minute.
        before = self._visible_lines()
        self._now = self._clock()
        self._refresh_changed(before)

    def _line_key(self, index: int) -> Hashable:
        """What line ``index`` shows, equal for two moments exactly when it reads the same."""
        if index >= self._total:
            message = self._message_lines(self._layout().width)
            return message[index] if index < len(message) else None
        row = self._blocks.get(index)
        if row is None:
            # Never equal, so a line still being read is always drawn again: drawing it is
            # what asks for its block.
            return object()
        return self._row_key(row, index == self._cursor)

    def _visible_lines(self) -> VisibleLines:
        """What the viewport shows now, for :meth:`_refresh_changed` after a change."""
        top = int(self.scroll_y)
        height = self._viewport_height()
        return VisibleLines(top, [self._line_key(index) for index in range(top, top + height)])

    def _refresh_changed(self, before: VisibleLines | None, *, top: int | None = None) -> None:
        """Redraw the lines that no longer show what they showed in ``before``; everything
        without a ``before`` or when the view is to start at another row ``top`` (a scroll
        redraws the whole widget anyway)."""
        top = int(self.scroll_y) if top is None else top
        if before is None or top != before.top:
            self.refresh()
            return
        changed = [self._line_key(top + y) != key for y, key in enumerate(before.keys)]
        width = max(self.virtual_size.width, self.size.width)
        y = 0
        while y < len(changed):
            if not changed[y]:
                y += 1
                continue
            end = y
            while end < len(changed) and changed[end]:
                end += 1
            # Viewport lines, as ScrollView.refresh_lines turns its row indexes into.
            self.refresh(Region(0, y, width, end - y))
            y = end

    def _row_key(self, row: RowView, cursor: bool) -> RowKey:
        return (row, cursor, row.id in self._selected, age(row.created, self._now))

    def _viewport_height(self) -> int:
        return max(1, self.scrollable_content_region.height)

    def _set_virtual_size(self) -> None:
        height = self._total
        if not self._exact:
            # A provisional total keeps the old height if that is larger: a new size means a
            # layout pass (~10 ms) on the path of every search keystroke; the exact count
            # sets the true height a moment later, after the rows are on screen.
            height = max(height, self.virtual_size.height)
        self.virtual_size = Size(self._layout().width, height)

    def _layout(self) -> Columns:
        # Called for every line drawn: the width is only looked up again after a resize.
        if self._columns is None:
            width = self.scrollable_content_region.width or self.size.width
            if width <= 0:
                # Not laid out yet (rows set from on_mount): keeping this would draw the
                # first frame with every column squeezed, and redraw it after the resize.
                return columns_for(1)
            self._columns = columns_for(width)
            self._strips.clear()
        return self._columns

    def _row_styles(self) -> RowStyles:
        if self._styles is None:

            def part(name: str) -> Style:
                return self.get_component_rich_style(f"incident-list--{name}", partial=True)

            self._styles = resolve_styles(self.rich_style, part)
        return self._styles
