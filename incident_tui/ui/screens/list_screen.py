"""The main screen: the incident list with search, filters, sort, selection and bulk actions.

The list widget reads its own rows; this screen coordinates: it turns keys into queries and
intents, keeps the title and status lines current and greys out what the incident under the
cursor (its remote kind) cannot do, saying why when such a key is pressed.

With a selection, the row actions act on the selection, never on the cursor's row (which
``space`` has just moved past): acknowledge, resolve, reopen and delete (asking once) take
every selected incident; comment and edit, which are about one incident, take the selected
one when exactly one is selected and otherwise refuse with a word. When the search or
filters hide some of the selection, acknowledge, resolve and reopen ask first, saying how
many the list does not show.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, cast

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.content import Content
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Static
from textual.worker import Worker

from incident_tui.domain.query import ListQuery, Sort
from incident_tui.ui import keys
from incident_tui.ui.context import SyncView, UiContext
from incident_tui.ui.key_gate import KeyGate
from incident_tui.ui.messages import Changed, deliver_latest, forward_worker_failure
from incident_tui.ui.screens.list_targets import (
    BULK,
    ROW_CAPABILITY,
    ROW_WAIT,
    SINGLE,
    Targets,
)
from incident_tui.ui.unavailable import action_keys, explain_key, key_action
from incident_tui.ui.widgets.incident_lines import empty_message
from incident_tui.ui.widgets.incident_list import IncidentList
from incident_tui.ui.widgets.key_footer import KeyFooter
from incident_tui.ui.widgets.list_header import ListHeader
from incident_tui.ui.widgets.status_line import RemoteLine, StatusLine, remote_lines

if TYPE_CHECKING:
    from textual.widgets import Input

SORT_CYCLE = (Sort.NEWEST, Sort.OLDEST, Sort.SEVERITY, Sort.UPDATED)
SORT_LABEL = {
    Sort.NEWEST: "newest first",
    Sort.OLDEST: "oldest first",
    Sort.SEVERITY: "most severe first",
    Sort.UPDATED: "recently updated first",
}
SEARCH_MOVES = (
    ("up", "cursor_up"),
    ("down", "cursor_down"),
    ("pageup", "cursor_page_up"),
    ("pagedown", "cursor_page_down"),
)
"""Keys that move the list's cursor from the search box, and the list's actions for them."""
BINDINGS_DELAY = 0.15
"""Seconds the cursor must rest before the footer re-greys actions for the new row."""


class ListScreen(Screen[None]):
    """Incidents, newest first."""

    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings(
            "open",
            "acknowledge",
            "resolve",
            "select",
            "comment",
            "search",
            "filter",
            "sort",
            "reopen",
            "edit",
            "delete",
            "export",
            "back",
        ),
        # Only reached while the search box has focus (the list's own bindings come first
        # when it has): the cursor moves through the results as you type.
        *(
            Binding(key, f"move_list('{action}')", show=False, id=f"search_{action}")
            for key, action in SEARCH_MOVES
        ),
    ]

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self._binding_state: tuple[bool | None, ...] | None = None
        """What the footer shows of the row actions: each one's ``check_action``."""
        self._bindings_timer: Timer | None = None
        self._title: Content | None = None
        self._counted: tuple[ListQuery, int] | None = None
        """The last exact count and its query: shown while a reload of the same query counts
        again, where "100+" would flash up between two equal counts at every sync pass."""
        self._status_read = False
        self._remote_names: list[str] = ctx.services.view.remote_names
        self._explained = action_keys(ctx.services.view.keys, ROW_CAPABILITY)
        self._ever_synced: bool | None = None
        """Whether any remote has finished a pass (``None`` until the states are read)."""
        self._failed = False
        """Whether a remote's last pass failed (offline, or an error answer)."""
        self._unconfigured = ""
        """That no remote is configured and where the config file was looked for, if so."""
        self.targets = Targets(lambda: self.incidents, ctx.services, self.notify)
        """Which incidents a row action takes (the selection, else the cursor's)."""
        self._missed_changes = False
        """Whether incidents changed while another screen hid this one."""
        self._missed_focus: str | None = None
        """The incident the list was asked to put its cursor on meanwhile, if any."""
        self._missed_sync = False
        """Whether the sync state changed while another screen hid this one."""

    def compose(self) -> ComposeResult:
        """Title, search, column titles, the list, status line and keys."""
        yield Static(id="list-title")
        yield ListHeader()
        yield IncidentList(self.ctx.services.source, self.ctx.services.clock, id="incidents")
        yield StatusLine(id="status")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Start reading rows and sync state; listen for changes."""
        self.ctx.incidents_changed.subscribe(self, self._on_incidents_changed, immediate=True)
        self.ctx.sync_changed.subscribe(self, self._on_sync_changed, immediate=True)
        self.ctx.sync_progress.subscribe(self, self._on_sync_progress, immediate=True)
        incidents = self.incidents
        incidents.empty_text = self._empty_text
        incidents.focus()
        first, self.ctx.services.first_rows = self.ctx.services.first_rows, None
        incidents.set_query(ListQuery(), first)
        self._update_title()

    @property
    def incidents(self) -> IncidentList:
        """The list widget."""
        return self.query_one(IncidentList)

    @property
    def search_input(self) -> Input | None:
        """The search box, once ``/`` has created it."""
        found = self.query("#search")
        return cast("Input", found.first()) if found else None

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of this node's workers go to the App's one error handler."""
        forward_worker_failure(self, event)

    # Reacting to the list and the world -----------------------------------------------------

    @on(IncidentList.CursorChanged)
    @on(IncidentList.SelectionChanged)
    def _row_context_changed(self) -> None:
        # Only when an action turns on or off: rows of two kinds that can do the same
        # things need no new footer (it recomposes and is drawn again on every refresh).
        state = tuple(self.check_action(action, ()) for action in (*ROW_CAPABILITY, "back"))
        if state != self._binding_state:
            # The footer recomposes on every bindings refresh (tens of ms), so it follows the
            # cursor once it rests rather than on every step: cursor moves stay a few ms.
            self._binding_state = state
            if self._bindings_timer is not None:
                self._bindings_timer.stop()
            self._bindings_timer = self.set_timer(BINDINGS_DELAY, self.refresh_bindings)
        self._update_title()

    @on(IncidentList.Loaded)
    def _loaded(self) -> None:
        self._update_title()
        if not self._status_read:
            # After the first rows, not before: the first paint waits for nothing else.
            self._status_read = True
            self.refresh_status()

    # The signals' callbacks run as they are published (``immediate``): while another screen
    # hides this one, they only note what to catch up with on return, and no message reaches
    # it (whatever a hidden screen handles costs work; in Textual it also cost a repaint of
    # the screen on top). On screen, they hand the work to this screen's queue as before.

    def _on_incidents_changed(self, changed: Changed) -> None:
        if self.is_current:
            self.call_next(self._incidents_changed, changed)
        else:
            self._missed_changes = True
            self._missed_focus = changed.focus or self._missed_focus

    def _on_sync_changed(self, view: SyncView) -> None:
        if self.is_current:
            self.call_next(self._sync_changed, view)
        else:
            self._missed_sync = True

    def _on_sync_progress(self, view: SyncView) -> None:
        if self.is_current:
            self.call_next(self.query_one(StatusLine).show_progress, view.progress)
        else:
            self._missed_sync = True

    def on_screen_resume(self) -> None:
        """Back on top: catch up, once, with what changed while another screen hid this
        one (rows, count and title if incidents changed, the status line if anything did)."""
        if self._missed_changes:
            self._incidents_changed(Changed([]))
        elif self._missed_sync:
            self._sync_changed(self.ctx.sync)

    def _incidents_changed(self, changed: Changed) -> None:
        # The rows and the status are read again: nothing missed is left to catch up with.
        self._missed_changes = self._missed_sync = False
        self.incidents.reload(focus=changed.focus or self._missed_focus)
        self._missed_focus = None
        self.refresh_status()

    def _sync_changed(self, view: SyncView) -> None:
        self._missed_sync = False
        self.refresh_status()
        self._redraw_empty()

    def _empty_text(self) -> str:
        """What the list says without rows: why it is empty, as far as this screen knows."""
        return empty_message(
            filtered=bool(self.incidents.list_query.describe()),
            syncing=bool(self.ctx.sync.syncing),
            ever_synced=self._ever_synced,
            failed=self._failed,
            remotes_key=keys.key_shown(self, "remotes"),
            unconfigured=self._unconfigured,
        )

    def _redraw_empty(self) -> None:
        incidents = self.incidents
        if incidents.loaded and not incidents.total:
            incidents.refresh()

    @work(thread=True, group="status", exclusive=True, exit_on_error=False)
    def refresh_status(self) -> None:
        """Re-read remote states and the queue (worker thread)."""
        reader = self.ctx.services.background()
        queue = reader.queue_counts()
        seen = [row[0] for row in reader.query("SELECT DISTINCT remote FROM incident")]
        view = self.ctx.sync
        states = reader.remotes()
        lines = remote_lines(
            states, self.ctx.services.view.remote_names, view.syncing, view.progress,
            view.unrecorded, self.ctx.services.view.disabled,
            now=self.ctx.services.clock(), queued=reader.queued_by_remote(),
        )
        names = list(dict.fromkeys([*(line.name for line in lines), *seen]))
        ever_synced = any(state.last_ok_at for state in states)
        failed = any(state.state in ("failing", "offline") for state in states)
        unconfigured = ""
        if not self.ctx.services.view.remotes:
            # Here, not on drawing: the first use of the settings may validate them.
            settings = self.ctx.services.settings_if_valid()
            unconfigured = settings.no_remotes() if settings and not settings.remotes else ""
        deliver_latest(
            self, self._show_status, lines, queue, view.note, names,
            (ever_synced, failed, unconfigured),
        )

    def _show_status(
        self, lines: list[RemoteLine], queue: tuple[int, int, int], note: str, names: list[str],
        synced: tuple[bool, bool, str],
    ) -> None:
        self._remote_names = names
        queued, waiting, held = queue
        self.query_one(StatusLine).show(lines, queued, note, waiting, held)
        if synced != (self._ever_synced, self._failed, self._unconfigured):
            self._ever_synced, self._failed, self._unconfigured = synced
            self._redraw_empty()

    def _update_title(self) -> None:
        incidents = self.incidents
        query = incidents.list_query
        if incidents.exact and incidents.current:
            # Not while a new query's rows are read: the total is still the last query's.
            self._counted = (query, incidents.total)
        if incidents.exact or self._counted is None or self._counted[0] != query:
            count = f"{incidents.total:,}" + ("" if incidents.exact else "+")
        else:
            count = f"{self._counted[1]:,}"
        position = f"{incidents.cursor + 1:,}/" if incidents.total else ""
        parts: list[str | tuple[str, str]] = [
            ("Incidents ", "bold"),
            (position + count, "bold $primary"),
            "  ·  ",
            SORT_LABEL[query.sort],
        ]
        # The selection before the search and filters, which may be long: at 80 columns what
        # a bulk key will act on must stay in sight.
        if selected := len(incidents.selected_ids):
            parts += ["  ·  ", (f"{selected} selected", "bold $mark-pending")]
        if described := query.describe():
            parts += ["  ·  ", (described, "$accent")]
        title = Content.assemble(*parts)
        if title != self._title:
            # Only on change, and without a layout pass (the line's height never changes).
            self._title = title
            self.query_one("#list-title", Static).update(title, layout=False)

    # Search -------------------------------------------------------------------------------

    async def action_search(self) -> None:
        """Show the search box and type into it (created on first use: Input is not needed
        for the first paint)."""
        box = self.search_input
        if box is None:
            from textual.widgets import Input

            box = Input(
                placeholder="Search title, description, comments", id="search", compact=True
            )
            box.cursor_blink = bool(getattr(self.app, "cursor_blink", True))
            await self.mount(box, before=self.query_one(ListHeader))
        box.add_class("-active")
        box.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """Each keystroke in the search box re-queries (Input is imported lazily, so these
        handlers go by name rather than ``@on(Input.Changed)``)."""
        if event.input.id != "search":
            return
        query = self.incidents.list_query
        if event.value != query.search:
            self.incidents.set_query(query.with_search(event.value))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter keeps the search and goes back to the list."""
        if event.input.id != "search":
            return
        if not event.value:
            event.input.remove_class("-active")
        self.incidents.focus()

    def _clear_search(self) -> None:
        box = self.search_input
        if box is not None:
            box.value = ""
            box.remove_class("-active")
        if self.incidents.list_query.search:
            self.incidents.set_query(self.incidents.list_query.with_search(""))
        self.incidents.focus()

    async def action_move_list(self, action: str) -> None:
        """Move the list's cursor while the search box keeps the focus (and the typing)."""
        await self.incidents.run_action(action)

    def _search_focused(self) -> bool:
        box = self.search_input
        return box is not None and box.has_focus

    # Keys ---------------------------------------------------------------------------------

    async def on_key(self, event: events.Key) -> None:
        """A greyed-out key says why: the remote kind of the incident it would act on lacks
        the action, several incidents are selected for a one-incident action, or there is
        no incident under the cursor.

        A row key on a row still being read waits for it (:data:`ROW_WAIT` at most): the key
        goes on to its binding once the handler returns, and by then the row is there and
        the action applies. Until then the keys after it wait their turn behind it."""
        action = key_action(event, self._explained)
        if action is not None and self.targets.row_loading(action):
            gate = getattr(self.app, "key_gate", None)
            with gate.holding() if isinstance(gate, KeyGate) else nullcontext():
                await self.incidents.cursor_row_read(ROW_WAIT)
        explain_key(self, event, self._explained, self.targets.why_not)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grey out row actions the remote kind cannot do, or that need a row; with a
        selection, the bulk actions apply to it and the one-incident actions only to a
        selection of one."""
        try:
            incidents = self.incidents
        except NoMatches:
            return True
        if action == "back":
            return bool(
                incidents.selected_ids or incidents.list_query.search or self._search_focused()
            )
        if action not in ROW_CAPABILITY:
            return True
        selected = incidents.selected_ids
        if selected and action in BULK:
            # Kinds that cannot are left out when it runs, and said so (Targets.bulk).
            return True
        if len(selected) > 1 and action in SINGLE:
            return None
        if action in ("open", "select"):
            return True if incidents.cursor_row is not None else None
        kind = self.targets.kind()
        if kind is None:
            return None
        capability = ROW_CAPABILITY[action]
        if capability is not None and not self.ctx.services.can(kind, capability):
            return None
        return True

    def action_open(self) -> None:
        """Open the incident under the cursor."""
        row = self.incidents.cursor_row
        if row is not None:
            from incident_tui.ui.screens.detail import DetailScreen

            self.app.push_screen(DetailScreen(self.ctx, row.id))

    def action_acknowledge(self) -> None:
        """Acknowledge the selection, or the incident under the cursor."""
        self._act("Acknowledge", self.targets.all(), self.ctx.intents.acknowledge)

    def action_resolve(self) -> None:
        """Resolve the selection, or the incident under the cursor."""
        self._act("Resolve", self.targets.all(), self.ctx.intents.resolve)

    def _after_bulk(self) -> None:
        self.incidents.clear_selection()

    def action_reopen(self) -> None:
        """Reopen the selection, or the incident under the cursor (those not resolved are
        left alone)."""
        targets = self.targets.bulk("reopen")
        if targets:
            self._act("Reopen", targets, self.ctx.intents.reopen)

    def _act(self, verb: str, targets: list[str], intent: Callable[..., None]) -> None:
        """Queue ``intent`` on ``targets``; with a selection, clear it once queued, and ask
        first when the search or filters hide some of it.

        A responder who narrows the list and presses a key on the row in front of them
        would otherwise change incidents they cannot see, and not the one they meant."""
        if not targets:
            return
        incidents = self.incidents
        if not incidents.selected_ids:
            intent(targets)
            return
        hidden = len(targets) - len(
            self.ctx.services.reader.among(incidents.list_query, targets)
        )
        if not hidden:
            intent(targets, done=self._after_bulk)
            return
        from incident_tui.ui.screens.confirm import ConfirmScreen

        count = f"{len(targets)} selected incident" + ("" if len(targets) == 1 else "s")
        question = Content.assemble(
            (f"{verb} ", "bold"), (count, "bold $warning"), "?\n", hidden_note(hidden, len(targets))
        )

        def answered(yes: bool | None) -> None:
            if yes:
                intent(targets, done=self._after_bulk)

        self.app.push_screen(ConfirmScreen(question), answered)

    def action_select(self) -> None:
        """Select or unselect the incident under the cursor, then move down."""
        incidents = self.incidents
        if incidents.toggle_selected():
            incidents.move_cursor(incidents.cursor + 1)

    def action_comment(self) -> None:
        """Write a comment on the selected incident (a selection of one), else the one under
        the cursor."""
        target = self.targets.single()
        if target is not None:
            from incident_tui.ui.screens.comment import open_comment

            open_comment(self.app, self.ctx, *target)

    def action_edit(self) -> None:
        """Edit the selected incident (a selection of one), else the one under the cursor."""
        target = self.targets.single()
        if target is not None:
            from incident_tui.ui.screens.edit import open_edit

            open_edit(self.app, self.ctx, target[0])

    def action_delete(self) -> None:
        """Delete the selection, or the incident under the cursor, after asking."""
        from incident_tui.ui.screens.confirm import confirm_delete, confirm_delete_many

        incidents = self.incidents
        if incidents.selected_ids:
            targets = self.targets.bulk("delete")
            if targets:
                chosen = [(i, getattr(incidents.loaded_row(i), "title", "")) for i in targets]
                confirm_delete_many(self.app, self.ctx, chosen, done=self._after_bulk)
            return
        row = incidents.cursor_row
        if row is not None:
            confirm_delete(self.app, self.ctx, row.id, row.title)

    def action_export(self) -> None:
        """Save every incident the list selects (filters, search, sort) as CSV or JSON."""
        from incident_tui.ui.screens.export import open_export

        incidents = self.incidents
        open_export(self.app, self.ctx, incidents.list_query, incidents.total)

    def action_filter(self) -> None:
        """Choose statuses, remotes and severities to show."""
        from incident_tui.ui.screens.filter import FilterScreen

        def apply(query: ListQuery | None) -> None:
            if query is not None:
                self.incidents.set_query(query)

        screen = FilterScreen(self.incidents.list_query, self._remote_names)
        self.app.push_screen(screen, apply)

    def action_sort(self) -> None:
        """Cycle the order."""
        query = self.incidents.list_query
        following = SORT_CYCLE[(SORT_CYCLE.index(query.sort) + 1) % len(SORT_CYCLE)]
        self.incidents.set_query(replace(query, sort=following))
        self.notify(f"Sorted {SORT_LABEL[following]}", timeout=2)

    def action_back(self) -> None:
        """Leave the search box, else clear the selection, else clear the search."""
        incidents = self.incidents
        if self._search_focused() or (not incidents.selected_ids and incidents.list_query.search):
            self._clear_search()
        elif incidents.selected_ids:
            incidents.clear_selection()


def hidden_note(hidden: int, total: int) -> str:
    """Why a bulk action asks first: ``hidden`` of the ``total`` selected incidents are not
    in the list as the search and filters leave it."""
    if hidden == total:
        who = "It is not" if total == 1 else "None of them is"
    else:
        who = f"{hidden} of them " + ("is not" if hidden == 1 else "are not")
    return f"{who} in the list as it is now: the search or filters hide " + (
        "it." if hidden == 1 else "them.")
