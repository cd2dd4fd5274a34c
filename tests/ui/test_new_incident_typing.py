"""Typing in the new-incident dialog while a slow Revily server lists its services (over
loopback HTTP, its ``GET /services`` delayed by the emulator's fault injection): a service id
typed meanwhile stays, and so does the focus; the list is offered once the id field is left
empty."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from textual.widgets import Input, Select

from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from tests.ui.helpers import live_app, settle, static_text, until

PLATFORM = "Pq7dWm2R"
"""One of the emulator's services (not the one a create without a choice goes to)."""
LOADING = 3.0
"""Seconds the emulator holds its answer to ``GET /services``: longer than the typing."""


def slow_services(server: EmulatorServer) -> None:
    """Have the emulator answer its next ``GET /services`` :data:`LOADING` seconds late."""
    fault = {"kind": "delay", "delay": LOADING, "method": "GET", "path": "/services$"}
    answer = httpx.post(f"{server.url}/_emulator/faults", json=fault, timeout=5)
    assert answer.status_code == 201, answer.text


def note(app: Any) -> str:
    """What the dialog says about the services."""
    return static_text(app, "#form-place-note")


async def open_form(pilot: Any) -> NewIncidentScreen:
    """Press ``n`` and return the dialog, its services still loading."""
    await pilot.press("n")
    form = pilot.app.screen
    assert isinstance(form, NewIncidentScreen)
    assert note(pilot.app).startswith("Loading services"), note(pilot.app)
    return form


async def test_a_service_id_typed_while_the_services_load_stays(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily", 3)
    app = live_app(server, "oncall", tmp_path, sync=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        slow_services(server)
        form = await open_form(pilot)
        await pilot.press(*"Disk full on db-3")  # the title has the focus
        await pilot.press("shift+tab", *PLATFORM[:4])  # back to the service
        assert note(app).startswith("Loading services")  # all typed before the list came
        await until(lambda: "3 services on the server" in note(app), limit=LOADING + 10)
        await pilot.pause()
        typed = form.query_one("#form-container-id", Input)
        assert app.focused is typed
        await pilot.press(*PLATFORM[4:])
        assert typed.value == PLATFORM
        assert form.query_one("#form-title", Input).value == "Disk full on db-3"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not isinstance(app.screen, NewIncidentScreen)
    reader = Reader.open(tmp_path / "cache.db")
    try:
        creates = [c for c in reader.outbox("oncall") if c["op"] == "create"]
    finally:
        reader.close()
    payload = json.loads(creates[-1]["payload"])
    assert payload["title"] == "Disk full on db-3" and payload["container"] == PLATFORM


async def test_the_list_is_offered_once_the_id_field_is_left_empty(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily", 3)
    app = live_app(server, "oncall", tmp_path, sync=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        slow_services(server)
        form = await open_form(pilot)
        typed = form.query_one("#form-container-id", Input)
        services = form.query_one("#form-container", Select)
        await pilot.press("shift+tab")
        assert app.focused is typed
        await until(lambda: "3 services on the server" in note(app), limit=LOADING + 10)
        await pilot.pause()
        # Still where the user is: the list waits for the field to be left.
        assert app.focused is typed and typed.display and not services.display
        assert "leave the id empty" in note(app)
        await pilot.press("tab")
        assert app.focused is form.query_one("#form-title")
        assert services.display and not typed.display
        assert note(app) == "3 services on the server."
        await pilot.press("shift+tab")
        assert app.focused is services
