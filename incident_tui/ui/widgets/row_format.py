"""How one incident becomes one line: column widths for a given width, and the Strip.

Pure functions over rich ``Style`` objects, so the widget only has to pick the styles from
its theme-driven component classes and cache the result.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.strip import Strip

from incident_tui.domain.durations import age
from incident_tui.ui.widgets.rows import (
    CONFLICT_MARK,
    FAILED_MARK,
    PENDING_MARK,
    RowView,
    state_mark,
)

SEVERITY_LABEL: dict[str | None, str] = {
    "critical": "crit",
    "major": "major",
    "minor": "minor",
    None: "-",
}
STATUS_SHORT: dict[str, str] = {"triggered": "trig", "acknowledged": "ack", "resolved": "res"}
WIDE = 100
"""From this width on, statuses are spelled out and the id and remote columns grow."""
MIN_TITLE = 8
"""The fewest cells the title column gets; narrower lists leave other columns out."""


class Columns(NamedTuple):
    """Cell widths of the list columns for one line width."""

    width: int
    label: int
    severity: int
    status: int
    title: int
    remote: int
    age: int
    wide: bool


def columns_for(width: int) -> Columns:
    """Lay the columns out in ``width`` cells; the title takes what is left.

    Where the title would get fewer than :data:`MIN_TITLE` cells, the remote column is left
    out, then the age (width 0): a narrow split pane still shows what each incident is."""
    wide = width >= WIDE
    label, status, remote = (10, 12, 12) if wide else (8, 4, 8)
    severity, age_width = 5, 4
    if width - _fixed(label, severity, status, remote, age_width) < MIN_TITLE:
        remote = 0
    if width - _fixed(label, severity, status, remote, age_width) < MIN_TITLE:
        age_width = 0
    title = max(MIN_TITLE, width - _fixed(label, severity, status, remote, age_width))
    return Columns(width, label, severity, status, title, remote, age_width, wide)


def _fixed(label: int, severity: int, status: int, remote: int, age: int) -> int:
    # Selection and mark, then each column with the gap after it (the title's always, the
    # remote's when shown); the age, last, has none.
    return 3 + label + 1 + severity + 1 + status + 1 + 1 + (remote + 1 if remote else 0) + age


def line_cells(columns: Columns) -> int:
    """How many cells a line laid out by ``columns`` takes: ``columns.width``, or more when
    even the narrowest layout does not fit (the line is then cut)."""
    c = columns
    return _fixed(c.label, c.severity, c.status, c.remote, c.age) + c.title


def fit(text: str, width: int) -> str:
    """``text`` padded or cut to exactly ``width`` cells, a cut marked with an ellipsis."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    return set_cell_size(text, width - 1) + "…"


def fit_end(text: str, width: int) -> str:
    """Like :func:`fit`, but a cut keeps the end of ``text``: ids of one remote count up and
    differ in their last digits, so ``INC-10001`` cut to the start would read like its
    neighbours (``INC-100…``) where ``…10001`` does not."""
    if width <= 0:
        return ""
    length = cell_len(text)
    if length <= width:
        return text + " " * (width - length)
    start, used = len(text), 0
    while start > 0 and used + cell_len(text[start - 1]) <= width - 1:
        start -= 1
        used += cell_len(text[start])
    # A double-width character that does not fit whole is left out and its cell padded, as
    # fit does; the padding goes after, where a left-aligned column has it anyway.
    return "…" + text[start:] + " " * (width - 1 - used)


class RowStyles(NamedTuple):
    """The styles a line is drawn with, resolved from the theme for one widget."""

    base: Style
    cursor: Style
    selected: Style
    severity: dict[str | None, Style]
    status: dict[str, Style]
    pending: Style
    conflict: Style
    failed: Style
    dim: Style
    header: Style


def resolve_styles(base: Style, part: Callable[[str], Style]) -> RowStyles:
    """Collect the styles of a list from its component classes (``part("critical")``)."""
    return RowStyles(
        base=base,
        cursor=part("cursor"),
        selected=part("selected"),
        severity={
            "critical": part("critical"),
            "major": part("major"),
            "minor": part("minor"),
            None: part("nosev"),
        },
        status={
            "triggered": part("triggered"),
            "acknowledged": part("acknowledged"),
            "resolved": part("resolved"),
        },
        pending=part("pending"),
        conflict=part("conflict"),
        failed=part("failed"),
        dim=part("dim"),
        header=part("header"),
    )


def status_label(status: str, columns: Columns) -> str:
    """The status as the column shows it at this width."""
    return status if columns.wide else STATUS_SHORT.get(status, status[:4])


def mark_of(row: RowView, styles: RowStyles) -> tuple[str, Style]:
    """The state mark (:func:`~incident_tui.ui.widgets.rows.state_mark`) and its style."""
    mark = state_mark(row)
    if mark == CONFLICT_MARK:
        return mark, styles.conflict
    if mark == FAILED_MARK:
        return mark, styles.failed
    if mark == PENDING_MARK:
        return mark, styles.pending
    return mark, Style.null()


def paint_row(
    row: RowView,
    columns: Columns,
    styles: RowStyles,
    *,
    now: datetime,
    cursor: bool,
    selected: bool,
) -> Strip:
    """One list line as a Strip of exactly ``columns.width`` cells."""
    overlay = styles.cursor if cursor else styles.selected if selected else Style.null()
    base = styles.base + overlay
    mark, mark_style = mark_of(row, styles)
    severity_style = styles.severity.get(row.severity, styles.dim)
    # Every column carries the gap after it, and no cell starts with one: a column that fills
    # its width (``trig``, ``acknowledged``) still has a space before the next, and SVG
    # renderers that drop a text run's leading space (rsvg) draw the snapshots faithfully.
    cells: list[tuple[str, Style]] = [
        ("●" if selected else " ", styles.base + styles.pending + overlay),
        (mark + " ", styles.base + mark_style + overlay),
        (fit_end(row.label, columns.label) + " ", styles.base + styles.dim + overlay),
        (fit(SEVERITY_LABEL.get(row.severity, "-"), columns.severity) + " ", styles.base
         + severity_style + overlay),
        (fit(status_label(row.status, columns), columns.status) + " ", styles.base
         + styles.status.get(row.status, styles.dim) + overlay),
        (fit(row.title, columns.title) + " ", base),
    ]
    if columns.remote:
        cells.append((fit(row.remote, columns.remote) + " ", styles.base + styles.dim + overlay))
    if columns.age:
        cells.append((age(row.created, now).rjust(columns.age), styles.base + styles.dim + overlay))
    segments = [Segment(text, style) for text, style in cells]
    return Strip(segments, line_cells(columns)).crop_extend(0, columns.width, base)


def paint_placeholder(columns: Columns, styles: RowStyles, *, cursor: bool) -> Strip:
    """A line whose row is still being read (shown for a frame or two at most)."""
    base = styles.base + (styles.cursor if cursor else Style.null())
    text = fit("   …", columns.width)
    return Strip([Segment(text, base + styles.dim)], columns.width)


def paint_message(text: str, columns: Columns, styles: RowStyles) -> Strip:
    """A line of explanation where rows would be (an empty result)."""
    line = fit("   " + text, columns.width)
    return Strip([Segment(line, styles.base + styles.dim)], columns.width)


def header_cells(columns: Columns) -> list[tuple[str, str]]:
    """The header line as (text, component) pairs, aligned with :func:`paint_row`."""
    return [
        ("   " + fit("ID", columns.label) + " ", ""),
        (fit("SEV", columns.severity) + " ", ""),
        (fit("STATUS" if columns.wide else "STAT", columns.status) + " ", ""),
        (fit("TITLE", columns.title) + " ", ""),
        (fit("REMOTE", columns.remote) + " " if columns.remote else "", ""),
        ("AGE".rjust(columns.age) if columns.age else "", ""),
    ]
