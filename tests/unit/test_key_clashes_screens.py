"""Key settings that put an ``everywhere`` command on a key the dashboard or the handover
binds itself: :func:`~incident_tui.keymap.screen_clashes` finds them (the screens' own
bindings come from the UI; here as the (id, keys) pairs it hands over)."""

from __future__ import annotations

from incident_tui.keymap import KEYS, ScreenClash, clashes, screen_clashes
from incident_tui.ui.screens.help import key_label

DASHBOARD = [
    ("dashboard_day", "1"),
    ("dashboard_week", "2"),
    ("dashboard_month", "3"),
    ("dashboard_window", "w"),
    ("dashboard_check", "v"),
    ("back", "escape"),
]
HANDOVER = [
    ("handover_copy", "c"),
    ("handover_copy_json", "j"),
    ("handover_save", "w"),
    ("handover_more_hours", "plus,equals_sign"),
    ("handover_fewer_hours", "minus"),
    ("handover_server", "k"),
    ("back", "escape"),
]
SCREENS = {"dashboard": DASHBOARD, "handover": HANDOVER}


def test_the_defaults_clash_nowhere() -> None:
    assert screen_clashes({}, SCREENS) == []


def test_an_app_command_on_a_screens_own_key_is_found_on_each_screen() -> None:
    assert screen_clashes({"sync": "w"}, SCREENS) == [
        ScreenClash("dashboard", "w", ("dashboard_window", "sync"), "dashboard_window"),
        ScreenClash("handover", "w", ("handover_save", "sync"), "handover_save"),
    ]
    # The list and the detail have no w of their own: nothing to say there.
    assert clashes({"sync": "w"}) == []


def test_each_of_several_keys_counts() -> None:
    assert screen_clashes({"help": "f1,plus"}, SCREENS) == [
        ScreenClash(
            "handover",
            "plus",
            ("handover_more_hours", "help"),
            "handover_more_hours",
        )
    ]
    assert screen_clashes({"new": "equals_sign"}, {"handover": HANDOVER})[0].wins == (
        "handover_more_hours"
    )


def test_a_command_the_screen_binds_itself_takes_the_key() -> None:
    """``back`` is bound on the screens: moved onto ``w`` it displaces their own ``w``."""
    assert screen_clashes({"back": "w"}, SCREENS) == [
        ScreenClash("dashboard", "w", ("back", "dashboard_window"), "back"),
        ScreenClash("handover", "w", ("back", "handover_save"), "back"),
    ]


def test_app_commands_sharing_a_key_are_left_to_clashes() -> None:
    assert screen_clashes({"sync": "n"}, SCREENS) == []
    assert ("new", "sync") in clashes({"sync": "n"})


def test_moved_commands_on_free_keys_and_screen_only_keys_are_fine() -> None:
    assert screen_clashes({"sync": "f5", "acknowledge": "w", "comment": "1"}, SCREENS) == []


def test_every_app_wide_command_is_checked() -> None:
    app_wide = [key.id for key in KEYS if key.where == "everywhere" and key.id != "back"]
    for command in app_wide:
        [clash] = screen_clashes({command: "v"}, {"dashboard": DASHBOARD})
        assert clash.ids == tuple(sorted((command, "dashboard_check")))


def test_a_key_listed_twice_for_one_command_clashes_with_nothing() -> None:
    """``quit = "q,q"`` binds quit to q once: no clash to report, one q in the help."""
    assert clashes({"quit": "q,q"}) == []
    assert clashes({"help": "question_mark,f1,question_mark"}) == []
    assert screen_clashes({"back": "escape,escape", "sync": "f5,f5"}, SCREENS) == []
    assert key_label("q,q") == "q"
    # Another command on the key still clashes, named once.
    assert clashes({"quit": "q,a,q"}) == [("acknowledge", "quit")]
