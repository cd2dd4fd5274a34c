"""Snapshots of every main screen in the dark and light themes at 80x24 and 120x40.

Plain ``def`` tests (snap_compare runs its own event loop); deterministic cache and clock,
no sync loop, no cursor blink, workers awaited before the shot. Regenerate only on purpose:
``pytest tests/ui/test_snapshots.py --snapshot-update``, then look at the SVGs.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import TextArea

from tests.ui.helpers import settle

THEMES = ("incident-dark", "incident-light")
SIZES = ((80, 24), (120, 40))


def keys_then_settle(*keys: str, text: str = "") -> Callable[[Pilot[Any]], Awaitable[None]]:
    """A run_before that waits for the data, presses keys, types ``text`` into the focused
    text area (inserted at once: typing it key by key only makes the test slower)."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        if text:
            focused = pilot.app.focused
            assert isinstance(focused, TextArea)
            focused.insert(text)
            await settle(pilot)

    return run


SCREENS = {
    "list": keys_then_settle("down", "space", "down"),
    "detail": keys_then_settle("enter"),
    "comment": keys_then_settle("c", text="Rolled back the 02:00 deploy."),
    "help": keys_then_settle("question_mark"),
}


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("theme", THEMES)
@pytest.mark.parametrize("screen", SCREENS)
def test_snapshot(
    snap_compare: Any, make_app: Any, screen: str, theme: str, size: tuple[int, int]
) -> None:
    app = make_app(theme=theme)
    assert snap_compare(app, terminal_size=size, run_before=SCREENS[screen])
