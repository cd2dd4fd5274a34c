"""Key settings that put a command on a key held for something the settings do not move
(Textual's quit, the focused list's cursor): :func:`~incident_tui.keymap.held_clashes` finds
them and says which side the key runs, in the order Textual asks (the held keys come from
the UI; here as the data it hands over)."""

from __future__ import annotations

from incident_tui.keymap import Held, HeldClash, held_clashes

QUIT = Held("ctrl+q", "Textual's", "quit", "app", priority=True)
HELP_QUIT = Held("ctrl+c", "Textual's", "help quit", "app")
FOCUS_NEXT = Held("tab", "Textual's", "focus next", "screen")
CURSOR_DOWN = Held("down", "the list's", "cursor down", "widget")
SCROLL_DOWN = Held("down", "the detail's", "scroll down", "widget")
HELD = {
    "list": [CURSOR_DOWN, FOCUS_NEXT, QUIT, HELP_QUIT],
    "detail": [SCROLL_DOWN, FOCUS_NEXT, QUIT, HELP_QUIT],
}
APP_BOUND = {"new", "dashboard", "handover", "sync", "remotes", "help", "quit"}


def test_the_defaults_and_free_keys_clash_nowhere() -> None:
    assert held_clashes({}, HELD, APP_BOUND) == []
    assert held_clashes({"acknowledge": "ctrl+k", "sync": "f5"}, HELD, APP_BOUND) == []


def test_an_app_command_takes_a_key_the_app_holds_even_a_priority_one() -> None:
    """On one node the keymap's binding replaces Textual's."""
    assert held_clashes({"sync": "ctrl+q"}, HELD, APP_BOUND) == [
        HeldClash(("list", "detail"), "ctrl+q", "sync", QUIT, wins=True)
    ]


def test_a_screen_command_loses_to_a_priority_key_and_beats_a_plain_app_key() -> None:
    assert held_clashes({"acknowledge": "ctrl+q,ctrl+c"}, HELD, APP_BOUND) == [
        HeldClash(("list", "detail"), "ctrl+c", "acknowledge", HELP_QUIT, wins=True),
        HeldClash(("list", "detail"), "ctrl+q", "acknowledge", QUIT, wins=False),
    ]


def test_the_focused_widget_comes_before_the_screen_and_the_app() -> None:
    assert held_clashes({"acknowledge": "down", "help": "down"}, HELD, APP_BOUND) == [
        HeldClash(("list",), "down", "acknowledge", CURSOR_DOWN, wins=False),
        HeldClash(("list",), "down", "help", CURSOR_DOWN, wins=False),
        HeldClash(("detail",), "down", "acknowledge", SCROLL_DOWN, wins=False),
        HeldClash(("detail",), "down", "help", SCROLL_DOWN, wins=False),
    ]


def test_the_screen_comes_before_the_app() -> None:
    assert held_clashes({"search": "tab", "help": "tab"}, HELD, APP_BOUND) == [
        HeldClash(("list",), "tab", "search", FOCUS_NEXT, wins=True),
        HeldClash(("list", "detail"), "tab", "help", FOCUS_NEXT, wins=False),
    ]


def test_only_the_screens_a_command_is_bound_on_count() -> None:
    """Export is the list's: the detail's scrolling is no business of it."""
    assert held_clashes({"export": "down"}, HELD, APP_BOUND) == [
        HeldClash(("list",), "down", "export", CURSOR_DOWN, wins=False),
    ]
