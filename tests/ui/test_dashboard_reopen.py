"""A TUI left open for a shift: the dashboard opened and closed again and again must leave
none of its charts behind."""

from __future__ import annotations

from typing import Any

from incident_tui.ui.screens.dashboard import DashboardScreen
from incident_tui.ui.widgets.bar_list import BarList
from incident_tui.ui.widgets.charts import Chart
from tests.ui.helpers import settle

OPENINGS = 6


async def test_closed_dashboards_leave_no_charts_behind(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        for _ in range(OPENINGS):
            await pilot.press("d")
            await settle(pilot)
            assert isinstance(app.screen, DashboardScreen)
            await pilot.press("escape")
            await settle(pilot)
        # Each chart listened for theme changes; the theme never changed, so nothing ever
        # told the App's signal that the charts were gone.
        listening = list(app.theme_changed_signal._subscriptions)
        assert not [node for node in listening if isinstance(node, BarList | Chart)], listening
