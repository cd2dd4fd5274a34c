"""The column titles above the incident list, laid out exactly like its lines."""

from __future__ import annotations

from textual.content import Content
from textual.widget import Widget

from incident_tui.ui.widgets.row_format import columns_for, header_cells


class ListHeader(Widget):
    """One line of column titles, as wide as the list's lines."""

    DEFAULT_CSS = """
    ListHeader {
        height: 1;
        background: $panel;
        color: $foreground-muted;
        text-style: bold;
    }
    """

    GUTTER = 0
    """Cells the list keeps for a vertical scrollbar (none: the title line shows the position)."""

    def render(self) -> Content:
        """The titles for the current width."""
        columns = columns_for(max(1, self.size.width - self.GUTTER))
        return Content.assemble(*(text for text, _ in header_cells(columns)))
