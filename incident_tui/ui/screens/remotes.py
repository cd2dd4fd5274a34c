"""The remotes screen (``S``, or a click on the status line): every configured remote's sync
state, when it last synced, its queue and its full last error. A remote taken out of the
config is not listed, though the cache still holds its last state: nothing syncs it now.

The status line has room for a word or two per remote; this is where the whole error is
read, with a hint at what to do for the usual causes (credentials refused, remote out of
reach). Read in a worker thread and re-read whenever a remote's pass starts or ends; a
running pass's progress (how many listed, a request that waits to be tried again, and why)
is followed as the status line follows it, without reading the cache again.
"""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static
from textual.worker import Worker

from incident_tui.domain.capabilities import KIND_TITLES
from incident_tui.domain.text import clean
from incident_tui.sync.advice import advice, untrusted
from incident_tui.ui.context import SyncView, UiContext
from incident_tui.ui.format import local_time
from incident_tui.ui.keys import BY_ID, key_shown
from incident_tui.ui.messages import deliver_latest, forward_worker_failure
from incident_tui.ui.widgets.status_line import (
    STYLE,
    UNTRUSTED_WORDS,
    RemoteLine,
    remote_lines,
    wait_words,
)

MAX_ERROR = 2000
"""Longest last error shown (a remote's error body can be a whole HTML page)."""

ORDER = {"failing": 0, "offline": 1, "syncing": 2, "disabled": 3, "never": 4, "ok": 5}
"""Problems first, as on the status line."""

DISABLED_ADVICE = (
    "Sync is off for this remote (enabled = false in the config): nothing is read from it "
    "or sent to it, and its queued changes wait until it is enabled again."
)


def remote_heading(remote: RemoteLine, now: datetime | None = None) -> Content:
    """One remote's first line: name and kind, state, last good sync, queue. Given ``now``,
    times of today go without their date (the line fits 80 columns)."""
    name = clean(remote.name, single_line=True)
    kind = KIND_TITLES.get(remote.kind, clean(remote.kind, single_line=True))
    state = {"never": "never synced", "syncing": "syncing…"}.get(remote.state, remote.state)
    if remote.state == "offline" and untrusted(remote.last_error):
        state = UNTRUSTED_WORDS  # as the status line says it
    head: list[str | tuple[str, str]] = [
        (name, "bold"),
        (f" ({kind})" if kind else "", "$foreground-muted"),
        "  ",
        (state, f"bold {STYLE.get(remote.state, '$sync-never')}"),
    ]
    if remote.progress:
        head.append(f" {clean(remote.progress, single_line=True)}")
    if remote.state in ("failing", "offline") and remote.last_attempt_at:
        # Still failing now, or only at a pass long ago? The time tells.
        head.append(
            (f" at {local_time(remote.last_attempt_at, now=now)}", "$foreground-muted")
        )
    if remote.last_ok_at:
        head.append((f" · last ok {local_time(remote.last_ok_at, now=now)}", "$foreground-muted"))
    if remote.queued:
        head.append((f" · {remote.queued} queued", "$mark-pending"))
    return Content.assemble(*head)


def remote_error(remote: RemoteLine) -> str:
    """A remote's full last error (cleaned, bounded), unless it has since synced (or is
    disabled: no pass is trying it now)."""
    if remote.state in ("ok", "disabled"):
        return ""
    return clean(remote.last_error)[:MAX_ERROR]


def remote_advice(remote: RemoteLine) -> str:
    """What to do about the remote's state, for the usual causes; for a synced remote that
    asked its queued changes to wait, until when (nothing to do but wait); else empty."""
    if remote.state == "disabled":
        return DISABLED_ADVICE
    if wait := wait_words(remote):
        return f"Queued {wait} as the remote asked; the first sync after then sends them."
    return advice(remote.state, remote.last_error)


def remotes_text(remotes: list[RemoteLine], now: datetime | None = None) -> str:
    """Every remote as plain text, problems first (tests and screen readers read it)."""
    lines = []
    for remote in sorted(remotes, key=lambda r: ORDER.get(r.state, len(ORDER))):
        heading = remote_heading(remote, now).plain
        lines += [heading, remote_error(remote), remote_advice(remote)]
    return "\n".join(line for line in lines if line)


class RemotesScreen(ModalScreen[None]):
    """Each remote's state and full last error; escape (or the key that opened it) closes,
    the sync key (``s`` unless rebound) syncs now."""

    DEFAULT_CSS = """
    RemotesScreen #remotes-body {
        height: auto;
        max-height: 18;
    }
    RemotesScreen .remote-heading {
        margin-top: 1;
    }
    RemotesScreen .remote-heading.-first {
        margin-top: 0;
    }
    RemotesScreen .remote-error, RemotesScreen .remote-advice {
        padding-left: 2;
    }
    RemotesScreen .remote-error {
        color: $sync-failing;
    }
    RemotesScreen .remote-advice {
        color: $foreground-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="remotes_close"),
        # A modal screen keeps the App's keys out: the key that opened the screen closes it,
        # and sync is offered here again. Both have the App's ids, so the user's keymap moves
        # them with the App's own (sync on S and remotes on s run those here too).
        Binding(BY_ID["remotes"].key, "close", "Close", show=False, id="remotes"),
        Binding(BY_ID["sync"].key, "app.sync", "Sync", id="sync"),
    ]

    def __init__(self, ctx: UiContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.remotes: list[RemoteLine] | None = None
        """The remotes on screen (``None`` until the first read)."""
        self._headings: dict[str, Static] = {}
        """Each remote's heading on screen, by name: a pass's progress redraws only it."""

    def compose(self) -> ComposeResult:
        """Heading, the remotes (scrolling when many), the keys."""
        with Vertical(id="remotes-dialog", classes="dialog"):
            yield Static(Content.styled("Remotes", "bold"), classes="dialog-heading")
            with VerticalScroll(id="remotes-body"):
                yield Static(Content("Reading…"), classes="remote-heading -first")
            yield Static(id="remotes-hint", classes="dialog-hint")

    @property
    def text(self) -> str:
        """What the screen shows, as plain text (empty until the first read)."""
        if self.remotes is None:
            return ""
        return remotes_text(self.remotes, self.ctx.services.clock())

    def on_mount(self) -> None:
        """Read the states; read them again when a pass starts or ends."""
        self.query_one("#remotes-body").focus()
        # The sync key in force here, as the footer would show it (the user's, if moved).
        sync = key_shown(self, "app.sync") or key_shown(self, "sync")
        self.query_one("#remotes-hint", Static).update(
            Content.styled(f"escape close · {sync} sync now", "$foreground-muted")
        )
        self.ctx.sync_changed.subscribe(self, self._sync_changed)
        self.ctx.sync_progress.subscribe(self, self._sync_progress)
        self.load()

    def on_unmount(self) -> None:
        """Stop listening for sync events: the signals drop a removed screen only when they
        are next published, which a TUI with sync off never does."""
        self.ctx.sync_changed.unsubscribe(self)
        self.ctx.sync_progress.unsubscribe(self)

    def _sync_changed(self, view: SyncView) -> None:
        self.load()

    def _sync_progress(self, view: SyncView) -> None:
        """A syncing remote said how far it has come: at 80 columns the status line has
        room for a word or two of it (``retrying now``), so the whole of it, the reason for
        a retry included, is read here while the pass goes on."""
        if self.remotes is None:
            return
        now = self.ctx.services.clock()
        remotes = []
        for remote in self.remotes:
            words = view.progress.get(remote.name, remote.progress)
            if remote.state == "syncing" and words != remote.progress:
                remote = remote._replace(progress=words)
                heading = self._headings.get(remote.name)
                if heading is not None:
                    heading.update(remote_heading(remote, now))
            remotes.append(remote)
        self.remotes = remotes

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """Failures of this node's workers go to the App's one error handler."""
        forward_worker_failure(self, event)

    @work(thread=True, group="remotes", exclusive=True, exit_on_error=False)
    def load(self) -> None:
        """Read every remote's state (worker thread)."""
        view = self.ctx.sync
        reader = self.ctx.services.background()
        lines = remote_lines(
            reader.remotes(),
            self.ctx.services.view.remote_names,
            view.syncing,
            view.progress,
            view.unrecorded,
            self.ctx.services.view.disabled,
            now=self.ctx.services.clock(),
            queued=reader.queued_by_remote(),
        )
        deliver_latest(self, self._show, lines)

    def _show(self, remotes: list[RemoteLine]) -> None:
        kinds = self.ctx.services.remote_kinds()
        # A configured remote that never synced has no row yet: its kind is in the config.
        remotes = [r if r.kind else r._replace(kind=kinds.get(r.name, "")) for r in remotes]
        self.remotes = remotes
        widgets: list[Static] = []
        headings: dict[str, Static] = {}
        now = self.ctx.services.clock()
        for remote in sorted(remotes, key=lambda r: ORDER.get(r.state, len(ORDER))):
            classes = "remote-heading" + ("" if widgets else " -first")
            headings[remote.name] = Static(remote_heading(remote, now), classes=classes)
            widgets.append(headings[remote.name])
            # Plain Content, never markup: the error is the remote's own text.
            if error := remote_error(remote):
                widgets.append(Static(Content(error), classes="remote-error"))
            if advice := remote_advice(remote):
                widgets.append(Static(Content(advice), classes="remote-advice"))
        if not widgets:
            widgets.append(
                Static(Content("No remotes configured."), classes="remote-heading -first")
            )
        self._headings = headings
        self.call_later(self._replace, widgets)

    async def _replace(self, widgets: list[Static]) -> None:
        body = self.query_one("#remotes-body")
        await body.remove_children()
        await body.mount_all(widgets)

    def action_close(self) -> None:
        """Close the screen."""
        self.dismiss(None)
