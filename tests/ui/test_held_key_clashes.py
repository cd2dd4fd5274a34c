"""Key settings that put a command on a key Textual or the focused widget holds are reported
at start-up, naming both sides and which one the key runs, and the key then does what the
notice says: ``sync = "ctrl+q"`` takes Textual's quit, ``acknowledge = "down"`` loses to the
list's cursor (and to the detail's scrolling)."""

from __future__ import annotations

from typing import Any

from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import (
    cursor_to,
    incidents,
    notifications,
    open_detail,
    queued_ops,
    settle,
    until,
)


def clash_notices(app: Any) -> list[str]:
    return [n for n in notifications(app) if "clash" in n]


async def test_a_command_on_textuals_quit_key_takes_it(make_app: Any) -> None:
    app = make_app(keys={"sync": "ctrl+q"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash: key ctrl+q for sync is Textual's quit; it does sync, no "
            "longer quit"
        ]
        await pilot.press("ctrl+q")
        await settle(pilot)
        assert any(n.startswith("Sync is off") for n in notifications(app))  # sync ran
        assert app.return_code is None and app.is_running
        # Textual's own report of the clash, made when the key is looked up, is not repeated.
        assert len(clash_notices(app)) == 1


async def test_a_screen_command_on_textuals_quit_key_never_runs(make_app: Any) -> None:
    app = make_app(keys={"acknowledge": "ctrl+q"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash: key ctrl+q for acknowledge is Textual's quit; it does quit, "
            "not acknowledge"
        ]
        await pilot.press("ctrl+q")
        await until(lambda: app.return_code is not None, limit=5.0)
        assert app.return_code == 0


async def test_a_command_on_textuals_copy_key_runs_when_no_text_is_selected(
    make_app: Any,
) -> None:
    """The screen's copy text is asked before the App's help, but with nothing selected it
    lets the key go on: ctrl+c opens the help, as the notice says."""
    from incident_tui.ui.screens.help import HelpScreen

    app = make_app(keys={"help": "ctrl+c"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash: key ctrl+c for help is Textual's copy text; it does copy "
            "text when text is selected, else help",
            "Key settings clash: key ctrl+c for help is Textual's help quit; it does help, no "
            "longer help quit",
        ]
        await pilot.press("ctrl+c")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        assert len(clash_notices(app)) == 2


async def test_a_command_on_textuals_tab_takes_it_on_the_list(make_app: Any) -> None:
    from textual.widgets import Input

    app = make_app(keys={"search": "tab"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash on the list: key tab for search is Textual's focus next; it "
            "does search, no longer focus next"
        ]
        await pilot.press("tab")
        await settle(pilot)
        assert isinstance(app.focused, Input)
        assert len(clash_notices(app)) == 1


async def test_a_command_on_the_lists_down_never_runs_and_is_reported(
    make_app: Any,
) -> None:
    app = make_app(keys={"acknowledge": "down"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash on the list: key down for acknowledge is the list's cursor "
            "down; it does cursor down, not acknowledge",
            "Key settings clash on the detail: key down for acknowledge is the detail's "
            "scroll down; it does scroll down, not acknowledge",
        ]
        first = incidents(app).cursor_row
        await pilot.press("down")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert incidents(app).cursor_row != first
        await open_detail(pilot, "school:r001")
        await pilot.press("down")
        await settle(pilot)
        # Acknowledging would say so ("already acknowledged" for this one).
        assert not [n for n in notifications(app) if "acknowledged" in n]


async def test_keys_nothing_holds_are_not_reported(make_app: Any) -> None:
    app = make_app(keys={"acknowledge": "ctrl+k", "sync": "f5", "help": "?"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == []


async def test_textuals_report_of_a_binding_of_its_own_names_both_sides(make_app: Any) -> None:
    """Textual reports a binding of its own that a command took when the key is looked up,
    by an id such bindings lack; one the start-up check did not cover is named by its key
    and what it did."""
    from textual.binding import Binding

    app = make_app(keys={"sync": "f5"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        app.handle_bindings_clash({Binding("f5", "app.focus_next")}, app.screen)
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash: key f5 for sync is Textual's focus next; it no longer does "
            "focus next"
        ]


async def test_a_command_on_the_details_down_never_runs_on_a_short_incident(
    make_app: Any, db_path: Any
) -> None:
    """An incident that fits the screen has nothing to scroll: down and end still do what
    the notices say (scroll, so nothing here), not acknowledge or resolve, as they do on a
    long incident."""
    app = make_app(keys={"acknowledge": "down", "resolve": "end"})
    async with app.run_test(size=(100, 60), notifications=True) as pilot:
        await settle(pilot)
        assert (
            "Key settings clash on the detail: key down for acknowledge is the detail's "
            "scroll down; it does scroll down, not acknowledge"
        ) in clash_notices(app)
        screen = await open_detail(pilot, "oncall:r012")  # triggered, and short
        body = screen.query_one("#detail-body")
        assert not body.allow_vertical_scroll, "the incident does not fit the screen"
        await pilot.press("down", "end")
        await settle(pilot)
        assert queued_ops(db_path, "oncall:r012") == []


async def test_a_command_on_a_sideways_scroll_key_runs_and_is_not_reported(
    make_app: Any, db_path: Any
) -> None:
    """The list and the detail never scroll sideways, so Textual passes their right key on:
    a command put on it runs there, and no clash is reported."""
    app = make_app(keys={"acknowledge": "right"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == []
        await cursor_to(pilot, "oncall:r012")
        await pilot.press("right")
        await settle(pilot)
        assert queued_ops(db_path, "oncall:r012") == ["acknowledge"]
        await open_detail(pilot, "oncall:r027")
        await pilot.press("right")
        await settle(pilot)
        assert queued_ops(db_path, "oncall:r027") == ["acknowledge"]
