"""The new-incident dialog refuses a 4HSE office its remote does not sync, while it is still
open: created there, the incident would be made on the server and then vanish from the list
at the next sync (the pull lists the configured office only)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.emulators.fourhse_data import DEFAULT_SUBTENANT_ID
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from tests.ui.conftest import NOW
from tests.ui.helpers import live_app, notifications, screen_text, settle, until

MILANO = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
"""Another office of the configured project, which the remote's pull does not list."""


@pytest.fixture
def fourhse() -> Iterator[EmulatorServer]:
    """An empty 4HSE emulator (no office known from the cache: the id is typed)."""
    server = EmulatorServer(make_emulator("fourhse", sample=0, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


async def test_an_office_outside_the_remote_is_refused_in_the_dialog(
    fourhse: EmulatorServer, tmp_path: Path
) -> None:
    app = live_app(fourhse, "safety", tmp_path)
    async with app.run_test(size=(110, 30)) as pilot:
        await until(lambda: "safety ok at" in screen_text(app))
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        typed: Any = form.query_one("#form-container-id")
        await until(lambda: bool(typed.display))
        typed.focus()
        await pilot.press(*MILANO)
        form.query_one("#form-title").focus()
        await pilot.press(*"Spill at dock 2")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open, to pick the office again
        assert notifications(app)[-1] == (
            f"4HSE remote 'safety' syncs office '{DEFAULT_SUBTENANT_ID}' only: an incident "
            f"created in office '{MILANO}' would never show here; create it in "
            f"'{DEFAULT_SUBTENANT_ID}' or configure a remote for that office"
        )
        # The configured office (or the default) is taken.
        typed.value = ""
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form
        emulator: Any = fourhse.emulator

        def made() -> list[Any]:
            return [r["subtenant_id"] for r in emulator.rows["incident"].values()]

        await pilot.press("s")
        await until(lambda: bool(made()))
        assert made() == [DEFAULT_SUBTENANT_ID]
