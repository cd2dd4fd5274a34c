"""The footer's key hints on a narrow terminal: Help and Quit (and Back, where a screen shows
it) stay, whatever the keymap calls them; the screen's other hints give way from the right,
and at 80 columns every hint shows as before."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.helpers import open_detail, screen_text, settle

LIST_AT_80 = " a Ack  r Resolve  c Comment  / Search  f Filter  ? Help  q Quit    ▏^p palette "
"""The list's footer at 80 columns: every hint, as Textual's own footer lays them out."""


def footer(app: Any) -> str:
    """The footer's row as the terminal shows it."""
    return screen_text(app).splitlines()[-1]


@pytest.mark.parametrize(("keys", "help_hint"), [({}, "? Help"), ({"help": "f1"}, "f1 Help")])
async def test_help_and_quit_stay_on_the_list_at_60_columns(
    make_app: Any, keys: dict[str, str], help_hint: str
) -> None:
    app = make_app(keys=keys)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        line = footer(app)
        assert help_hint in line and "q Quit" in line, line
        # The screen's first hints keep their place; those after them make the room.
        assert line.startswith(" a Ack  r Resolve  c Comment"), line
        assert "Filter" not in line and "palette" not in line, line

        await pilot.resize_terminal(80, 24)
        await settle(pilot)
        wide = footer(app)
        hints = ("a Ack", "r Resolve", "c Comment", "/ Search", "f Filter", help_hint, "q Quit")
        assert all(hint in wide for hint in (*hints, "^p palette")), wide
        if not keys:
            assert wide == LIST_AT_80

        await pilot.resize_terminal(60, 24)
        await settle(pilot)
        assert footer(app) == line


async def test_help_back_and_quit_stay_on_every_screen_at_60_columns(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(60, 24)) as pilot:
        await open_detail(pilot, "school:r001")
        for key in ("", "escape d", "escape h"):
            for pressed in key.split():
                await pilot.press(pressed)
                await settle(pilot)
            line = footer(app)
            assert all(hint in line for hint in ("esc Back", "? Help", "q Quit")), (key, line)
