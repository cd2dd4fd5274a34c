"""The App and its factory: the composition root of the TUI.

``make_app`` opens the cache and builds the services once; the App registers the themes,
applies the user's keymap, hands a :class:`UiContext` to its screens, runs the sync loop as
an App-level worker and is the one place where worker errors and sync events land.

Opening the dashboard and the handover is the App's :class:`ReportViews` mixin
(:mod:`incident_tui.ui.report_views`); the command palette's incident entries are
:mod:`incident_tui.ui.palette`.
"""

from __future__ import annotations

import asyncio
import functools
import signal
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from textual import events
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.dom import DOMNode
from textual.driver import Driver
from textual.screen import Screen
from textual.signal import Signal
from textual.worker import Worker

from incident_tui.clock import Clock, system_clock
from incident_tui.domain.text import clean, shorten
from incident_tui.keymap import SCREENS, HeldClash, clashes, held_clashes, screen_clashes
from incident_tui.startup import StartView
from incident_tui.ui import keys
from incident_tui.ui.cache_watch import WATCH_EVERY, CacheWatch
from incident_tui.ui.context import TICK_EVERY, SyncView, UiContext
from incident_tui.ui.intents import Intents
from incident_tui.ui.key_gate import KeyGate
from incident_tui.ui.messages import (
    Changed,
    IncidentsChanged,
    RemoteFinished,
    RemoteProgress,
    RemoteStarted,
    SyncProblem,
    WorkerFailed,
    forward_worker_failure,
)
from incident_tui.ui.palette import incident_commands
from incident_tui.ui.report_views import ReportViews
from incident_tui.ui.screens.list_screen import ListScreen
from incident_tui.ui.services import Services
from incident_tui.ui.themes import (
    DEFAULT_THEME,
    THEME_VARIABLE_DEFAULTS,
    ShippedTheme,
    load_themes,
)
from incident_tui.ui.thread_context import use_copied_contexts
from incident_tui.ui.transfers import Transfers
from incident_tui.ui.unsent_notice import NAMED, unsent_notice
from incident_tui.ui.warning_notices import NOTICE_SECONDS, WarningNotices
from incident_tui.ui.widgets.rows import row_view
from incident_tui.ui.written_rows import WrittenRows

WARM_AFTER = 0.5
"""Seconds after start-up to build the writer (SQLModel import) in a thread, off the paint."""

ENDING_SIGNALS = (signal.SIGHUP, signal.SIGTERM)
"""Signals that end the App as quitting does: a dropped SSH link (the terminal hangs up) or
a service manager. Python's default for both ends the process on the spot, with no sync
stopped in order and, for the demo, its temporary folder of emulators' data left behind."""

LINUX_DRIVER = ("textual.drivers.linux_driver", "LinuxDriver")
"""Textual's driver for Linux and macOS terminals, which
:class:`~incident_tui.ui.terminal_driver.TerminalDriver` replaces."""

if TYPE_CHECKING:
    from rich.console import RenderableType

    from incident_tui.config import Settings
    from incident_tui.ui.screens.dashboard import DashboardScreen
    from incident_tui.ui.sync_runner import RereadDone, RereadStarted, SyncRunner


class IncidentApp(ReportViews, Transfers, App[None]):
    """incident-tui: the on-call console over every configured incident system."""

    CSS_PATH = "app.tcss"
    TITLE = "incident-tui"
    BINDINGS: ClassVar[list[BindingType]] = [
        *keys.bindings("new", "dashboard", "handover", "sync", "remotes", "help", "quit"),
    ]

    def __init__(self, services: Services, *, sync: bool = True, cursor_blink: bool = True) -> None:
        super().__init__()
        self.services = services
        self.cursor_blink = cursor_blink
        """Whether text cursors blink (off in snapshots)."""
        self._theme_notices = self._set_theme(services.view.theme)
        self.set_keymap(dict(services.view.keys))
        self._clashes: set[frozenset[str]] = set()
        self._started = False
        self.sync_enabled = sync
        self.follow: Settings | None = None
        """Validated settings that differ from the remembered start view this App opened
        from; set, the App ended right after its first frame, for its caller to open a new
        one over them (:func:`run_tui`)."""
        self.runner: SyncRunner | None = None
        """The sync loop, built after the first paint (its imports are not needed before)."""
        self.key_gate = KeyGate(self)
        self._transfers = {}
        self._holds = 0
        """How many screens hold the terminal output now (:meth:`hold_output`)."""
        self._written = WrittenRows()
        """What the terminal shows, as far as this App wrote it (see :meth:`_display`)."""
        self._full_frame_owed = False
        """The last hold ended: the next update is written as one full frame."""
        self._cache_watch = CacheWatch(services.db_path)
        """Notices commits to the cache by other processes (:meth:`_watch_cache`)."""
        self._warnings: WarningNotices | None = None
        """The package's warnings shown as notices while the App runs."""
        self._signals: list[int] = []
        """The signals this App ends on (:meth:`_catch_signals`)."""
        self.ctx = UiContext(
            services=services,
            intents=Intents(self, services),
            incidents_changed=Signal(self, "incidents-changed"),
            sync_changed=Signal(self, "sync-changed"),
            sync_progress=Signal(self, "sync-progress"),
            sync=SyncView(enabled=sync),
            ticked=Signal(self, "ticked"),
        )

    def _set_theme(self, wanted: str) -> list[str]:
        """Register the theme files and apply ``wanted``; the notices to show: each theme
        file that does not load (skipped, so that one bad file never keeps the TUI from
        opening), and a configured theme that cannot be used.

        A configured theme whose file is broken falls back to the default, as an unknown
        name does: the colours are no reason to keep an on-call console shut."""
        loaded = load_themes()
        for theme in loaded.themes:
            self.register_theme(theme)
        # The default's own file may be the broken one: Textual's stock dark theme then.
        fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
        notices: list[str] = []
        usable = wanted in self.available_themes
        for problem in loaded.problems:
            if problem.name == wanted and not usable:
                notices.append(f"Theme {wanted!r} cannot be used: {problem.error}; "
                               f"using {fallback}.")
            else:
                notices.append(f"Theme file skipped: {problem.error}")
        if not usable and not any(p.name == wanted for p in loaded.problems):
            notices.append(f"Unknown theme {wanted!r}; using {fallback}.")
        self.theme = wanted if usable else fallback
        return notices

    async def on_event(self, event: events.Event) -> None:
        """Route typed keys one at a time (see :mod:`incident_tui.ui.key_gate`)."""
        await self.key_gate.handle(event, super().on_event)

    def get_driver_class(self) -> type[Driver]:
        """Textual's driver for the platform; on Linux and macOS one that takes the terminal
        again only after a suspension (:mod:`incident_tui.ui.terminal_driver`)."""
        driver = super().get_driver_class()
        # By name: importing the Linux driver where there is none (Windows) would fail.
        if (driver.__module__, driver.__qualname__) == LINUX_DRIVER:
            from incident_tui.ui.terminal_driver import TerminalDriver

            return TerminalDriver
        return driver

    def get_default_screen(self) -> Screen[Any]:
        """The list is the home screen."""
        return ListScreen(self.ctx)

    @property
    def _background_screens(self) -> list[Screen[Any]]:
        """The screens under the top one that show through it: none when it is opaque.

        Textual (8.2.8) always counts the screen right under the top one, so the list under
        the detail, the dashboard or the handover stayed "current": each message it handled
        (a sync signal, a worker's result) sent its pending repaint to the top screen as a
        full repaint (``Screen._compositor_refresh``), several kilobytes each time. A
        screen hidden this way is laid out and repainted when it is back on top
        (``Screen._on_screen_resume``), as every screen deeper in the stack already is."""
        stack = self._screen_stack
        if stack and stack[-1].styles.background.a == 1:
            return []
        return super()._background_screens

    def hold_output(self) -> Callable[[], None]:
        """Keep what is drawn off the terminal until the function returned is called (once;
        later calls do nothing); the screen is then written once, in full.

        For a screen whose first moments are not worth sending over a slow link: the detail
        is drawn empty, then with the incident, then laid out again by Textual (scroll
        bars, newly shown sections), each written in full or nearly. Textual's own
        ``batch_update`` would not do: it stops the layout too, so those passes would only
        follow it."""
        self._holds += 1
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._holds -= 1
                if not self._holds and self._screen_stack:
                    self._full_frame_owed = True
                    self.screen.refresh()

        return release

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """Write an update to the terminal, unless a screen holds the output
        (:meth:`hold_output`); of the rest, only the rows the terminal does not show as
        they are (:mod:`.written_rows`)."""
        if self._holds or renderable is None or self._batch_count:
            return
        if self._full_frame_owed and screen is self.screen:
            # What was held goes out in one frame. The update at hand is a part of it (a
            # layout pass still pending as the hold ended, on a busy machine), and the
            # repaint the end of the hold asked for would write all of it again after.
            self._full_frame_owed = False
            screen._repaint_required = False
            full = screen._compositor.render_update(
                full=True, screen_stack=self._background_screens
            )
            if full is not None:
                renderable = full
        needed = self._written.needed(renderable, self.size.width, self.cursor_position)
        if needed is not None:
            self._write_update(screen, needed)

    def on_resize(self, _event: events.Resize) -> None:
        """The terminal was resized: every row is written again, whatever it showed."""
        self._written.forget()

    def _resumed(self) -> None:
        """Back from a suspend (SIGTSTP, then fg): the alternate screen the terminal is
        given back is blank, so the screen is written again in full."""
        self._written.forget()
        if self._screen_stack:
            self.screen.refresh()

    def _write_update(self, screen: Screen[Any], renderable: RenderableType) -> None:
        """Hand an update to Textual, which writes it to the terminal."""
        super()._display(screen, renderable)

    def get_theme_variable_defaults(self) -> dict[str, str]:
        """Incident colours for themes that do not name them (Textual's own themes)."""
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLE_DEFAULTS}

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables, from its 16-colour look on a terminal of 16 colours."""
        theme = self.current_theme
        if not isinstance(theme, ShippedTheme):
            return super().get_css_variables()
        drawn = theme.for_colours(self.console.color_system)
        variables = {
            **self.get_theme_variable_defaults(),
            **drawn.to_color_system().generate(),
            **drawn.variables,
        }
        self.theme_variables = variables
        return variables

    def refresh_css(self, animate: bool = True) -> None:
        """Re-style everything for a changed theme or stylesheet; before the first screen only
        take the theme's variables.

        Setting the configured theme in ``__init__`` queues a refresh that runs before
        anything is mounted; a full re-parse there was thrown away and the stylesheets parsed
        again for the first screen (a few ms of the first paint)."""
        if not self.screen_stack:
            self.stylesheet.set_variables(self.get_css_variables())
            return
        super().refresh_css(animate)

    def on_mount(self) -> None:
        """Say so if a theme file does not load or the configured theme cannot be used, or
        if the key settings put two commands of one screen on the same key, the dashboard's
        and the handover's own keys included (Textual says so only in some cases, and only
        once the key is pressed). From now on the package's warnings are notices too."""
        self._warnings = WarningNotices(self._show_warning)
        self._warnings.install()
        self._catch_signals()
        self.app_resume_signal.subscribe(self, lambda _app: self._resumed())
        # Else each idle pool thread keeps the last thread worker it ran, and its screen.
        use_copied_contexts(asyncio.get_running_loop())
        for notice in self._theme_notices:
            # A file's path and the TOML parser's words are no markup, and one line.
            self.notify(clean(notice, single_line=True), severity="warning", markup=False)
        # As Textual reads it: "?" is question_mark, as the defaults and Textual's own keys.
        keymap = self._keymap
        for ids in clashes(keymap):
            self._warn_clash(frozenset(ids))
        # Only an override can clash: without one, the screens' modules stay unloaded until
        # they are opened (off the first paint).
        if keymap:
            for clash in screen_clashes(keymap, _report_screen_keys()):
                self._warn_clash(
                    frozenset(clash.ids),
                    f"Key settings clash on the {clash.screen}: {', '.join(clash.ids)} share "
                    f"{clash.key}; only {clash.wins} works there",
                )
            from incident_tui.ui.held_keys import held_keys

            app_bound = {b.id for b in self.BINDINGS if isinstance(b, Binding) and b.id}
            for taken in held_clashes(keymap, held_keys(self), app_bound):
                # Textual's own report of the same clash names the command and the key.
                what = f"{taken.held.owner} {taken.held.action}"
                self._warn_clash(
                    frozenset({taken.id, f"key {taken.key}", what}), _held_words(taken)
                )

    def on_incident_list_loaded(self) -> None:
        """After the first rows are painted: start syncing and warm the writer.

        Both import big libraries (httpx, SQLModel) in threads; starting them before the
        first paint would make it wait on the GIL.
        """
        if self._started:
            return
        self._started = True
        # Also with sync off and the settings already valid: it warns of a config file
        # others can read.
        self.run_worker(
            self._resolve_settings, thread=True, group="settings", name="settings",
            exit_on_error=False,
        )
        self.set_timer(WARM_AFTER, self.ctx.intents.warm)
        self._cache_watch.seen()
        self.set_interval(WATCH_EVERY, self._watch_cache)
        self.set_interval(TICK_EVERY, lambda: self.ctx.ticked.publish(None))

    def _watch_cache(self) -> None:
        """Show what another process committed to the cache (see :mod:`.cache_watch`)."""
        # Also while a pass of ours runs: a remote that hangs keeps it going for minutes,
        # and what a script queued meanwhile must not wait for it. Its own commits look the
        # same to the watch, so a look may read again what the pass already said: a list
        # reload every two seconds at most.
        if self._cache_watch.changed():
            # Which incidents it changed is not known here: every screen reads again.
            self.ctx.incidents_changed.publish(Changed([]))

    def _resolve_settings(self) -> None:
        """Validate the settings if the quick start left them for now (worker thread), warn
        of a secret in a config file others can read, then start syncing. Settings that no
        longer validate end the App with their one line; settings that say another cache,
        theme, keys or remotes than the view it opened from end it too, for a new App over
        them (:attr:`follow`)."""
        from incident_tui.config_error import ConfigError

        try:
            settings = self.services.settings
        except ConfigError as error:
            from rich.text import Text

            # Text, not a str: the message quotes the config file and must not be markup.
            message = Text(f"incident-tui: {error}")
            self.call_from_thread(self.exit, return_code=1, message=message)
            return
        from incident_tui.config_permissions import warn_exposed_secret

        warn_exposed_secret(settings.config)
        if StartView.of(settings) != self.services.view:
            # A remembered view out of step with the settings (edited by hand, say). Nothing
            # has synced or been sent yet; switching the open cache under the screens and
            # their workers is not safe, so the caller starts afresh as a first start does.
            self.call_from_thread(self._follow, settings)
            return
        if self.sync_enabled:
            self.call_from_thread(self._start_sync, settings)

    def _follow(self, settings: Settings) -> None:
        self.follow = settings
        self.exit()

    def _start_sync(self, settings: Settings) -> None:
        from incident_tui.ui.sync_runner import SyncRunner

        services = self.services
        self.runner = SyncRunner(self, settings, services.clock, services.db_path)
        self.runner.start()

    async def on_unmount(self) -> None:
        """Stop syncing, close the connections to the remotes and release the cache."""
        try:
            if self.runner is not None:
                # stop() waits up to 2 s for the engine to finish a write: in a thread, so
                # the event loop (and any other app on it, in tests) keeps running meanwhile.
                await asyncio.to_thread(self.runner.stop)
            await self.services.aclose_online()
            self._cache_watch.close()
            self.services.close()
        finally:
            if self._warnings is not None:
                self._warnings.remove()  # an App that ended takes no more warnings
            self._release_signals()

    def _catch_signals(self) -> None:
        """End the App in order on :data:`ENDING_SIGNALS`, with the shell's status for the
        signal (128 + its number)."""
        loop = asyncio.get_running_loop()
        for signum in ENDING_SIGNALS:
            try:
                loop.add_signal_handler(
                    signum, functools.partial(self.exit, return_code=128 + signum)
                )
            except (RuntimeError, ValueError, NotImplementedError):
                return  # not the main thread (an App under test in another): Python's default
            self._signals.append(signum)

    def _release_signals(self) -> None:
        loop = asyncio.get_running_loop()
        while self._signals:
            loop.remove_signal_handler(self._signals.pop())

    def exit(
        self,
        result: None = None,
        return_code: int = 0,
        message: RenderableType | None = None,
    ) -> None:
        """End the App; what open dialogs hold is kept as their drafts first.

        A dialog saves its draft a moment after the typing stops: an App ended by a signal
        (the SSH link dropped mid-sentence) or ``ctrl+q`` would lose that last moment."""
        from incident_tui.ui.draft_keeper import DraftKeeper

        for screen in self.screen_stack:
            keeper = getattr(screen, "keeper", None)
            if isinstance(keeper, DraftKeeper):
                keeper.flush()
        super().exit(result, return_code, message)

    def _show_warning(self, text: str) -> None:
        self.notify(text, title="Warning", severity="warning", timeout=NOTICE_SECONDS,
                    markup=False)

    # Commands -----------------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands (theme, keys, quit...) plus every incident action that applies."""
        yield from super().get_system_commands(screen)
        yield from incident_commands(self, screen)

    def action_help(self) -> None:
        """Show the keys."""
        from incident_tui.ui.screens.help import HelpScreen

        self.push_screen(HelpScreen(self._keymap))

    def action_new_incident(self) -> None:
        """Create an incident."""
        from incident_tui.ui.screens.new_incident import open_new_incident

        open_new_incident(self, self.ctx)

    def action_sync(self) -> None:
        """Sync every remote now."""
        if not self.sync_enabled:
            self.notify("Sync is off in this session.", markup=False)
        elif self.runner is None:
            self.notify("Sync is starting…", markup=False)
        elif not self.runner.available:
            self.notify(
                "Sync is not available: part of the install is missing. Reinstall "
                "incident-tui to sync; the cache works meanwhile.",
                severity="warning", markup=False,
            )
        else:
            started, busy = self.runner.sync_now()
            disabled = self.services.view.disabled
            settings = self.services.settings_if_valid()
            if not (started or busy or disabled) and settings and not settings.remotes:
                # Where the config was looked for: on a first run it is most often elsewhere.
                words = settings.no_remotes()
                self.notify(words[:1].upper() + words[1:] + ".", severity="warning",
                            timeout=10, markup=False)
                return
            # Longer when it names a disabled remote: that part is news the user acts on.
            self.notify(
                _sync_words(started, busy, disabled), timeout=5 if disabled else 2,
                markup=False,
            )

    def action_remotes(self) -> None:
        """Show every remote's state and full last error."""
        from incident_tui.ui.screens.remotes import RemotesScreen

        if not isinstance(self.screen, RemotesScreen):
            self.push_screen(RemotesScreen(self.ctx))

    def on_dashboard_screen_open_incident(self, message: DashboardScreen.OpenIncident) -> None:
        """An incident picked on the dashboard opens in the detail screen."""
        from incident_tui.ui.screens.detail import DetailScreen

        self.push_screen(DetailScreen(self.ctx, message.incident_id))

    # Events from workers ------------------------------------------------------------------

    def on_incidents_changed(self, message: IncidentsChanged) -> None:
        """Tell the screens; ring for new urgent incidents."""
        if self._reads_all(message.ids):
            # The screens read the cache after this: what it holds now will be shown.
            self._cache_watch.seen()
        self.ctx.incidents_changed.publish(Changed(message.ids, message.focus))
        if message.urgent and self.services.settings.bell:
            self.bell()
            self.notify(self._urgent_text(message.urgent), title="Incoming",
                        severity="warning", timeout=10, markup=False)

    def _reads_all(self, ids: list[str]) -> bool:
        """Whether the screens read all that another process may have committed too when
        told that ``ids`` changed. An open incident other than those is not read again:
        another process's change to it, committed since the last look at the cache, must
        still count as unseen, or it would show only after its next change."""
        if not ids:
            return True
        from incident_tui.ui.screens.detail import DetailScreen

        told = set(ids)
        return not any(
            isinstance(screen, DetailScreen) and screen.incident_id not in told
            for screen in self.screen_stack
        )

    def _urgent_text(self, urgent: list[str]) -> str:
        """The notice for new urgent incidents: what each is (severity and title, which the
        responder decides on) and, to find it, its remote and the short id the list shows; three
        at most."""
        shown = urgent[:3]
        # Three primary-key reads: nothing next to the pass that found them.
        rows = {row.id: row for row in self.services.reader.list_rows(shown)}
        lines = []
        for incident_id in shown:
            row = rows.get(incident_id)
            name = clean(incident_id, single_line=True)
            if row is not None:
                title = shorten(clean(row.title, single_line=True), 48)
                view = row_view(row)
                name = f"{row.severity or '?'} · {title} · {view.remote} {view.label}"
            lines.append(name)
        head = "New urgent incident" if len(urgent) == 1 else "New urgent incidents"
        more = [f"and {len(urgent) - 3} more"] if len(urgent) > 3 else []
        return "\n".join([f"{head}:", *lines, *more])

    def on_remote_started(self, message: RemoteStarted) -> None:
        """Show the remote as syncing."""
        self.ctx.sync.syncing.add(message.remote)
        self.ctx.sync.progress.pop(message.remote, None)
        self.ctx.sync_changed.publish(self.ctx.sync)

    def on_remote_progress(self, message: RemoteProgress) -> None:
        """Show how far the remote's pass has come."""
        if message.remote in self.ctx.sync.syncing:
            self.ctx.sync.progress[message.remote] = message.words
            self.ctx.sync_progress.publish(self.ctx.sync)
            if message.then:
                later = RemoteProgress(message.remote, message.then)
                if message.after > 0:
                    due = functools.partial(self._progress_due, message, later)
                    self.set_timer(message.after, due)
                else:
                    # Due now; and a timer of no interval fails Textual's shutdown when it
                    # is still pending then (a division by its interval).
                    self.on_remote_progress(later)

    def _progress_due(self, shown: RemoteProgress, later: RemoteProgress) -> None:
        """Show ``later`` if the pass still shows what ``shown`` said (nothing newer came)."""
        if self.ctx.sync.progress.get(shown.remote) == shown.words:
            self.on_remote_progress(later)

    def on_remote_finished(self, message: RemoteFinished) -> None:
        """Show the remote's new state (read back from the cache)."""
        result = message.result
        self.ctx.sync.syncing.discard(result.remote)
        self.ctx.sync.progress.pop(result.remote, None)
        # No seen() here: another process may have committed since the last look, and
        # nothing read the cache for it (the pass's end alone reloads no rows). The next
        # look tells.
        if result.unrecorded and not result.ok:
            state = "offline" if result.offline else "failing"
            self.ctx.sync.unrecorded[result.remote] = (state, result.error or "")
        else:
            self.ctx.sync.unrecorded.pop(result.remote, None)
        self.ctx.sync_changed.publish(self.ctx.sync)
        if result.unsent:
            # Three primary-key reads at most, as for the urgent notice.
            named = [u.incident_id for u in result.unsent[:NAMED]]
            rows = {row.id: row for row in self.services.reader.list_rows(named)}
            self.notify(unsent_notice(result.remote, result.unsent, rows), title="Not sent",
                        severity="warning", timeout=15, markup=False)

    def on_reread_started(self, message: RereadStarted) -> None:
        """Note that the incident on screen is being read again from its remote (the
        detail screen says so when that takes long)."""
        self.ctx.sync.reading[message.incident_id] = time.monotonic()
        self.ctx.sync_changed.publish(self.ctx.sync)

    def on_reread_done(self, message: RereadDone) -> None:
        """Note whether the incident on screen could be read again from its remote; the
        detail screen marks a copy that could not (only a change is published)."""
        # No seen() here: a read that found nothing new commits nothing, and one that did
        # was told (IncidentsChanged, before this); another process's commit since the last
        # look must not be taken for it.
        rereads = self.ctx.sync.rereads
        read = self.ctx.sync.reading.pop(message.incident_id, None) is not None
        if rereads.get(message.incident_id, "") == message.problem and not read:
            return
        if message.problem:
            rereads[message.incident_id] = message.problem
        else:
            rereads.pop(message.incident_id, None)
        self.ctx.sync_changed.publish(self.ctx.sync)

    def on_sync_problem(self, message: SyncProblem) -> None:
        """Say what went wrong with the loop itself."""
        if message.fatal:
            self.ctx.sync.note = "sync unavailable"
            self.ctx.sync_changed.publish(self.ctx.sync)
        self.notify(message.text, severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The App's own workers (sync, actions) report like everyone else's."""
        forward_worker_failure(self, event)

    def on_worker_failed(self, message: WorkerFailed) -> None:
        """The one handler for failed workers anywhere: say so, never swallow it."""
        name = message.name or "background task"
        self.notify(f"{name} failed: {clean(message.error, single_line=True)}",
                    title="Error", severity="error", markup=False)

    def handle_bindings_clash(self, clashed_bindings: set[Binding], node: DOMNode) -> None:
        """Warn once about user key overrides that collide, naming both sides."""
        from incident_tui.ui.held_keys import action_words

        named = frozenset(b.id for b in clashed_bindings if b.id)
        if named:
            self._warn_clash(named)
        for binding in clashed_bindings:
            if binding.id:
                continue
            # One of Textual's own bindings, which have no id: named by its key and what it
            # does, with the commands the key settings put there.
            movers = sorted(
                binding_id for binding_id, pressed in self._keymap.items()
                if binding.key in (part.strip() for part in pressed.split(","))
            )
            words = action_words(binding.action)
            self._warn_clash(
                frozenset({*movers, f"key {binding.key}"}),
                f"Key settings clash: key {binding.key} for {', '.join(movers) or 'a command'}"
                f" is Textual's {words}; it no longer does {words}",
            )

    def _warn_clash(self, ids: frozenset[str], text: str = "") -> None:
        # Textual names only the bindings a clash displaced: a group already reported at
        # start-up (every command on the key) covers it.
        if not any(ids <= reported for reported in self._clashes):
            self._clashes.add(ids)
            self.notify(text or f"Key settings clash: {', '.join(sorted(ids))}",
                        severity="warning", markup=False)

    def _fatal_error(self) -> None:
        """Print the crash without local variables (they can hold tokens) and exit."""
        from rich.segment import Segments
        from rich.traceback import Traceback

        self.bell()
        traceback = Traceback(show_locals=False, width=None)
        self._exit_renderables.append(
            Segments(self.console.render(traceback, self.console.options))
        )
        self._close_messages_no_wait()


def _report_screen_keys() -> dict[str, list[tuple[str, str]]]:
    """The dashboard's and the handover's own bindings, as (binding id, keys), read from
    their ``BINDINGS``: keys there that the App's commands do not reach
    (:func:`~incident_tui.keymap.screen_clashes`)."""
    from incident_tui.ui.screens.dashboard import DashboardScreen
    from incident_tui.ui.screens.handover import HandoverScreen

    screens: dict[str, type[Screen[Any]]] = {
        "dashboard": DashboardScreen,
        "handover": HandoverScreen,
    }
    return {
        name: [
            (binding.id, binding.key)
            for binding in screen.BINDINGS
            if isinstance(binding, Binding) and binding.id
        ]
        for name, screen in screens.items()
    }


def _held_words(clash: HeldClash) -> str:
    """The notice for a command put on a key held for something else: both sides, and
    which of them the key runs."""
    held = clash.held
    where = "" if set(clash.screens) == set(SCREENS) else " on the " + " and the ".join(
        clash.screens
    )
    outcome = (
        f"it does {clash.id}, no longer {held.action}" if clash.wins
        else f"it does {held.action} when {held.only_when}, else {clash.id}" if held.only_when
        else f"it does {held.action}, not {clash.id}"
    )
    return (
        f"Key settings clash{where}: key {clash.key} for {clash.id} is {held.owner} "
        f"{held.action}; {outcome}"
    )


def _sync_words(started: list[str], busy: list[str], disabled: Sequence[str] = ()) -> str:
    """The notice for ``s``: ``Syncing…`` when every remote's pass starts now, else which
    remotes are already in one (they go again right after it); then which remotes are
    disabled (``enabled = false``), which ``s`` leaves alone with their queued changes."""
    if disabled:
        names = ", ".join(clean(name, single_line=True) for name in disabled)
        one = len(disabled) == 1
        off = (
            f"{names} {'is' if one else 'are'} disabled in the config: not synced, "
            f"{'its' if one else 'their'} queued changes wait"
        )
        if not started and not busy:
            return f"No remote to sync: {off}."
        return f"{_sync_words(started, busy)} · {off}"
    if not busy:
        return "Syncing…" if started else "No remote to sync."
    going = ", ".join(clean(name, single_line=True) for name in busy)
    if not started:
        return f"Already syncing: {going} (again when done)"
    now = ", ".join(clean(name, single_line=True) for name in started)
    return f"Syncing {now}… · already syncing: {going} (again when done)"


def make_app(
    settings: Settings,
    *,
    clock: Clock = system_clock,
    db_path: Path | None = None,
    sync: bool = True,
    cursor_blink: bool = True,
) -> IncidentApp:
    """Build the App over the cache (``db_path`` or the settings' one).

    Shared by the command line and the tests; ``sync=False`` never starts the sync loop.
    Raises ``StoreError`` when the cache cannot be opened.
    """
    services = Services.open(settings, clock, db_path)
    return IncidentApp(services, sync=sync, cursor_blink=cursor_blink)


def launch_app(
    config: Path | None, overrides: dict[str, Any], *, clock: Clock = system_clock,
    sync: bool = True, cursor_blink: bool = True,
) -> IncidentApp:
    """The App the command line opens: from the remembered start view when config,
    environment and flags are unchanged (:mod:`incident_tui.startup`), so the list paints
    before pydantic-settings is even imported; otherwise from freshly validated settings,
    remembered for next time. Raises ``ConfigError`` or ``StoreError`` on the second way."""
    from incident_tui import startup

    key = startup.fingerprint(config, overrides)
    view = startup.recall(key)
    if view is not None and not view.db.exists():
        # Opening it would create a cache the settings may not name at all: check first.
        view = None
    if view is not None:
        remembered = view

        def load() -> Settings:
            from incident_tui.config import load_settings

            settings = load_settings(config, overrides)
            fresh = StartView.of(settings)
            # The App follows the settings (IncidentApp.follow); the next start paints
            # from what they say.
            if fresh != remembered and startup.fingerprint(config, overrides) == key:
                startup.remember(key, fresh)
            return settings

        services = Services.open_view(view, load, clock)
    else:
        from incident_tui.config import load_settings

        settings = load_settings(config, overrides)
        services = Services.open(settings, clock)
        if startup.fingerprint(config, overrides) == key:  # unchanged while we validated
            startup.remember(key, services.view)
    return IncidentApp(services, sync=sync, cursor_blink=cursor_blink)


def run_tui(config: Path | None, overrides: dict[str, Any]) -> int:
    """Run the App the command line opens (:func:`launch_app`) until it ends; the exit
    status. An App that opened from a remembered view its settings then contradicted
    (:attr:`IncidentApp.follow`) is followed by one over those settings, as on a first
    start. Raises ``ConfigError`` or ``StoreError`` as :func:`launch_app` and
    :func:`make_app` do."""
    app = launch_app(config, overrides)
    app.run()
    if app.follow is not None:
        app = make_app(app.follow)
        app.run()
    return app.return_code or 0
