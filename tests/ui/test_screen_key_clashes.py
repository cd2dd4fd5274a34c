"""Key settings that put a command on a key the dashboard or the handover binds itself are
reported at start-up, naming the screen, through the real App: ``sync = "w"`` does nothing
there (their ``w`` wins), and Textual says nothing about it."""

from __future__ import annotations

from typing import Any

from incident_tui.domain.stats import Window
from incident_tui.ui.screens.dashboard import DashboardScreen
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import notifications, settle


def clash_notices(app: Any) -> list[str]:
    return [n for n in notifications(app) if "clash" in n]


async def test_sync_on_w_is_reported_for_the_dashboard_and_the_handover(make_app: Any) -> None:
    app = make_app(keys={"sync": "w"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == [
            "Key settings clash on the dashboard: dashboard_window, sync share w; only "
            "dashboard_window works there",
            "Key settings clash on the handover: handover_save, sync share w; only "
            "handover_save works there",
        ]
        # What the notice says: on the dashboard, w changes the window.
        await pilot.press("d")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen) and screen.window == Window.DAY
        await pilot.press("w")
        await settle(pilot)
        assert screen.window == Window.WEEK
        assert len(clash_notices(app)) == 2


async def test_back_on_w_is_reported_once_and_takes_the_key(make_app: Any) -> None:
    """``back`` is bound on the screens themselves: it takes their ``w``. Textual reports
    the displaced binding when the key is pressed; the start-up notice covers it."""
    app = make_app(keys={"back": "w"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert (
            "Key settings clash on the handover: back, handover_save share w; only back "
            "works there"
        ) in clash_notices(app)
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HandoverScreen)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert len(clash_notices(app)) == 2


async def test_keys_of_other_screens_only_are_not_reported(make_app: Any) -> None:
    app = make_app(keys={"acknowledge": "w", "sync": "f5"})
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        assert clash_notices(app) == []
