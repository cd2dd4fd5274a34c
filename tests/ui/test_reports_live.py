"""Dashboard and handover opened from the App (``d``, ``h``) over a real sync with a loopback
Kitehouse emulator: the server's ``/dashboard`` check and its streamed handover e-mail go
through the App's own connectors."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.ui.screens.dashboard import DashboardScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.conftest import NOW
from tests.ui.helpers import incidents, screen_text, settle


@pytest.fixture
def kitehouse() -> Iterator[EmulatorServer]:
    """A Kitehouse emulator with 20 incidents of the last two weeks, always stopped."""
    server = EmulatorServer(make_emulator("kitehouse", sample=20, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


async def _until(condition: Callable[[], bool], limit: float = 10.0) -> None:
    for _ in range(int(limit / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


async def test_dashboard_and_handover_from_the_app(
    kitehouse: EmulatorServer, tmp_path: Path
) -> None:
    from incident_tui.ui.app import make_app

    remote: Any = kitehouse.emulator.remote_config("school")
    settings = Settings(db=tmp_path / "cache.db", remotes=[remote], poll_seconds=3600,
                        download_dir=tmp_path / "downloads")
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    async with app.run_test(size=(120, 40)) as pilot:
        await _until(lambda: incidents(app).total == 20 and "school ok at" in screen_text(app))

        await pilot.press("d")
        await settle(pilot)
        dashboard = app.screen
        assert isinstance(dashboard, DashboardScreen)
        await pilot.press("3", "v")
        await _until(lambda: any("agrees" in line or "differ" in line
                                 for line in dashboard.checks))
        assert dashboard.checks[0].startswith("school: agrees with Kitehouse /dashboard"), (
            dashboard.checks
        )
        # Enter on one of the oldest open incidents opens its detail.
        await pilot.click("#dash-oldest")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("escape", "escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)

        await pilot.press("h")
        await settle(pilot)
        handover = app.screen
        assert isinstance(handover, HandoverScreen)
        assert "Needs attention" in screen_text(app) or "NEEDS ATTENTION" in screen_text(app)
        await pilot.press("k")
        await _until(lambda: handover.stream is not None and handover.stream.done, limit=20)
        assert handover.stream is not None and handover.stream.text.strip()
        assert not handover.stream.failed
        await pilot.press("w")
        await _until(lambda: len(list((tmp_path / "downloads").glob("handover-*"))) == 2)


async def test_every_footer_key_fits_80_columns(kitehouse: EmulatorServer, tmp_path: Path) -> None:
    # With every feature on (Kitehouse's server e-mail, a folder to save to), the footers of
    # the main screens still show all their keys, "q Quit" and the way back included.
    from incident_tui.ui.app import make_app

    remote: Any = kitehouse.emulator.remote_config("school")
    settings = Settings(db=tmp_path / "cache.db", remotes=[remote], poll_seconds=3600,
                        download_dir=tmp_path / "downloads")
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)

    def footer() -> list[tuple[str, int]]:
        keys = list(app.screen.query("FooterKey"))
        return [(str(key.render()).strip(), key.region.right) for key in keys]

    async with app.run_test(size=(80, 24)) as pilot:
        await _until(lambda: incidents(app).total == 20 and "school ok at" in screen_text(app))
        for key, screen in (("", ListScreen), ("enter", DetailScreen), ("d", DashboardScreen),
                            ("h", HandoverScreen)):
            if key:
                await pilot.press(key)
            await settle(pilot)
            assert isinstance(app.screen, screen)
            shown = footer()
            assert any(label.endswith("Quit") for label, _ in shown), shown
            assert all(0 < right <= 80 for _, right in shown), (screen.__name__, shown)
            if screen in (DashboardScreen, HandoverScreen):
                assert any(label.endswith("Back") for label, _ in shown), shown
            if key:
                await pilot.press("escape")
                await settle(pilot)
