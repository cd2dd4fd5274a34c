"""The dashboard screen (``d``): charts of the cached incidents under the list's filters.

Everything comes from one call to :func:`dashboard_data` (SQL aggregation, in a worker
thread), so opening the screen or switching the window (``1`` 24 h, ``2`` 7 d, ``3`` 30 d)
never blocks the event loop; :meth:`DashboardScreen.refresh_data` recomputes after a sync.
For Kitehouse remotes that were given a ``/dashboard`` fetcher, ``v`` checks that the
server's per-day counts agree with the cache's.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any, ClassVar

from rich.style import Style
from rich.text import Text
from textual import events, work
from textual.app import ComposeResult, RenderResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.geometry import Region, Size
from textual.message import Message
from textual.screen import Screen
from textual.signal import Signal
from textual.widget import Widget
from textual.widgets import DataTable, Static

from incident_tui.clock import Clock, system_clock
from incident_tui.domain.query import ListQuery
from incident_tui.domain.stats import (
    DashboardCheck,
    DashboardData,
    Window,
    check_days,
    compare_dashboard,
    format_duration,
)
from incident_tui.domain.text import clean, shorten
from incident_tui.remote.errors import RemoteError
from incident_tui.store.reader import Reader
from incident_tui.store.stats_queries import daily_counts, dashboard_data
from incident_tui.ui.unavailable import binding_keys, explain_key
from incident_tui.ui.widgets.bar_list import BarList
from incident_tui.ui.widgets.charts import TimelineChart, TimingChart, theme_colour
from incident_tui.ui.widgets.key_footer import KeyFooter
from incident_tui.ui.widgets.row_format import STATUS_SHORT
from incident_tui.ui.widgets.rows import short_label
from incident_tui.ui.widgets.same_content import update_changed

DashboardFetch = Callable[[datetime, datetime], Awaitable[dict[str, Any]]]
"""A Kitehouse connector's ``dashboard(start, end)``: the ``{incidents, totalCount}`` answer."""

SEVERITY_BARS: tuple[tuple[str | None, str, str], ...] = (
    ("critical", "critical", "severity-critical"),
    ("major", "major", "severity-major"),
    ("minor", "minor", "severity-minor"),
    (None, "none", "severity-none"),
)
"""Severity, its label on the dashboard, its theme variable."""


CHECK_TIMEOUT = 10.0
"""Seconds the Kitehouse check waits for each remote's ``/dashboard``, as the delete preview
and the new-incident look-ups wait for theirs."""


class DashboardScreen(Screen[None]):
    """Opened and resolved over time, open incidents by severity and remote, mean times to
    acknowledge and resolve, and the oldest open incidents."""

    DEFAULT_CSS = """
    DashboardScreen {
        background: $background;
    }
    #dash-title, #dash-check {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #dash-check {
        display: none;
        background: $surface;
    }
    #dash-check.-shown {
        display: block;
    }
    #dash-timeline {
        height: 1fr;
        min-height: 7;
    }
    #dash-bars {
        height: 1fr;
        min-height: 7;
    }
    #dash-bars > Chart, #dash-bars > BarList {
        width: 1fr;
    }
    /* As specific as the rule above, so the chart gets room for whole remote names. */
    #dash-bars > #dash-timing {
        width: 2fr;
    }
    /* As many lines as the remotes' figures take at this width, up to a few (cut at a
       fixed height, the last remotes were lost at 60 columns; uncapped, a few dozen remotes
       pushed the oldest incidents off the screen): the rest scroll, reached by tab. */
    #dash-times-box {
        display: none;
        height: auto;
        padding: 0 1;
        scrollbar-size-vertical: 1;
    }
    #dash-times-box:focus {
        background: $boost;
    }
    DashboardScreen.-times-text #dash-times-box {
        display: block;
    }
    /* On a short terminal (80x24) the opened/resolved chart keeps several rows of plot:
       the bars keep a title and five bars (more sum into "N more") and the oldest open
       incidents four rows, the table scrolling for the rest. */
    DashboardScreen.-short #dash-bars {
        height: 6;
        min-height: 6;
    }
    DashboardScreen.-short #dash-oldest {
        max-height: 5;
    }
    DashboardScreen.-times-text #dash-timing {
        display: none;
    }
    #dash-oldest {
        height: auto;
        max-height: 7;
        background: $surface;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("1", "window('24h')", "24h", id="dashboard_day"),
        Binding("2", "window('7d')", "7d", id="dashboard_week"),
        Binding("3", "window('30d')", "30d", id="dashboard_month"),
        Binding("w", "next_window", "Window", show=False, id="dashboard_window"),
        Binding("v", "check", "Check Kitehouse", id="dashboard_check"),
        Binding("escape", "back", "Back", id="back"),
    ]

    class OpenIncident(Message):
        """The user picked one of the oldest open incidents (the App opens its detail)."""

        def __init__(self, incident_id: str) -> None:
            super().__init__()
            self.incident_id = incident_id

    def __init__(
        self,
        reader: Reader,
        *,
        query: ListQuery | None = None,
        clock: Clock = system_clock,
        window: Window = Window.DAY,
        kitehouse: Mapping[str, DashboardFetch] | None = None,
        changes: Signal[Any] | None = None,
        remotes: Sequence[str] | None = None,
        check_timeout: float = CHECK_TIMEOUT,
    ) -> None:
        """``reader``: the cache; ``query``: the list's filters; ``kitehouse``: remote name to
        its connector's ``dashboard`` (only Kitehouse remotes have that endpoint), each asked
        for at most ``check_timeout`` seconds;
        ``changes``: a signal published when cached incidents change (the App's
        ``incidents_changed``), on which the figures are recomputed; ``remotes``: the
        configured remote names (incidents of others are left out, and the title says so;
        ``None``: every remote in the cache counts)."""
        super().__init__()
        self.reader = reader
        self.query_filter = query or ListQuery()
        self.remotes = None if remotes is None else tuple(remotes)
        self.clock = clock
        self.window = window
        self.kitehouse = dict(kitehouse or {})
        self.check_timeout = check_timeout
        self.changes = changes
        self.data: DashboardData | None = None
        """The figures on screen (``None`` until the first computation finishes)."""
        self.checks: list[str] = []
        """The last Kitehouse check's lines, one per remote."""
        self._oldest_shown: object = None
        """What the oldest-open table was last built from (its widths and rows)."""

    def compose(self) -> ComposeResult:
        """Title, optional check line, the charts and the oldest open incidents."""
        yield Static(Content.styled("Dashboard", "bold"), id="dash-title")
        yield Static(id="dash-check")
        yield TimelineChart(id="dash-timeline")
        with Horizontal(id="dash-bars"):
            yield BarList(id="dash-severity")
            yield BarList(id="dash-remotes")
            yield TimingChart(id="dash-timing")
        with MeanTimesBox(id="dash-times-box"):
            yield MeanTimes(id="dash-times")
        table: DataTable[Text] = DataTable(
            id="dash-oldest", cursor_type="row", zebra_stripes=False, show_cursor=True
        )
        yield table
        yield KeyFooter(compact=True)

    NARROW = 100
    """Below this many columns the mean-times chart gives way to a line of text, so the two
    count charts keep room for their labels (so it does wider, when it cannot name each of
    its remotes whole)."""
    SHORT = 30
    """Below this many rows the bars and the oldest incidents give up rows to the
    opened/resolved chart."""
    TIMES_LINES = 6
    """Lines the mean times take at most before they scroll (``TIMES_LINES_SHORT`` below
    :attr:`SHORT` rows): at 80x24 three keep the oldest incidents on screen."""
    TIMES_LINES_SHORT = 3

    def _set_layout(self, width: int, height: int) -> None:
        self.set_class(width < self.NARROW, "-narrow")
        # The chart takes half the width (2fr beside two 1fr lists).
        names = self.query_one("#dash-timing", TimingChart).remotes
        self.set_class(
            width < self.NARROW or not TimingChart.names_fit(names, width // 2), "-times-text"
        )
        self.set_class(height < self.SHORT, "-short")
        lines = self.TIMES_LINES_SHORT if height < self.SHORT else self.TIMES_LINES
        self.query_one("#dash-times-box").styles.max_height = lines
        self.query_one("#dash-times", MeanTimes).set_room(lines)

    def on_resize(self, event: events.Resize) -> None:
        """Switch between the wide and the narrow, the tall and the short layout; titles get
        the width there is."""
        self._set_layout(event.size.width, event.size.height)
        if self.data is not None:
            self._oldest(self.data)

    def on_mount(self) -> None:
        """Set up the table and compute the figures."""
        self._set_layout(self.app.size.width, self.app.size.height)
        self.query_one("#dash-oldest", DataTable).focus()
        if self.changes is not None:
            self.changes.subscribe(self, lambda _changed: self.refresh_data())
        self.refresh_data()

    def on_unmount(self) -> None:
        """Stop listening for changes to the cache.

        The signal drops a removed screen only when it is next published: until a change
        came in, every dashboard closed stayed in memory, figures and charts with it."""
        if self.changes is not None:
            self.changes.unsubscribe(self)

    # Data ------------------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Recompute every figure from the cache (the App calls this after a sync brings
        changes). Runs in a worker; a newer call cancels an older one."""
        self._compute()

    @work(exclusive=True, group="dashboard", name="dashboard figures", exit_on_error=False)
    async def _compute(self) -> None:
        now = self.clock()
        data = await asyncio.to_thread(
            dashboard_data,
            self.reader,
            self.query_filter,
            now=now,
            window=self.window,
            remotes=self.remotes,
        )
        self.show(data)

    def show(self, data: DashboardData) -> None:
        """Put ``data`` on screen."""
        self.data = data
        self._title(data)
        left_out = _left_out(data.untimed_resolved + data.day_only_resolved)
        self.query_one("#dash-timeline", TimelineChart).show(
            f"Opened and resolved, {data.window.label()}{left_out}",
            data.labels,
            data.opened,
            data.resolved,
        )
        # All four, zeros included: "none" matters for remotes without severities.
        severity = [
            (short, count, variable)
            for (_, count), (_, short, variable) in zip(
                data.open_by_severity, SEVERITY_BARS, strict=True
            )
        ]
        self.query_one("#dash-severity", BarList).show("Open by severity", severity)
        self.query_one("#dash-remotes", BarList).show(
            "Open by remote", [(name, count, "primary") for name, count in data.open_by_remote]
        )
        timings = [t for t in data.timings if t.mtta_seconds is not None or t.mttr_seconds]
        largest = max(
            [t.mttr_seconds or 0.0 for t in timings]
            + [t.mtta_seconds or 0.0 for t in timings]
            + [0.0]
        )
        unit, divisor = ("h", 3600.0) if largest >= 2 * 3600 else ("min", 60.0)
        self.query_one("#dash-timing", TimingChart).show(
            f"Mean {'hours' if unit == 'h' else 'minutes'} to ack / resolve"
            + _left_out(data.untimed_in_means),
            [t.remote for t in timings],
            [round((t.mtta_seconds or 0.0) / divisor, 1) for t in timings],
            [round((t.mttr_seconds or 0.0) / divisor, 1) for t in timings],
            unit,
        )
        self._set_layout(self.app.size.width, self.app.size.height)
        self._times(data)
        self._oldest(data)

    def _times(self, data: DashboardData) -> None:
        """The mean times as text: the chart's stand-in where it cannot name its remotes."""
        self.query_one("#dash-times", MeanTimes).show(
            [
                (
                    clean(t.remote, single_line=True),
                    format_duration(t.mtta_seconds),
                    format_duration(t.mttr_seconds),
                )
                for t in data.timings
            ]
        )
        self.call_after_refresh(self._times_focus)

    def _times_focus(self) -> None:
        """Give the keyboard back to the table when the mean times it was on no longer
        scroll (fewer remotes in another window): else the arrows would move nothing."""
        box = self.query_one("#dash-times-box", MeanTimesBox)
        if box.has_focus and not box.allow_focus():
            self.query_one("#dash-oldest", DataTable).focus()

    def _title(self, data: DashboardData) -> None:
        parts: list[Content | str | tuple[str, str]] = [
            ("Dashboard", "bold"),
            # The span alone: the chart's title says per what, and at 80 columns the whole
            # label cut off the time the figures are as of.
            f"  {data.window.span()}  ·  {data.total_open} open{_unsent(data.unsent_resolved)}",
        ]
        if data.filters:
            parts.append(("  ·  filtered: " + clean(data.filters, single_line=True), "$warning"))
        if data.left_out:
            # As the handover warns: nothing syncs these any more, so they are not counted.
            names = clean(", ".join(data.left_out), single_line=True)
            parts.append((f"  ·  {names} no longer in the config: left out", "$warning"))
        parts.append(("  ·  as of " + data.now.strftime("%Y-%m-%d %H:%MZ"), "$foreground-muted"))
        update_changed(self.query_one("#dash-title", Static), Content.assemble(*parts))

    def _oldest(self, data: DashboardData) -> None:
        table = self.query_one("#dash-oldest", DataTable)
        narrow = self.app.size.width < self.NARROW
        # Fixed widths, so the title gets exactly the cells left (no sideways scrolling):
        # per column 2 cells of padding, and 2 for the scroll bar.
        widths = (8, 8, 6 if narrow else 12, 16 if narrow else 24)
        title_width = max(12, self.app.size.width - sum(widths) - 2 * (len(widths) + 1) - 2)
        colours = {key: self._style(variable) for key, _, variable in SEVERITY_BARS}
        rows: list[tuple[str, tuple[str, str, str, str, str], Style]] = []
        for item in data.oldest_open:
            status = STATUS_SHORT.get(item.status, item.status) if narrow else item.status
            if item.resolution_unsent:
                # Open on the remote: "resolved" alone would read as closed in this table.
                status = "unsent" if narrow else "res. unsent"
            age = (
                format_duration((data.now - item.created_at).total_seconds())
                if item.created_at
                else "?"
            )
            # The list's short id (a long ref or a UUID would read the same once cut).
            ident = f"{item.remote} #{short_label(item.ref, item.id.partition(':')[2])}"
            cells = (
                age,
                item.severity or "none",
                status,
                shorten(clean(ident, single_line=True), widths[3]),
                shorten(clean(item.title, single_line=True), title_width),
            )
            rows.append((item.id, cells, colours.get(item.severity, Style())))
        shown = (widths, title_width, rows)
        if shown == self._oldest_shown:
            # The same table (a pass that brought nothing): rebuilding it repaints it.
            return
        self._oldest_shown = shown
        table.clear(columns=True)
        labels = ("Open for", "Severity", "Status", "Incident")
        for label, width in zip(labels, widths, strict=True):
            table.add_column(label, width=width)
        table.add_column("Title", width=title_width)
        for key, (age, severity, status, ident, title), colour in rows:
            # Text objects, never markup: titles come from remote systems.
            table.add_row(
                Text(age), Text(severity, style=colour), Text(status), Text(ident), Text(title),
                key=key,
            )

    def _style(self, variable: str) -> Style:
        red, green, blue = theme_colour(self.app.theme_variables, variable)
        return Style(color=f"rgb({red},{green},{blue})")

    # Actions ---------------------------------------------------------------------------------

    def action_window(self, value: str) -> None:
        """Show another window (``24h``, ``7d``, ``30d``)."""
        window = Window(value)
        if window is not self.window:
            self.window = window
            self.refresh_data()

    def action_next_window(self) -> None:
        """Cycle through the windows."""
        self.action_window(self.window.next().value)

    def action_back(self) -> None:
        """Back to where the dashboard was opened from."""
        self.dismiss(None)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The Kitehouse check only where a Kitehouse remote offers its dashboard."""
        if action == "check":
            return bool(self.kitehouse)
        return True

    def on_key(self, event: events.Key) -> None:
        """The check's key says why it does nothing without a Kitehouse remote."""
        explain_key(
            self,
            event,
            binding_keys(self.BINDINGS, ["check"]),
            lambda _action: "The check compares with a Kitehouse remote; none is configured.",
        )

    def on_data_table_row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        """Keep the cursor's incident on screen: where the figures above take more rows than
        the terminal has, the screen scrolls, and ``down`` moved onto incidents below its
        edge, which ``enter`` then opened unseen."""
        self.call_after_refresh(self._show_cursor_row)

    def _show_cursor_row(self) -> None:
        table = self.query_one("#dash-oldest", DataTable)
        if not table.row_count or not table.size:
            return
        # From the table's top (its header) down to the cursor's row, as far as that fits.
        top = table.virtual_region.y
        row = top + table.header_height + table.cursor_row - round(table.scroll_y)
        span = Region(table.virtual_region.x, top, table.virtual_region.width, row - top + 1)
        self.scroll_to_region(span, spacing=table.dock_gutter, animate=False, immediate=True)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an incident: ask the App to open it."""
        if event.row_key.value is not None:
            self.post_message(self.OpenIncident(str(event.row_key.value)))

    def action_check(self) -> None:
        """Compare the cache's per-day counts with each Kitehouse remote's ``/dashboard``."""
        if self.kitehouse:
            self._check()

    @work(
        exclusive=True,
        group="dashboard-check",
        name="Kitehouse dashboard check",
        exit_on_error=False,
    )
    async def _check(self) -> None:
        now = self.clock()
        days = check_days(now, self.window.days)
        start = datetime.fromisoformat(days[0] + "T00:00:00+00:00")
        end = datetime.fromisoformat(days[-1] + "T00:00:00+00:00") + timedelta(days=1)
        self._show_check([f"Checking {', '.join(sorted(self.kitehouse))} against Kitehouse…"])
        # All at once: each one's cap, not their sum, is the longest the check takes.
        lines = await asyncio.gather(
            *(self._check_one(name, days, start, end) for name in sorted(self.kitehouse))
        )
        self._show_check(list(lines))

    async def _check_one(self, name: str, days: list[str], start: datetime, end: datetime) -> str:
        """One remote's check line: within :attr:`check_timeout` seconds, as the other
        look-ups the user waits on. Left to the connection's own retries, a remote that does
        not answer kept "Checking…" on screen for a minute without a word; a check asks for
        nothing to be changed, so ``v`` can simply ask again."""
        cap = asyncio.timeout(self.check_timeout)
        try:
            async with cap:
                payload = await self.kitehouse[name](start, end)
        except TimeoutError:
            if not cap.expired():
                raise
            return f"{name}: check failed: no answer in {self.check_timeout:g} s; v asks again"
        except RemoteError as error:
            return f"{name}: check failed: {clean(error, single_line=True)}"
        ours = await asyncio.to_thread(daily_counts, self.reader, name, days)
        return self.check_line(compare_dashboard(name, ours, payload, days))

    @staticmethod
    def check_line(check: DashboardCheck) -> str:
        """One remote's check result in words."""
        return check.summary()

    def _show_check(self, lines: list[str]) -> None:
        self.checks = lines
        widget = self.query_one("#dash-check", Static)
        widget.update(Content(shorten(" | ".join(lines), 400)))
        widget.set_class(bool(lines), "-shown")


class MeanTimesBox(VerticalScroll):
    """Holds the :class:`MeanTimes` up to a few lines; more figures scroll, and then (only
    then) tab reaches the box, and the arrow and page keys scroll it."""

    DEFAULT_CSS = """
    MeanTimesBox {
        height: auto;
    }
    """

    def allow_focus(self) -> bool:
        """Focusable only with figures out of view: else tab would rest on it for nothing."""
        times = self.query(MeanTimes)
        return bool(times) and times.first().overflows()


class MeanTimes(Widget):
    """Each remote's mean times to acknowledge and resolve as text, wrapped at the widget's
    own width between remotes (never inside one remote's figures), and as tall as that
    takes: every remote's figures stay readable however narrow the terminal (its
    :class:`MeanTimesBox` scrolls those past its first few lines)."""

    DEFAULT_CSS = """
    MeanTimes {
        height: auto;
    }
    """
    LABEL = "Mean ack / resolve: "

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.figures: list[tuple[str, str, str]] = []
        """Per remote: its name, mean time to acknowledge and to resolve, as shown."""
        self.room = 0
        """Lines shown before the rest scroll (0: no limit)."""

    def set_room(self, lines: int) -> None:
        """Show ``lines`` lines before the rest scroll: past that the label says how to
        reach them."""
        if lines != self.room:
            self.room = lines
            self.clear_cached_dimensions()
            self.refresh(layout=True)

    def label(self, width: int) -> str:
        """The label before the figures: it tells how to reach those that scroll."""
        if self.room and _rows(self._lines(self.LABEL, width), width) > self.room:
            return f"Mean ack / resolve, {len(self.figures)} remotes (tab scrolls): "
        return self.LABEL

    def overflows(self) -> bool:
        """Whether the figures take more rows than are shown, at the width there is now."""
        width = self.content_size.width
        return bool(self.room and width and _rows(self.lines(width), width) > self.room)

    def show(self, figures: list[tuple[str, str, str]]) -> None:
        """Show these remotes' figures (none: says there are no incidents)."""
        if list(figures) == self.figures:
            return
        self.figures = list(figures)
        # Other figures may take another number of lines.
        self.clear_cached_dimensions()
        self.refresh(layout=True)

    def lines(self, width: int) -> list[str]:
        """The figures in lines of at most ``width`` cells where they fit, the label first."""
        return self._lines(self.label(width), width)

    def _lines(self, label: str, width: int) -> list[str]:
        if not self.figures:
            return wrap_entries(label, ["no incidents"], width)
        spaced = [f"{name} {ack} / {resolve}" for name, ack, resolve in self.figures]
        lines = wrap_entries(label, spaced, width)
        # Without the spaces round the slash when that saves a line: at 60 columns five
        # remotes then take two lines, as at 80, rather than pushing the table down.
        tight = [f"{name} {ack}/{resolve}" for name, ack, resolve in self.figures]
        fewer = wrap_entries(label, tight, width)
        return fewer if len(fewer) < len(lines) else lines

    def text(self, width: int) -> Content:
        """The figures laid out for ``width`` cells, the label in bold."""
        label = self.label(max(1, width))
        text = "\n".join(self._lines(label, max(1, width)))
        # A label on a line of its own ends there, without its space.
        bold = label if text.startswith(label) else label.rstrip()
        return Content.assemble((bold, "bold"), text[len(bold) :])

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The rows the figures take at ``width`` (one remote's wider than a line wraps
        inside it, and counts its rows too)."""
        return len(self.text(width).wrap(max(1, width)))

    def render(self) -> RenderResult:
        """The figures for the width the widget has now (laid out again on every resize)."""
        return self.text(self.content_size.width)


def _rows(lines: list[str], width: int) -> int:
    """The rows ``lines`` take at ``width`` cells (one wider than that wraps)."""
    return len(Content("\n".join(lines)).wrap(max(1, width)))


def wrap_entries(lead: str, entries: list[str], width: int, gap: str = " · ") -> list[str]:
    """``lead`` then ``entries`` joined by ``gap``, in lines of at most ``width`` cells,
    broken only between entries (an entry longer than a line has one to itself, and so has
    a lead the first entry does not fit beside)."""
    lines: list[str] = []
    line = lead
    for index, entry in enumerate(entries):
        piece = entry + (gap.rstrip() if index < len(entries) - 1 else "")
        if line.strip() and len(line) + len(piece) > width:
            lines.append(line.rstrip())
            line = ""
        line += piece + " "
    lines.append(line.rstrip())
    return lines


def _unsent(count: int) -> str:
    """What the title adds to the open count when it includes incidents resolved here whose
    resolution the remote has not accepted yet (:attr:`DashboardData.unsent_resolved`)."""
    if not count:
        return ""
    return f" ({count} resolve{'' if count == 1 else 's'} not yet sent)"


def _left_out(untimed: int) -> str:
    """What a chart's title adds when it leaves out resolutions whose time the cache does not
    know yet, or knows to the day alone (:attr:`DashboardData.untimed_resolved`,
    :attr:`DashboardData.day_only_resolved`)."""
    return f" ({untimed} resolved without an exact time left out)" if untimed else ""
