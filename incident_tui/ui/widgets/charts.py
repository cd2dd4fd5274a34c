"""The dashboard's charts: dumb plotext widgets. Data comes down through ``show()``; each chart
draws into its own plot object (textual-plotext's ``self.plt``, never plotext's global one),
and takes its colours from theme variables, so a theme change repaints it.

Each chart's title and legend share its first line, drawn here rather than by plotext:
plotext puts the legend inside the plot, where on a short chart it covers the first
buckets' data (at 80x24 a whole day of the 7-day view).

Labels on the charts are our own words, remote names from the config and dates; none of it
is remote text, and every label still goes through :func:`clean` on the way in.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from rich.style import Style
from rich.text import Text
from textual.app import RenderResult
from textual.color import Color
from textual_plotext import PlotextPlot

from incident_tui.domain.text import clean, shorten

RGB = tuple[int, int, int]

FALLBACKS: dict[str, str] = {
    "severity-critical": "error",
    "severity-major": "warning",
    "severity-minor": "accent",
    "severity-none": "secondary",
    "status-triggered": "error",
    "status-acknowledged": "warning",
    "status-resolved": "success",
}
"""Stock Textual variables standing in for incident-tui's own when a theme lacks them."""


_STABLE = False


def _stable_plotext() -> None:
    """Make plotext draw the same data the same way in every process.

    plotext removes duplicate points and ticks with ``list(set(...))`` (``_utility.
    no_duplicates``), so where two points or tick labels compete for a cell, the winner
    depends on the process's string-hash seed: the same chart differs between two runs (and
    snapshot tests fail at random). An order-keeping de-duplication has the same result set.
    Patched once, when the first chart is built, not at import.
    """
    global _STABLE
    if not _STABLE:
        from plotext import _utility

        def no_duplicates(data: Any) -> list[Any]:
            return list(dict.fromkeys(data))

        _utility.no_duplicates = no_duplicates
        _STABLE = True


def integer_ticks(top: float, rows: int) -> list[float]:
    """Whole-number y ticks from 0 to at least ``top``, no more than fit in ``rows`` lines
    (counts are whole; plotext would label them 3.33)."""
    top = max(1, math.ceil(top))
    slots = max(1, rows // 2)
    step = max(1, math.ceil(top / slots))
    return [float(t) for t in range(0, top + step, step)]


def theme_colour(variables: dict[str, str], variable: str) -> RGB:
    """The colour a theme gives ``variable`` (an incident-tui variable such as
    ``severity-critical``, or a stock one; a stock stand-in when the theme lacks it)."""
    value = variables.get(variable) or variables.get(FALLBACKS.get(variable, "primary"))
    try:
        return Color.parse(value or "white").rgb
    except Exception:  # noqa: BLE001 - a theme typo must not break the dashboard
        return (200, 200, 200)


def fit_label(name: str, count: str, room: int) -> str:
    """``name count`` cut to ``room`` characters, the name giving way first (plotext drops
    tick labels that would touch, so each must fit its bar's slot)."""
    if not count:
        return name[: max(1, room)]
    full = f"{name} {count}".strip()
    if len(full) <= room:
        return full
    keep = room - len(count) - 1
    return f"{name[:keep]} {count}" if keep >= 1 else count


def heading_text(
    title: str, legend: Sequence[tuple[str, str, RGB]], width: int, background: RGB
) -> Text:
    """A chart's first line: ``title`` then each series' ``(marker, label, colour)``, centred
    in ``width`` cells; the title gives way (cut with an ellipsis) before the legend."""
    key = Text()
    for marker, label, colour in legend:
        key.append("  ")
        key.append(marker, style=Style(color=f"rgb{colour}"))
        key.append(f" {label}")
    line = Text()
    line.append(shorten(title, max(0, width - len(key))), style="bold")
    line.append_text(key)
    line.truncate(width)
    line.align("center", width)
    line.stylize(Style(bgcolor=f"rgb{background}"))
    return line


def label_step(count: int, width: int, label_width: int) -> int:
    """Show every ``n``-th x label so that labels of ``label_width`` do not collide."""
    fits = max(1, width // (label_width + 2))
    return max(1, math.ceil(count / fits))


class Chart(PlotextPlot):
    """A plotext chart that redraws from its last data on every render (so its ticks fit the
    size it is given) and on theme changes."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        _stable_plotext()
        super().__init__(id=id, classes=classes)

    DEFAULT_CSS = """
    Chart {
        height: 1fr;
        min-height: 6;
    }
    """

    def on_mount(self) -> None:
        """Repaint with the new colours when the theme changes.

        (``PlotextPlot.on_mount`` runs too: it registers the plot's background theme.)
        """
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.refresh())

    def on_unmount(self) -> None:
        """Stop listening for theme changes, plotext's listener with ours.

        The App's signal lets a removed widget go only when the theme changes, which it
        seldom does: every dashboard closed kept its charts in memory for the rest of the
        run."""
        self.app.theme_changed_signal.unsubscribe(self)

    def colour(self, variable: str) -> RGB:
        """The theme's colour for ``variable`` (an incident-tui variable such as
        ``severity-critical``, or a stock one), as plotext's RGB triple."""
        return theme_colour(self.app.theme_variables, variable)

    chart_title = ""
    """The words on the chart's first line, before the legend."""

    def legend(self) -> list[tuple[str, str, str]]:
        """Each series' marker, label and colour variable, for the first line."""
        return []

    def render(self) -> RenderResult:
        """The title and legend line, then the data drawn into this chart's own plot below
        it (sized and themed as textual-plotext's own ``render`` does)."""
        width, height = max(1, self.size.width), max(2, self.size.height)
        plt = self.plt
        plt.clear_figure()
        self.draw(width, height - 1)
        plt.plotsize(width, height - 1)
        # As in PlotextPlot.render: plotsize alone does not always resize the figure.
        plt._set_size(width, height - 1)
        plt.theme(self._get_plotext_theme_name(self.app.theme))
        legend = [(marker, label, self.colour(var)) for marker, label, var in self.legend()]
        heading = heading_text(
            clean(self.chart_title, single_line=True), legend, width, self.colour("surface")
        )
        return Text("\n").join([heading, Text.from_ansi(plt.build())])

    def draw(self, width: int, height: int) -> None:
        """Draw the chart's data into ``self.plt`` for a ``width`` x ``height`` cell area
        (the plot under the first line: frame, data and x labels)."""


class TimelineChart(Chart):
    """Incidents opened and resolved per bucket, as two lines."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._labels: list[str] = []
        self._opened: list[int] = []
        self._resolved: list[int] = []

    def legend(self) -> list[tuple[str, str, str]]:
        """A line sample per series."""
        return [("━━", "opened", "status-triggered"), ("━━", "resolved", "status-resolved")]

    def show(
        self, title: str, labels: Sequence[str], opened: Sequence[int], resolved: Sequence[int]
    ) -> None:
        """New data: a title, a label per bucket and the two series (same length)."""
        shown = (
            clean(title, single_line=True),
            [clean(label, single_line=True) for label in labels],
            list(opened),
            list(resolved),
        )
        # Unchanged figures (a pass that brought nothing): no repaint down the link.
        if shown != (self.chart_title, self._labels, self._opened, self._resolved):
            self.chart_title, self._labels, self._opened, self._resolved = shown
            self.refresh()

    def draw(self, width: int, height: int) -> None:
        """Two lines over the buckets, integer y ticks, thinned x labels."""
        plt = self.plt
        if not self._labels:
            return
        xs = list(range(len(self._labels)))
        plt.plot(xs, self._opened, marker="braille", color=self.colour("status-triggered"))
        plt.plot(xs, self._resolved, marker="braille", color=self.colour("status-resolved"))
        step = label_step(len(xs), width - 8, max(len(x) for x in self._labels))
        shown = xs[::-1][::step][::-1]  # keep the last (current) bucket labelled
        plt.xticks([float(i) for i in shown], [self._labels[i] for i in shown])
        # The plot's rows: all but the frame's two lines and the x labels.
        ticks = integer_ticks(max([*self._opened, *self._resolved, 1]), height - 3)
        plt.yticks(ticks, [f"{t:g}" for t in ticks])
        plt.ylim(0, ticks[-1])
        plt.xlim(-0.5, len(xs) - 0.5)


class TimingChart(Chart):
    """Mean time to acknowledge and to resolve per remote, as paired bars."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._remotes: list[str] = []
        self._mtta: list[float] = []
        self._mttr: list[float] = []
        self._unit = "h"

    AXIS = 6
    """Cells the y axis takes at most beside the bars (its labels, up to three digits)."""

    def legend(self) -> list[tuple[str, str, str]]:
        """A bar sample per series."""
        return [("█", "ack", "status-acknowledged"), ("█", "resolve", "status-resolved")]

    @property
    def remotes(self) -> list[str]:
        """The remotes shown, as named under their bars."""
        return list(self._remotes)

    @classmethod
    def names_fit(cls, remotes: Sequence[str], width: int) -> bool:
        """Whether a chart ``width`` cells wide names each of ``remotes`` whole under its
        bars (as :meth:`draw` gives each a slot); past that the names are cut to a letter
        or two and the bars cannot be told apart."""
        if not remotes:
            return True
        room = (width - cls.AXIS) // len(remotes) - 2
        return room >= max(len(clean(r, single_line=True)) for r in remotes)

    def show(
        self,
        title: str,
        remotes: Sequence[str],
        mtta: Sequence[float],
        mttr: Sequence[float],
        unit: str,
    ) -> None:
        """New data: per remote the two means, already in ``unit`` (0 when unknown)."""
        shown = (
            clean(title, single_line=True),
            [clean(r, single_line=True) for r in remotes],
            list(mtta),
            list(mttr),
            unit,
        )
        if shown != (self.chart_title, self._remotes, self._mtta, self._mttr, self._unit):
            self.chart_title, self._remotes, self._mtta, self._mttr, self._unit = shown
            self.refresh()

    def draw(self, width: int, height: int) -> None:
        """Two bars per remote, acknowledge then resolve, side by side around its position
        (plotext's ``multiple_bar`` is typed for one colour only)."""
        plt = self.plt
        if not self._remotes:
            return
        positions = [float(i) for i in range(len(self._remotes))]
        plt.bar(
            [p - 0.17 for p in positions],
            self._mtta,
            width=0.3,
            color=self.colour("status-acknowledged"),
        )
        plt.bar(
            [p + 0.17 for p in positions],
            self._mttr,
            width=0.3,
            color=self.colour("status-resolved"),
        )
        ticks = integer_ticks(max([*self._mtta, *self._mttr, 1.0]), height - 3)
        axis = max(len(f"{t:g}") for t in ticks) + 3
        room = max(1, (width - axis) // len(self._remotes) - 2)
        plt.xticks(positions, [fit_label(r, "", room) for r in self._remotes])
        plt.xlim(-0.6, len(self._remotes) - 0.4)
        plt.yticks(ticks, [f"{t:g}" for t in ticks])
        plt.ylim(0, ticks[-1])
