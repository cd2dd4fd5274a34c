"""A TUI left open for a shift: a screen opened and closed again must not stay in memory until
the next change to the cache comes in."""

from __future__ import annotations

import gc
import weakref
from typing import Any

import pytest
from textual.screen import Screen

from incident_tui.ui.screens.dashboard import DashboardScreen
from incident_tui.ui.screens.detail import FIRST_READ_WAIT, DetailScreen
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.screens.remotes import RemotesScreen
from tests.ui.helpers import settle

OPENERS = [
    ("d", DashboardScreen), ("h", HandoverScreen), ("enter", DetailScreen), ("S", RemotesScreen),
]


@pytest.mark.parametrize(("key", "kind"), OPENERS, ids=[kind.__name__ for _, kind in OPENERS])
async def test_a_closed_screen_is_let_go(make_app: Any, key: str, kind: type[Screen[Any]]) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, kind)
        # A timer of the screen's that has not fired when it closes holds it until its time
        # (asyncio keeps the cancelled timer's context): the detail's first-read wait is
        # half a second. What this test looks for is what holds a screen for good.
        await pilot.pause(FIRST_READ_WAIT)
        closed = weakref.ref(app.screen)
        await pilot.press("escape")
        await settle(pilot)
        assert not isinstance(app.screen, kind)
        # No change to the cache comes in meanwhile: the App's signals, which drop a removed
        # screen only when they are published, are not.
        gc.collect()
        assert closed() is None, [type(r).__name__ for r in gc.get_referrers(closed())]
