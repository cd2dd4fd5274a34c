"""Which incidents a row action of the list takes: with a selection, the bulk actions take all
of it (less the incidents whose remote kind cannot, which are named), the one-incident actions
the selected one when it is alone; else the incident under the cursor. Also why a row key
does nothing now, for the notice when it is pressed."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from incident_tui.domain.capabilities import Capability
from incident_tui.ui.unavailable import lacking_text

if TYPE_CHECKING:
    from incident_tui.ui.services import Services
    from incident_tui.ui.widgets.incident_list import IncidentList

ROW_CAPABILITY: dict[str, Capability | None] = {
    "open": None,
    "select": None,
    "acknowledge": Capability.ACKNOWLEDGE,
    "resolve": Capability.RESOLVE,
    "reopen": Capability.REOPEN,
    "comment": Capability.COMMENT,
    "edit": Capability.EDIT,
    "delete": Capability.DELETE,
}
"""Actions on the incident under the cursor, and what its remote kind must allow."""
BULK = ("acknowledge", "resolve", "reopen", "delete")
"""Row actions that take every selected incident when there is a selection."""
SINGLE = ("comment", "edit")
"""Row actions about one incident: with a selection, only a selection of one."""
ROW_LOADING = "The incident under the cursor is still loading; press the key again in a moment."
"""Said when a row key is pressed on a row whose block is still being read, and stays so."""
ROW_WAIT = 2.0
"""Longest a row key waits for the row under the cursor to be read (seconds). A block of rows
is read in milliseconds; a read holding the list's connection (a report, a detail) can make it
longer, and a key pressed on a row still loading is meant for the incident about to show."""


class Targets:
    """The incidents the list screen's row actions take, read from its list widget."""

    def __init__(
        self,
        incidents: Callable[[], IncidentList],
        services: Services,
        notify: Callable[..., None],
    ) -> None:
        self._incidents = incidents
        self._services = services
        self._notify = notify

    def why_not(self, action: str) -> str | None:
        """Why a greyed-out row key does nothing now, to say when it is pressed."""
        selected = self._incidents().selected_ids
        if action in SINGLE and len(selected) > 1:
            word = "Comment" if action == "comment" else "Edit"
            return (
                f"{word} acts on one incident and {len(selected)} are selected; "
                "escape clears the selection."
            )
        if self.row_loading(action):
            return ROW_LOADING
        kind = self.kind()
        if kind is None:
            return "No incident under the cursor." if self._incidents().total else None
        capability = ROW_CAPABILITY.get(action)
        return lacking_text(kind, capability) if capability is not None else None

    def row_loading(self, action: str) -> bool:
        """Whether ``action`` would take the incident under the cursor and its row is still
        being read (the list reads its rows in blocks, as they come into view)."""
        incidents = self._incidents()
        if action not in ROW_CAPABILITY or incidents.cursor_row is not None:
            return False
        if not incidents.total:
            return False
        # Open and select always take the cursor's row; the others the selection if any.
        return action in ("open", "select") or not incidents.selected_ids

    def kind(self) -> str | None:
        """The remote kind of the one incident a row action would take: the only selected
        one, else the cursor's."""
        selected = self._incidents().selected_ids
        if len(selected) == 1:
            return self._services.kind_of(selected[0])
        row = self._incidents().cursor_row
        return row.kind if row else None

    def all(self) -> list[str]:
        """The selection, else the cursor's incident (none: empty). The selection as the
        cache has it now: a sync since the last reload of the list may have renamed or
        removed some of it, and one missing id would leave every other one undone."""
        incidents = self._incidents()
        if incidents.selected_ids:
            incidents.renew_selection(self._services.source.selection_now(incidents.selected_ids))
            if not incidents.selected_ids:
                # Not the cursor's incident instead: the user meant the selected ones.
                self._notify(
                    "The selected incidents are no longer in the cache (deleted on their "
                    "remote): nothing was done.",
                    timeout=6,
                    markup=False,
                )
            return incidents.selected_ids
        row = incidents.cursor_row
        return [row.id] if row else []

    def bulk(self, action: str) -> list[str]:
        """The selection (or the cursor's incident) without the incidents whose remote kind
        cannot do ``action``; those left out are named in a notice."""
        capability = ROW_CAPABILITY[action]
        targets = self.all()
        if capability is None:
            return targets
        services = self._services
        able = [i for i in targets if services.can(services.kind_of(i), capability)]
        if len(able) < len(targets):
            left = len(targets) - len(able)
            kinds = sorted({services.kind_of(i) or "" for i in targets if i not in able})
            reasons = " ".join(
                lacking_text(kind, capability) or "" if kind else "Its remote is not configured."
                for kind in kinds
            )
            noun = "incident" if left == 1 else "incidents"
            self._notify(f"{left} selected {noun} left out: {reasons}", timeout=6, markup=False)
        return able

    def single(self) -> tuple[str, str] | None:
        """The id and title of the one incident a one-incident action takes: the only
        selected one, else the cursor's (``check_action`` refuses a larger selection)."""
        incidents = self._incidents()
        selected = incidents.selected_ids
        if len(selected) > 1:
            return None
        if selected:
            row = incidents.loaded_row(selected[0])
            return selected[0], row.title if row else ""
        cursor = incidents.cursor_row
        return (cursor.id, cursor.title) if cursor else None
