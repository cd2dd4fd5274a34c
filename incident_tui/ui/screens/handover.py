"""The handover screen (``h``): the shift summary of the last N hours, ready to hand on.

The summary is computed from the cache in a worker thread (:func:`handover_report`) and shown
as plain text (remote text never meets a markup parser); ``c`` copies it as Markdown, ``j``
as JSON, ``w`` saves both to files, ``+`` / ``-`` step the hours covered from 4 to 72 (the
command line's ``handover --hours`` goes up to a year). For Kitehouse remotes, ``k``
streams the server's own AI-written handover e-mail beside it, reconnecting with backoff
when the stream drops and saying plainly when the server refuses.

The screen and its actions live here, with :func:`save_handover` behind ``w``; the summary's
styled text is :mod:`~incident_tui.ui.screens.handover_content`, following the server's
stream is :mod:`~incident_tui.ui.screens.handover_stream`.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, ClassVar

from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.screen import Screen
from textual.signal import Signal
from textual.widgets import Static

from incident_tui.clock import Clock, system_clock
from incident_tui.domain.handover import MAX_HOURS, Handover
from incident_tui.domain.handover_render import dump_json, to_markdown
from incident_tui.files import take_name, temp_in, writing_into
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.handover_content import report_content, title_content
from incident_tui.ui.screens.handover_stream import (
    RetryPolicy,
    StreamFactory,
    StreamView,
    follow_stream,
)
from incident_tui.ui.unavailable import binding_keys, explain_key
from incident_tui.ui.widgets.key_footer import KeyFooter
from incident_tui.ui.widgets.same_content import update_changed

HOURS = (4.0, 8.0, 12.0, 24.0, 48.0, 72.0)
"""The shift lengths ``+`` and ``-`` step through (the help's "4 to 72 h" says so too)."""
_STEPS = ", ".join(f"{hours:g}" for hours in HOURS)
END_NOTICE_SECONDS = 4.0
"""How long the notice that ``+`` or ``-`` can go no further stays up."""
UNAVAILABLE = ("copy", "save", "server")
"""Actions that may not apply (no summary yet, no folder, no Kitehouse remote): their keys
say why."""


class HandoverScreen(Screen[None]):
    """The shift handover: what needs attention, what changed, what is stale, and how fresh
    each remote's data is."""

    DEFAULT_CSS = """
    HandoverScreen {
        background: $background;
    }
    #handover-title {
        height: 1;
        padding: 0 1;
        background: $panel;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    #handover-body {
        height: 1fr;
    }
    #handover-report {
        width: 1fr;
        padding: 0 1;
        background: $surface;
    }
    #handover-server {
        display: none;
        width: 1fr;
        padding: 0 1;
        border-left: vkey $panel-lighten-2;
    }
    #handover-server.-shown {
        display: block;
    }
    #handover-server-status {
        text-style: bold;
        color: $accent;
    }
    #handover-server-status.-failed {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Short labels: all of them fit an 80-column footer, "esc Back" included.
        Binding("c", "copy('markdown')", "Copy", id="handover_copy"),
        Binding(
            "j", "copy('json')", "JSON", id="handover_copy_json", tooltip="Copy as JSON"
        ),
        Binding("w", "save", "Save", id="handover_save"),
        Binding(
            "plus,equals_sign", "hours(1)", "More", id="handover_more_hours",
            tooltip=f"Cover more hours: the next of {_STEPS}",
        ),
        Binding(
            "minus", "hours(-1)", "Less", id="handover_fewer_hours",
            tooltip=f"Cover fewer hours: the previous of {_STEPS}",
        ),
        Binding(
            "k", "server", "E-mail", id="handover_server", tooltip="The server's handover e-mail"
        ),
        Binding("escape", "back", "Back", id="back"),
    ]

    def __init__(
        self,
        reader: Reader,
        *,
        clock: Clock = system_clock,
        hours: float = 12.0,
        stale_hours: float = 24.0,
        remotes: Sequence[str] | None = None,
        disabled: Sequence[str] = (),
        save_dir: Path | None = None,
        streams: Mapping[str, StreamFactory] | None = None,
        retry: RetryPolicy | None = None,
        changes: Signal[Any] | None = None,
    ) -> None:
        """``remotes``: the configured remote names (a never-synced one is reported, the
        incidents of others left out; ``None``: every remote in the cache counts);
        ``disabled``: those of them the config has ``enabled = false``; ``save_dir``: where
        ``w`` writes (none: saving is off); ``streams``: Kitehouse remote name to its
        connector's ``handover_stream``; ``changes``: a signal published when
        cached incidents change (the App's ``incidents_changed``), on which the summary is
        recomputed."""
        super().__init__()
        self.reader = reader
        self.clock = clock
        self.hours = hours
        self.stale_hours = stale_hours
        self.remotes = None if remotes is None else tuple(remotes)
        self.disabled_remotes = tuple(disabled)
        self.save_dir = save_dir
        self.streams = dict(streams or {})
        self.retry = retry or RetryPolicy()
        self.changes = changes
        self.sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
        """How the stream waits between reconnects (tests make it instant)."""
        self.handover: Handover | None = None
        """The summary on screen (``None`` until the first computation finishes)."""
        self.stream: StreamView | None = None
        self.stream_remote: str | None = None
        self.saved: list[Path] = []
        self._end_notice_until: dict[bool, float] = {}
        """When the notice that ``+`` (``True``) or ``-`` can go no further is gone."""

    def compose(self) -> ComposeResult:
        """Title, the report (and the server's e-mail beside it when asked), the keys."""
        yield Static(Content.styled("Handover", "bold"), id="handover-title")
        with Horizontal(id="handover-body"):
            with VerticalScroll(id="handover-report"):
                yield Static(Content("Computing the handover…"), id="handover-text")
            with VerticalScroll(id="handover-server"):
                yield Static(id="handover-server-status")
                yield Static(id="handover-server-text")
        yield KeyFooter(compact=True)

    def on_mount(self) -> None:
        """Compute the summary."""
        self.query_one("#handover-report").focus()
        if self.changes is not None:
            self.changes.subscribe(self, lambda _changed: self.refresh_data())
        self.refresh_data()

    def on_unmount(self) -> None:
        """Stop listening for changes to the cache (see :meth:`DashboardScreen.on_unmount`)."""
        if self.changes is not None:
            self.changes.unsubscribe(self)

    # Data ------------------------------------------------------------------------------------

    def refresh_data(self) -> None:
        """Recompute the summary from the cache (the App calls this after a sync brings
        changes). Runs in a worker; a newer call cancels an older one."""
        self._compute()

    @work(exclusive=True, group="handover", name="handover summary", exit_on_error=False)
    async def _compute(self) -> None:
        handover = await asyncio.to_thread(
            handover_report,
            self.reader,
            now=self.clock(),
            hours=self.hours,
            stale_hours=self.stale_hours,
            remotes=self.remotes,
            disabled=self.disabled_remotes,
        )
        self.show(handover)

    def show(self, handover: Handover) -> None:
        """Put ``handover`` on screen."""
        self.handover = handover
        update_changed(self.query_one("#handover-title", Static), title_content(handover))
        report = report_content(handover, self.app.theme_variables)
        update_changed(self.query_one("#handover-text", Static), report)

    # Actions ---------------------------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Copy and save need a summary; save needs a folder; the server e-mail needs a
        Kitehouse remote."""
        if action in ("copy", "save"):
            if self.handover is None:
                return None
            return action != "save" or self.save_dir is not None
        if action == "server":
            return bool(self.streams)
        return True

    def on_key(self, event: events.Key) -> None:
        """A key that does nothing yet (or here) says why."""
        explain_key(self, event, binding_keys(self.BINDINGS, UNAVAILABLE), self._why_not)

    def _why_not(self, action: str) -> str | None:
        if action == "server":
            return "The server's e-mail comes from a Kitehouse remote; none is configured."
        if self.handover is None:
            return "The handover is still being computed."
        return "Saving is off: no download folder is set." if action == "save" else None

    def action_copy(self, form: str) -> None:
        """Copy the summary to the clipboard as Markdown or JSON."""
        if self.handover is None:
            return
        text = dump_json(self.handover) if form == "json" else to_markdown(self.handover)
        self.app.copy_to_clipboard(text)
        label = "JSON" if form == "json" else "Markdown"
        self.notify(f"Handover copied as {label} ({len(text.splitlines())} lines).", markup=False)

    def action_save(self) -> None:
        """Save the summary as a Markdown and a JSON file."""
        if self.handover is not None and self.save_dir is not None:
            self._save(self.handover, self.save_dir)

    @work(exclusive=True, group="handover-save", name="saving the handover", exit_on_error=False)
    async def _save(self, handover: Handover, folder: Path) -> None:
        try:
            paths = await asyncio.to_thread(save_handover, handover, folder)
        except OSError as error:
            self.notify(f"Could not save the handover: {error}", severity="error", markup=False)
            return
        self.saved = paths
        self.notify(saved_notice(paths), markup=False)

    def action_hours(self, step: int) -> None:
        """Step the shift length through 4, 8, 12, 24, 48 and 72 hours; the server's e-mail,
        if shown, follows. At either end, say so and how to cover more or less."""
        longer = [h for h in HOURS if h > self.hours]
        shorter = [h for h in HOURS if h < self.hours]
        if step > 0 and longer:
            self.hours = longer[0]
        elif step < 0 and shorter:
            self.hours = shorter[-1]
        else:
            self._say_end(step > 0)
            return
        self.refresh_data()
        if self.stream_remote is not None:
            # The server's e-mail covers the hours it was asked for: ask again for the new
            # ones (the worker is exclusive, so the stream of the old hours stops).
            self._follow(self.stream_remote)

    def _say_end(self, longer: bool) -> None:
        """The span cannot step further that way: say so, once while the notice is up (a
        burst of ``+`` would stack a notice per key)."""
        now = time.monotonic()
        if now < self._end_notice_until.get(longer, 0.0):
            return
        self._end_notice_until[longer] = now + END_NOTICE_SECONDS
        self.notify(end_notice(self.hours, longer), timeout=END_NOTICE_SECONDS, markup=False)

    def action_back(self) -> None:
        """Back to where the handover was opened from."""
        self.dismiss(None)

    def action_server(self) -> None:
        """Stream the next Kitehouse remote's own handover e-mail into the side pane."""
        if not self.streams:
            return
        names = sorted(self.streams)
        following = (
            names[(names.index(self.stream_remote) + 1) % len(names)]
            if (self.stream_remote in names)
            else names[0]
        )
        self.stream_remote = following
        self.query_one("#handover-server").add_class("-shown")
        self._follow(following)

    @work(
        exclusive=True,
        group="handover-stream",
        name="Kitehouse handover stream",
        exit_on_error=False,
    )
    async def _follow(self, remote: str) -> None:
        factory = self.streams[remote]
        await follow_stream(
            factory,
            self.hours,
            self._show_stream,
            policy=self.retry,
            sleep=self.sleep,
            remote=remote,
        )

    def _show_stream(self, view: StreamView) -> None:
        self.stream = view
        status = self.query_one("#handover-server-status", Static)
        status.update(Content(view.status))
        status.set_class(view.failed, "-failed")
        self.query_one("#handover-server-text", Static).update(Content(view.text))


def end_notice(hours: float, longer: bool) -> str:
    """Why ``+`` (``longer``) or ``-`` did nothing at ``hours``, and the command that covers
    any span (``handover --hours`` takes up to :data:`MAX_HOURS`)."""
    if longer:
        return (
            f"{hours:g} h is as far back as + goes here. For more, run: "
            f"incident-tui handover --hours N (N up to {MAX_HOURS:g})"
        )
    return (
        f"{hours:g} h is as short as - goes here. For less, run: "
        "incident-tui handover --hours N (any N above 0)"
    )


def saved_notice(paths: Sequence[Path]) -> str:
    """What ``w`` says it wrote (``paths``: one or more files in one folder): each file name
    on a line of its own, then the folder, ``~`` standing for the home folder. A notification
    is 40 cells wide at 80 columns: two whole paths on one line wrapped mid-name."""
    folder = paths[0].parent
    try:
        shown = str(Path("~") / folder.relative_to(Path.home()))
    except (ValueError, RuntimeError):  # not under the home folder, or no home folder
        shown = str(folder)
    names = [path.name for path in paths]
    return "\n".join(["Saved " + names[0], *("and " + name for name in names[1:]), f"in {shown}"])


def save_handover(handover: Handover, folder: Path) -> list[Path]:
    """Write ``handover-<time>.md`` and ``.json`` into ``folder`` (created if needed), never
    over an existing file (nor through a link in the folder): the first free pair of names,
    ``handover-<time>-2.md`` and so on. Returns the two paths."""
    stem = "handover-" + handover.generated_at.strftime("%Y%m%dT%H%MZ")
    texts = {".md": to_markdown(handover), ".json": dump_json(handover)}
    written: list[Path] = []
    try:
        # Written in full under temporary names first, as files.save_bytes does: a name
        # appears only with all of its content.
        for text in texts.values():
            fd, tmp = temp_in(folder)
            written.append(tmp)
            with writing_into(folder), os.fdopen(fd, "wb") as handle:
                handle.write(text.encode("utf-8"))
        for number in range(1, 10_000):
            base = stem if number == 1 else f"{stem}-{number}"
            paths = _claim_pair(folder, base, list(zip(written, texts, strict=True)))
            if paths:
                return paths
        raise FileExistsError(f"no free file name for {stem}.md in {folder}")
    finally:
        for tmp in written:
            tmp.unlink(missing_ok=True)


def _claim_pair(folder: Path, base: str, files: list[tuple[Path, str]]) -> list[Path]:
    """Give each finished temporary file of ``files`` (with its suffix) the name ``base`` +
    suffix, all or none: the paths, or ``[]`` when one of the names is taken.

    Each name is taken atomically and only if nothing (a file, a link) has it, as
    :func:`~incident_tui.files.claim_name` takes one; checking first and writing after could
    overwrite a file saved in between, or write through a link to somewhere else."""
    taken: list[tuple[Path, Path, bool]] = []
    for tmp, suffix in files:
        target = folder / (base + suffix)
        try:
            taken.append((tmp, target, take_name(tmp, target)))
        except FileExistsError:
            for _, path, _ in taken:
                path.unlink(missing_ok=True)
            return []
    for tmp, target, linked in taken:
        if not linked:
            os.replace(tmp, target)  # onto our own empty placeholder
    return [target for _, target, _ in taken]
