"""The filter dialog: which statuses, severities and remotes the list shows."""

from __future__ import annotations

from dataclasses import replace
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from incident_tui.domain.model import Severity, Status
from incident_tui.domain.query import ListQuery
from incident_tui.domain.text import clean
from incident_tui.ui.widgets.ticks import TickList

NO_SEVERITY = "none"


class FilterScreen(ModalScreen[ListQuery | None]):
    """Tick what to show; nothing ticked in a group means "any". Space ticks, enter or ctrl+s
    applies."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "apply", "Apply", id="filter_apply"),
        # A priority binding: the lists' own enter ticks the highlighted line (as space does),
        # so enter after space unticked what was just ticked instead of applying it.
        Binding("enter", "apply", "Apply", show=False, priority=True, id="filter_apply_enter"),
        Binding("ctrl+x", "clear", "Clear all", id="filter_clear"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]

    def __init__(self, query: ListQuery, remotes: list[str]) -> None:
        super().__init__()
        self.start = query
        self.remotes = sorted(set(remotes) | set(query.remotes))

    def compose(self) -> ComposeResult:
        """A column per filter."""
        query = self.start
        with Vertical(id="filter-dialog", classes="dialog"):
            yield Static(Content.styled("Filter incidents", "bold"), classes="dialog-heading")
            with Horizontal(id="filter-columns"):
                statuses: TickList[str] = TickList(
                    *[Selection(Content(s.value), s.value, s in query.statuses) for s in Status],
                    id="filter-status",
                )
                statuses.border_title = "Status"
                yield statuses
                severities: TickList[str] = TickList(
                    *[
                        Selection(Content(s.value), s.value, s in query.severities)
                        for s in Severity
                    ],
                    Selection(Content("no severity"), NO_SEVERITY, None in query.severities),
                    id="filter-severity",
                )
                severities.border_title = "Severity"
                yield severities
                remotes: TickList[str] = TickList(
                    *[
                        Selection(Content(clean(r, single_line=True)), r, r in query.remotes)
                        for r in self.remotes
                    ],
                    id="filter-remote",
                )
                remotes.border_title = "Remote"
                yield remotes
            yield Static(
                Content.styled(
                    "space tick · tab next column · enter apply · ctrl+x clear · escape cancel",
                    "$foreground-muted",
                ),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Start in the status column."""
        self.query_one("#filter-status").focus()

    def chosen(self) -> ListQuery:
        """The query with the ticked filters."""
        statuses = self.query_one("#filter-status", SelectionList).selected
        severities = self.query_one("#filter-severity", SelectionList).selected
        remotes = self.query_one("#filter-remote", SelectionList).selected
        return replace(
            self.start,
            statuses=frozenset(Status(s) for s in statuses),
            severities=frozenset(None if s == NO_SEVERITY else Severity(s) for s in severities),
            remotes=frozenset(str(r) for r in remotes),
        )

    def action_apply(self) -> None:
        """Close with the new query."""
        self.dismiss(self.chosen())

    def action_clear(self) -> None:
        """Untick everything."""
        for widget in self.query(SelectionList):
            widget.deselect_all()

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
