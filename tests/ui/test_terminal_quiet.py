"""What the App writes to the terminal (users on slow SSH links): a sync pass that changes
nothing on the screen shown writes nothing (nor do the reports' figures read again
unchanged), the list hidden under another screen catches up once it is back, a cursor step
between rows whose actions are the same leaves the footer alone, and opening and leaving the
detail draw the screen about once each.

The App runs headless under Pilot, where the driver writes nothing; :class:`Terminal`
counts what it would have written, frame by frame, from the updates Textual hands it.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual._compositor import ChopsUpdate

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.context import SyncView
from incident_tui.ui.messages import Changed
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.widgets.status_line import StatusLine
from incident_tui.ui.written_rows import RowsUpdate
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    notifications,
    open_detail,
    screen_text,
    settle,
    synced,
    until,
)

PASS_DELAY = 2.0
"""Seconds the emulator holds a pass's first listing: time to open the detail meanwhile."""


class Terminal:
    """Counts what the App's driver would write: bytes, frames, and the screen rows they
    redraw (every row for a full frame); keeps the text written too."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.bytes = self.frames = 0
        self.rows: set[int] = set()
        self.text = ""
        write = app._write_update

        def counting(screen: Any, update: Any) -> None:
            # What the App hands Textual to write (after what it skips: while batched, while
            # a screen holds the output, a repeated frame while a screen is left).
            self.frames += 1
            written = update.render_segments(app.console)
            self.bytes += len(written.encode())
            self.text += written
            if isinstance(update, ChopsUpdate | RowsUpdate):
                self.rows.update(y for y, _, _ in update.spans)
            else:
                self.rows.update(range(app.size.height))
            write(screen, update)

        app._write_update = counting

    @property
    def plain(self) -> str:
        """The text written, without its styles and cursor moves."""
        return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", self.text)

    def reset(self) -> None:
        """Count from zero."""
        self.bytes = self.frames = 0
        self.rows = set()
        self.text = ""


async def drawn(pilot: Any) -> None:
    """Settle, then give the screens' update timers time to write what is pending."""
    await settle(pilot)
    await asyncio.sleep(0.2)
    await pilot.pause()


def pass_end(app: Any) -> Callable[[], bool]:
    """A condition that turns true once a sync pass has ended (every remote idle again)
    after this call, and the incident on screen was read again after it."""
    ended: list[bool] = []

    def seen(view: SyncView) -> None:
        if not view.syncing:
            ended.append(True)

    app.ctx.sync_changed.subscribe(app, seen, immediate=True)
    return lambda: bool(ended) and not app.runner.busy


def reread_done(app: Any, incident_id: str) -> Callable[[], bool]:
    """A condition that turns true once a read of ``incident_id`` from its remote (as the
    detail starts on opening) that begins after this call has ended."""
    began: list[bool] = []
    ended: list[bool] = []

    def seen(view: SyncView) -> None:
        if incident_id in view.reading:
            began.append(True)
        elif began:
            ended.append(True)

    app.ctx.sync_changed.subscribe(app, seen, immediate=True)
    return lambda: bool(ended)


def status_text(app: Any) -> str:
    """The list's status line as shown."""
    return str(app.screen.query_one(StatusLine).render())


async def test_a_pass_under_the_detail_writes_nothing_and_the_list_catches_up(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily", 6)
    emulator: Any = server.emulator
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 6)
        await drawn(pilot)
        first = incidents(app).row_at(0)
        assert first is not None

        # A pass starts on the list (which shows it), brings a new incident and ends while
        # the detail covers the list.
        emulator.add("Pump 4 tripped on low suction")
        emulator.faults.add("delay", delay=PASS_DELAY, method="GET", path=r"/incidents(\?|$)")
        ended = pass_end(app)
        app.runner.sync_now()
        await until(lambda: "oncall syncing" in status_text(app))
        opened = reread_done(app, first.id)
        await open_detail(pilot, first.id)
        # The read of the incident that opening it starts is not the pass: once it lands,
        # what it draws is no part of what is counted.
        await until(opened)
        await drawn(pilot)
        assert app.ctx.sync.syncing, "the pass must still run while the detail shows"
        terminal = Terminal(app)
        await until(ended)
        await drawn(pilot)
        # Nothing on the detail changed: nothing is written (the hidden list used to send a
        # full repaint of the detail for each sync event it handled).
        assert (terminal.frames, terminal.bytes) == (0, 0)

        await pilot.press("escape")
        await drawn(pilot)
        assert incidents(app).total == 7
        assert "Pump 4 tripped on low suction" in screen_text(app)
        status = status_text(app)
        assert "oncall ok at" in status and "syncing" not in status, status


@pytest.mark.parametrize("key", ["d", "h"], ids=["dashboard", "handover"])
async def test_a_pass_that_changes_nothing_writes_nothing_under_the_reports(
    serve: Callable[..., EmulatorServer], tmp_path: Path, key: str
) -> None:
    server = serve("revily", 6)
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 6)
        await drawn(pilot)
        await pilot.press(key)
        await drawn(pilot)
        terminal = Terminal(app)
        ended = pass_end(app)
        assert app.runner.sync_now().started == ["oncall"]
        await until(ended)
        await drawn(pilot)
        # The pass's own commits look like another process's to the cache watch, which then
        # has every screen read again: at a moment the machine's load decides, so here at
        # once. Figures read again unchanged are not drawn again either.
        app.ctx.incidents_changed.publish(Changed([]))
        await drawn(pilot)
        assert (terminal.frames, terminal.bytes) == (0, 0)


async def test_an_unchanged_reread_does_not_draw_the_detail_again(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily", 6)
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 6)
        first = incidents(app).row_at(0)
        assert first is not None
        screen = await open_detail(pilot, first.id)
        await drawn(pilot)
        shown: list[object] = []
        draw = screen._show
        screen._show = lambda detail: (shown.append(detail), draw(detail))
        for _ in range(2):
            ended = pass_end(app)
            app.runner.sync_now()
            await until(ended)
            await drawn(pilot)
        # Read again from the remote after each pass, unchanged: not read from the cache
        # and drawn again.
        assert shown == []
        assert isinstance(app.screen, DetailScreen) and app.screen.detail is not None


async def test_opening_and_leaving_the_detail_draw_the_screen_about_once(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The screen's output is held until it is read and laid out, but on a slow machine only
    # so long (then it is drawn as it comes, by design). Waits no machine exceeds, so that
    # what is measured is the held path, however busy the machine running the tests is.
    monkeypatch.setattr("incident_tui.ui.screens.detail.FIRST_READ_WAIT", 10.0)
    monkeypatch.setattr("incident_tui.ui.screens.detail.LAYOUT_SETTLE", 0.5)
    server = serve("revily", 6)
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 6)
        await drawn(pilot)
        first = incidents(app).row_at(0)
        assert first is not None
        # The read from the remote that opening the detail starts, done beforehand (the
        # detail starts none for the incident already kept fresh): landing while the screen
        # opens, at a moment the machine's load decides, it drew the keys again.
        read = reread_done(app, first.id)
        app.runner.watch(first.id)
        await until(read)
        await drawn(pilot)
        terminal = Terminal(app)
        app._written.forget()  # else a repaint of rows as shown writes nothing
        app.screen.refresh()
        await drawn(pilot)
        full = terminal.bytes  # the list, drawn in full once

        terminal.reset()
        await open_detail(pilot, first.id)
        await until(lambda: isinstance(app.screen, DetailScreen) and app.screen._unhold is None)
        await drawn(pilot)
        opened = terminal.bytes
        terminal.reset()
        await pilot.press("escape")
        await drawn(pilot)
        back = terminal.bytes
        # Opening: the detail once with its content, then its footer and scroll bar;
        # leaving: the list once. Before: the empty detail, then the filled one, each in
        # full, and every full repaint the hidden list's sync events sent up; on leaving,
        # the list in full twice (Textual repaints it on resume and again once the detail
        # is removed), which a busy machine made three times.
        # The notices shown, if any, say what else was drawn meanwhile.
        assert opened < 2.5 * full, (opened, full, notifications(app))
        assert back < 2 * full, (back, full, notifications(app))


async def test_a_step_between_kinds_that_can_do_the_same_leaves_the_footer_alone(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await drawn(pilot)
        lst = incidents(app)
        rows = [lst.row_at(index) for index in range(lst.total)]
        alike = {"kitehouse", "oneuptime", "aoh_ims"}  # the whole workflow, all three
        pairs = [
            (a, b) for a, b in zip(rows, rows[1:], strict=False)
            if a is not None and b is not None and a.kind != b.kind and {a.kind, b.kind} <= alike
        ]
        assert pairs, "the sample cache has neighbouring rows of two such kinds"
        await cursor_to(pilot, pairs[0][0].id)
        await drawn(pilot)
        terminal = Terminal(app)
        await pilot.press("down")
        await drawn(pilot)
        assert lst.cursor_row is not None and lst.cursor_row.id == pairs[0][1].id
        footer = app.size.height - 1
        assert terminal.frames and footer not in terminal.rows, sorted(terminal.rows)


async def test_a_hold_that_ends_before_a_pending_layout_pass_is_written_in_one_frame(
    make_app: Callable[..., Any],
) -> None:
    # On a busy machine a hold (the detail's kept reading place) may end while the layout
    # pass of what changed under it is still to run: that pass was written, then the full
    # repaint the end of the hold asked for, the screen twice.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await drawn(pilot)
        terminal = Terminal(app)
        release = app.hold_output()
        status = app.screen.query_one(StatusLine)
        status.update("changed under the hold")
        status.refresh(layout=True)
        release()
        await drawn(pilot)
        # One frame, of the rows that differ from what the terminal shows (the status line).
        assert terminal.frames == 1 and 28 in terminal.rows, (terminal.frames, terminal.rows)
        assert "changed under the hold" in screen_text(app)
