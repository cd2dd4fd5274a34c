"""An edit is made against the values the user saw, whatever a sync brings meanwhile: over
loopback HTTP to a Kitehouse emulator, a colleague's change that arrives while the edit
dialog is open, or while its kept draft waits, is a conflict for the user to settle when it
touches a field the edit changes, and is never sent back over when it does not."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.edit import EditScreen
from tests.integration.test_discard_refresh import Clock
from tests.ui.helpers import cursor_to, live_app, notifications, settle, synced, until


async def start_editing(pilot: Pilot[Any], incident_id: str) -> EditScreen:
    """Open the edit dialog of ``incident_id`` from the list, once it shows the values."""
    await settle(pilot)
    await cursor_to(pilot, incident_id)
    await pilot.press("e")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen) and screen.before is not None
    return screen


async def pulled(app: Any, incident_id: str, field: str, value: str) -> None:
    """Sync now and wait until the cache holds ``value`` in ``field`` of the incident."""

    def cached() -> Any:
        detail = app.services.reader.detail(incident_id)
        return detail.incident.get(field) if detail is not None else None

    app.runner.sync_now(["school"])
    await until(lambda: cached() == value)


def changes_of(app: Any, incident_id: str) -> list[tuple[str, dict[str, Any]]]:
    """The incident's queued changes: each one's state and the fields it sends."""
    return [
        (c["state"], json.loads(c["payload"]).get("changes", {}))
        for c in app.services.reader.outbox()
        if c["incident_id"] == incident_id
    ]


async def test_a_title_a_colleague_changed_while_the_dialog_was_open_is_a_conflict(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    clock = Clock()
    kite = serve("kitehouse", clock=clock)
    emulator: Any = kite.emulator
    remote_id = str(emulator.add("Boiler leak", description="Wet floor")["_id"])
    incident_id = f"school:{remote_id}"
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await start_editing(pilot, incident_id)
        await pilot.press(*", room 4")
        clock.advance()
        emulator.touch(remote_id, short_description="Boiler leak, basement")
        await pulled(app, incident_id, "title", "Boiler leak, basement")

        await pilot.press("ctrl+s")
        await until(lambda: [s for s, _ in changes_of(app, incident_id)] == ["conflict"])

        # Theirs is kept until the user answers; only the field the user changed was sent.
        assert emulator.incident(remote_id)["short_description"] == "Boiler leak, basement"
        assert changes_of(app, incident_id) == [("conflict", {"title": "Boiler leak, room 4"})]
        assert any("in conflict" in note for note in notifications(app))


async def keep_a_title_draft(pilot: Pilot[Any], incident_id: str, typed: str) -> None:
    """Open the edit dialog, add ``typed`` to the title and leave with escape (kept)."""
    await start_editing(pilot, incident_id)
    await pilot.press(*typed)
    await pilot.press("escape")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, EditScreen)


def form_values(app: Any) -> tuple[str, str]:
    """The title and description the edit dialog shows."""
    screen = app.screen
    assert isinstance(screen, EditScreen)
    title, description, _ = screen.values()
    return title, description


async def test_a_kept_edit_brings_back_only_its_own_fields(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    clock = Clock()
    kite = serve("kitehouse", clock=clock)
    emulator: Any = kite.emulator
    remote_id = str(emulator.add("Boiler leak", description="Wet floor")["_id"])
    incident_id = f"school:{remote_id}"
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await keep_a_title_draft(pilot, incident_id, ", room 4")
        clock.advance()
        emulator.touch(remote_id, description="Root cause found: do not restart the boiler")
        await pulled(app, incident_id, "description", "Root cause found: do not restart the boiler")

        await start_editing(pilot, incident_id)
        assert form_values(app) == (
            "Boiler leak, room 4",
            "Root cause found: do not restart the boiler",
        )
        assert "Your unsaved edit is back." in notifications(app)
        await pilot.press("ctrl+s")
        await until(lambda: not changes_of(app, incident_id))

        sent = emulator.incident(remote_id)
        assert sent["short_description"] == "Boiler leak, room 4"
        assert sent["description"] == "Root cause found: do not restart the boiler"


async def test_a_kept_edit_of_a_title_a_colleague_changed_since_is_a_conflict(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    clock = Clock()
    kite = serve("kitehouse", clock=clock)
    emulator: Any = kite.emulator
    remote_id = str(emulator.add("Boiler leak", description="Wet floor")["_id"])
    incident_id = f"school:{remote_id}"
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await keep_a_title_draft(pilot, incident_id, ", room 4")
        clock.advance()
        emulator.touch(remote_id, short_description="Boiler leak, basement")
        await pulled(app, incident_id, "title", "Boiler leak, basement")

        await start_editing(pilot, incident_id)
        assert form_values(app)[0] == "Boiler leak, room 4"
        assert (
            "Your unsaved edit is back. Its title changed on the remote since you wrote it: "
            "saving asks which to keep."
        ) in notifications(app)
        await pilot.press("ctrl+s")
        await until(lambda: [s for s, _ in changes_of(app, incident_id)] == ["conflict"])

        assert emulator.incident(remote_id)["short_description"] == "Boiler leak, basement"
        assert changes_of(app, incident_id) == [("conflict", {"title": "Boiler leak, room 4"})]
