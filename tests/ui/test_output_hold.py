"""Whatever way screens are left (in a burst, over the detail's own hold of its first frame,
with a dialog's answer opening another or showing a notice at once, with nothing to leave),
the terminal output always flows again, and what happened meanwhile reaches the terminal."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from textual.app import ScreenStackError

from incident_tui.ui.screens.confirm import ConfirmScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.help import HelpScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import incidents, settle, until
from tests.ui.test_terminal_quiet import Terminal, drawn


async def flowing(app: Any, pilot: Any, terminal: Terminal) -> None:
    """Fail unless the App holds the output no more and a change on screen is written."""
    await until(lambda: not app._holds, limit=10.0)
    terminal.reset()
    app._written.forget()  # else a repaint of rows as shown writes nothing
    app.screen.refresh()
    await drawn(pilot)
    assert terminal.frames, "nothing written: the output is still held"


async def first_detail(app: Any, pilot: Any) -> DetailScreen:
    """The detail of the list's first incident, opened and shown."""
    await settle(pilot)
    row = incidents(app).row_at(0)
    assert row is not None
    detail = DetailScreen(app.ctx, row.id)
    await app.push_screen(detail)
    await until(lambda: detail.detail is not None and detail._unhold is None)
    return detail


async def test_escapes_in_a_burst_leave_the_list_written(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await first_detail(app, pilot)
        await app.push_screen(HelpScreen(app._keymap))
        terminal = Terminal(app)
        await pilot.press("escape", "escape")
        await until(lambda: isinstance(app.screen, ListScreen))
        await drawn(pilot)
        assert terminal.frames, "the list never reached the terminal"
        await flowing(app, pilot, terminal)


async def test_screens_popped_together_leave_the_output_flowing(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await first_detail(app, pilot)
        await app.push_screen(HelpScreen(app._keymap))
        terminal = Terminal(app)
        # As the dashboard's and the handover's keys go back to one under other screens.
        app.pop_screen()
        app.pop_screen()
        await until(lambda: isinstance(app.screen, ListScreen))
        await flowing(app, pilot, terminal)


async def test_a_dialog_answer_that_opens_another_screen_is_written(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        help_screen = HelpScreen(app._keymap)
        app.push_screen(ConfirmScreen("Go on?"), lambda _: app.push_screen(help_screen))
        await settle(pilot)
        terminal = Terminal(app)
        await pilot.press("y")
        await until(lambda: app.screen is help_screen)
        await drawn(pilot)
        assert "Keys" in terminal.plain, terminal.plain
        await flowing(app, pilot, terminal)


async def test_a_notice_shown_as_a_dialog_closes_reaches_the_terminal(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    # Textual's test harness leaves notices off the screen unless asked.
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(pilot)
        app.push_screen(
            ConfirmScreen("Go on?"), lambda _: app.notify("Queued the change", markup=False)
        )
        await settle(pilot)
        terminal = Terminal(app)
        await pilot.press("y")
        await until(lambda: "Queued the change" in terminal.plain)
        await flowing(app, pilot, terminal)


async def test_a_dialog_closed_while_the_detail_holds_its_first_frame(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The detail's own hold kept on until the dialog over it is gone.
    # Waits no machine exceeds, however busy: the hold is still on when the dialog goes.
    monkeypatch.setattr("incident_tui.ui.screens.detail.FIRST_READ_WAIT", 10.0)
    monkeypatch.setattr("incident_tui.ui.screens.detail.LAYOUT_SETTLE", 3.0)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        row = incidents(app).row_at(0)
        assert row is not None
        detail = DetailScreen(app.ctx, row.id)
        await app.push_screen(detail)
        await app.push_screen(HelpScreen(app._keymap))
        await until(lambda: detail.detail is not None)
        assert detail._unhold is not None, "the detail no longer holds its first frame"
        terminal = Terminal(app)
        await pilot.press("escape")
        await until(lambda: app.screen is detail)
        await flowing(app, pilot, terminal)
        assert detail._unhold is None


async def test_quitting_right_after_escape_ends_the_app(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await first_detail(app, pilot)
        await pilot.press("escape", "q")
        await until(lambda: app.return_code is not None, limit=5.0)
    assert app.return_code == 0


async def test_a_refused_pop_holds_nothing(make_app: Callable[..., Any]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        with pytest.raises(ScreenStackError):
            app.pop_screen()  # the list alone: nothing to leave
        await flowing(app, pilot, Terminal(app))
