"""Counts per category as a list of horizontal bars, one line each: ``critical ████▌ 20``.

Drawn as text rather than with plotext: vertical bars leave each label a few cells (at 80
columns "major" became "majo" and remote names two letters), while one line per category
keeps every name whole and reads the same in colour, in monochrome and under ``NO_COLOR``.
"""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import RenderResult
from textual.content import Content
from textual.widget import Widget

from incident_tui.domain.text import clean, shorten
from incident_tui.ui.widgets.charts import theme_colour

EIGHTHS = " ▏▎▍▌▋▊▉"
"""Partial block characters, so a bar's length is exact to an eighth of a cell."""


def bar_text(count: int, largest: int, width: int) -> str:
    """A bar ``width`` cells long for ``largest``, in proportion for ``count``; a count above
    zero always shows at least a sliver."""
    if count <= 0 or largest <= 0 or width <= 0:
        return ""
    eighths = max(1, round(count / largest * width * 8))
    full, part = divmod(eighths, 8)
    return "█" * full + (EIGHTHS[part] if part else "")


def bar_lines(
    bars: Sequence[tuple[str, int, str]], width: int, rows: int
) -> list[tuple[str, str, str, str]]:
    """Per shown line: label cell, bar, count and colour variable, laid out for ``width``
    cells. When there are more bars than ``rows``, the last line sums the rest."""
    shown = list(bars)
    if len(shown) > rows >= 1:
        rest = shown[rows - 1 :]
        shown = shown[: rows - 1] + [
            (f"{len(rest)} more", sum(count for _, count, _ in rest), "foreground-muted")
        ]
    if not shown or width < 4:
        return []
    counts = [str(count) for _, count, _ in shown]
    count_width = max(len(c) for c in counts)
    label_width = min(max(len(label) for label, _, _ in shown), max(4, width // 3))
    room = max(0, width - label_width - count_width - 2)
    largest = max(count for _, count, _ in shown)
    return [
        (
            shorten(label, label_width).ljust(label_width),
            bar_text(count, largest, room),
            counts[index],
            variable,
        )
        for index, (label, count, variable) in enumerate(shown)
    ]


class BarList(Widget):
    """A titled list of bars; data comes down through :meth:`show`."""

    DEFAULT_CSS = """
    BarList {
        height: 1fr;
        min-height: 3;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._title = ""
        self._bars: list[tuple[str, int, str]] = []

    def on_mount(self) -> None:
        """Repaint with the new colours when the theme changes."""
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def on_unmount(self) -> None:
        """Stop listening for theme changes (see :meth:`Chart.on_unmount`)."""
        self.app.theme_changed_signal.unsubscribe(self)

    def show(self, title: str, bars: Sequence[tuple[str, int, str]]) -> None:
        """New data: a title and ``(label, count, colour variable)`` per bar."""
        shown = (
            clean(title, single_line=True),
            [(clean(label, single_line=True), int(n), var) for label, n, var in bars],
        )
        # Unchanged figures (a pass that brought nothing): no repaint down the link.
        if shown != (self._title, self._bars):
            self._title, self._bars = shown
            self.refresh()

    def render(self) -> RenderResult:
        """The title, then one line per bar, fitted to the widget's size."""
        width, height = self.content_size.width, self.content_size.height
        variables = self.app.theme_variables
        lines = [Content.styled(shorten(self._title, width).center(width).rstrip(), "bold")]
        for label, bar, count, variable in bar_lines(self._bars, width, height - 1):
            red, green, blue = theme_colour(variables, variable)
            lines.append(
                Content.assemble(
                    label,
                    " ",
                    (bar, f"rgb({red},{green},{blue})"),
                    " " if bar else "",
                    (count, "bold"),
                )
            )
        return Content("\n").join(lines)
