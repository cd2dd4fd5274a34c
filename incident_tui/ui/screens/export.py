"""Exporting the incident list from the TUI: every row the list's filters, search and sort
select (not just the rows on screen), as CSV or JSON, into the download folder.

The files have the shape of ``incident-tui list --csv`` / ``--json``: the rows go through
the same :mod:`incident_tui.output` functions, so scripts read both alike.
"""

from __future__ import annotations

from collections.abc import Generator, Iterable, Iterator
from datetime import UTC
from itertools import chain
from pathlib import Path
from typing import Any, ClassVar, Literal, TypeVar, cast

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from incident_tui.clock import Clock
from incident_tui.domain.query import ListQuery
from incident_tui.domain.text import clean
from incident_tui.store.reader import Reader
from incident_tui.ui.context import UiContext

Format = Literal["csv", "json"]
FORMATS: tuple[Format, ...] = ("csv", "json")
_T = TypeVar("_T")
LONG_EXPORT = 5_000
"""From this many rows an export says it has started: 100,000 take about two seconds, and
until the notice of the written file nothing else would show that anything happens."""


class _Counted:
    """Passes items through, counting them: the file says how many rows it got only once
    they are all written."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, items: Iterable[_T]) -> Iterator[_T]:
        for item in items:
            self.count += 1
            yield item


def export_name(clock: Clock, fmt: Format) -> str:
    """``incidents-20261122T1200Z.csv``: the export's time in UTC, to the minute."""
    return f"incidents-{clock().astimezone(UTC):%Y%m%dT%H%M}Z.{fmt}"


def write_export(
    db_path: Path, query: ListQuery, fmt: Format, folder: Path, clock: Clock
) -> tuple[Path, int]:
    """Write the export into ``folder`` under a new name (never overwriting); returns the
    file and the row count. Blocking: call it in a thread. ``OSError`` when it cannot be
    written, and then no file (not even a partial one) is left behind.

    The rows are read and written one at a time, as ``list --csv`` / ``--json`` print them:
    made whole first, 100,000 incidents took 470 MB and stalled the screen for a second at
    a time. They are read through a connection of their own, whose one statement holds it
    until the last row: the list and the status line keep reading meanwhile."""
    from incident_tui import output
    from incident_tui.files import save_text

    counted = _Counted()
    reader = Reader.open(db_path)
    try:
        rows: Generator[Any, None, None]
        if fmt == "csv":
            rows = reader.rows(query)
            pieces = output.csv_lines(counted(rows))
        else:
            # The JSON objects also carry description and raw status (interface.md), read
            # in the same statement.
            rows = reader.rows_with_text(query)
            items = (
                output.row_json(row, description, status_raw or "")
                for row, description, status_raw in counted(rows)
            )
            pieces = chain(output.json_array(items), ["\n"])
        try:
            path = save_text(folder, export_name(clock, fmt), pieces)
        finally:
            # A write that failed leaves the statement open, holding the reader's lock,
            # which closing the reader would wait for.
            rows.close()
    finally:
        reader.close()
    return path, counted.count


class ExportScreen(ModalScreen[Format | None]):
    """Asks the format: ``c`` CSV, ``j`` JSON, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("c", "choose('csv')", "CSV", id="export_csv"),
        Binding("j", "choose('json')", "JSON", id="export_json"),
        Binding("escape", "choose('')", "Cancel", id="cancel"),
    ]

    def __init__(self, what: Content, folder: Path) -> None:
        super().__init__()
        self.what = what
        self.folder = folder

    def compose(self) -> ComposeResult:
        """What will be exported, where to, and the keys."""
        with Vertical(id="export-dialog", classes="dialog"):
            yield Static(self.what, classes="dialog-heading")
            yield Static(
                Content.assemble("Into ", (clean(str(self.folder), single_line=True), "bold")),
            )
            yield Static(
                Content.styled("c CSV · j JSON · escape cancel", "$foreground-muted"),
                classes="dialog-hint",
            )

    def action_choose(self, fmt: str) -> None:
        """Close with the chosen format (nothing for cancel)."""
        self.dismiss(cast(Format, fmt) if fmt in FORMATS else None)


def open_export(app: App[Any], ctx: UiContext, query: ListQuery, total: int) -> None:
    """Ask the format, then write the export in a worker thread and say where it went."""
    services = ctx.services
    settings = services.settings_if_valid()
    if settings is None:
        return
    folder = settings.downloads()
    noun = "incident" if total == 1 else "incidents"
    parts: list[str | tuple[str, str]] = [("Export ", "bold"), (f"{total:,} {noun}", "bold")]
    if described := query.describe():
        parts += [" · ", (clean(described, single_line=True), "$accent")]
    what = Content.assemble(*parts)

    def chosen(fmt: Format | None) -> None:
        if fmt is None:
            return

        def work() -> None:
            try:
                path, count = write_export(
                    services.db_path, query, fmt, folder, services.clock
                )
            except OSError as error:
                reason = error.strerror or str(error)
                app.notify(
                    clean(f"Could not write the export into {folder}: {reason}", single_line=True),
                    title="Export failed",
                    severity="error",
                    markup=False,
                )
                return
            rows = "incident" if count == 1 else "incidents"
            app.notify(
                clean(f"Exported {count:,} {rows} to {path}", single_line=True),
                title="Export",
                markup=False,
                timeout=8,
            )

        if total >= LONG_EXPORT:
            app.notify(f"Exporting {total:,} {noun}…", title="Export", markup=False, timeout=3)
        app.run_worker(work, thread=True, group="export", name="export", exit_on_error=False)

    app.push_screen(ExportScreen(what, folder), chosen)
