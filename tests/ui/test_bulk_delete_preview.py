"""The question before deleting a selection that holds 4HSE incidents (README: "4HSE shows
what else the server removes"): the server's preview is worded for the number of incidents
and, when only some of the selection have one, names those it covers. Real 4HSE and
Kitehouse emulators over HTTP, Pilot."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.ui.app import make_app
from incident_tui.ui.screens.confirm import DeletePreviewScreen, preview_lines, preview_subject
from tests.integration.conftest import Serve
from tests.ui.conftest import NOW
from tests.ui.helpers import cursor_to, incidents, screen_text, settle, synced, until


def test_the_preview_says_which_incidents_it_covers() -> None:
    assert preview_subject(["fourhse"], 1) == ""
    assert preview_subject(["fourhse", "fourhse"], 2) == "the 2 incidents"
    assert preview_subject(["fourhse"], 3) == "the 4HSE incident"
    assert preview_subject(["fourhse", "fourhse"], 9) == "the 2 4HSE incidents"
    nothing = {"related": {}, "names": {}, "total": 0}
    assert preview_lines(nothing) == [
        "The server reports nothing else attached: only the incident is removed."
    ]
    assert preview_lines(nothing, "the 2 4HSE incidents") == [
        "The server reports nothing else attached to the 2 4HSE incidents."
    ]
    some = {"related": {"IncidentPerson": [1]}, "names": {"IncidentPerson": ["Rossi"]},
            "total": 1}
    assert preview_lines(some, "the 2 4HSE incidents") == [
        "With the 2 4HSE incidents, the server would also remove 1 related record:",
        "  involved people (1): Rossi",
    ]


async def test_a_mixed_selection_names_the_incidents_the_preview_covers(
    serve: Serve, tmp_path: Path
) -> None:
    hse = serve("fourhse", sample=0)
    school = serve("kitehouse", sample=0)
    fourhse: Any = hse.emulator
    kitehouse: Any = school.emulator
    fourhse.add(name="Ladder slip")
    fourhse.add(name="Oil spill")
    kitehouse.add("Door stuck")
    settings = Settings(
        db=tmp_path / "cache.db",
        remotes=[fourhse.remote_config("plant"), kitehouse.remote_config("school")],
        poll_seconds=3600,
    )
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and len(app.services.reader.remotes()) == 2)
        await settle(pilot)
        ids = [row.id for row in (incidents(app).row_at(i) for i in range(3)) if row]
        assert len(ids) == 3
        for incident_id in ids:
            await cursor_to(pilot, incident_id)
            await pilot.press("space")
        await settle(pilot)
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, DeletePreviewScreen)
        await until(lambda: not dialog.waiting)
        # Before: "The server reports nothing else attached: only the incident is removed."
        assert dialog.preview_text == (
            "The server reports nothing else attached to the 2 4HSE incidents."
        )
        await until(lambda: "attached to the 2 4HSE" in screen_text(app))
        await pilot.press("n")


async def test_a_long_question_scrolls_above_its_keys_on_a_short_terminal(
    serve: Serve, tmp_path: Path
) -> None:
    """Eight 4HSE incidents with people, resources and actions attached: at 60x20 the list
    and the preview are longer than the dialog can be. The keys' line stays in view and the
    preview can be read to its end, by keys alone, before saying yes."""
    hse = serve("fourhse", sample=30)
    settings = Settings(
        db=tmp_path / "cache.db", remotes=[hse.emulator.remote_config("plant")],  # type: ignore[attr-defined]
        poll_seconds=3600,
    )
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await settle(pilot)
        await pilot.resize_terminal(60, 20)
        ids = [row.id for row in (incidents(app).row_at(i) for i in range(8)) if row]
        for incident_id in ids:
            await cursor_to(pilot, incident_id)
            await pilot.press("space")
        await settle(pilot)
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, DeletePreviewScreen)
        await until(lambda: not dialog.waiting)
        await settle(pilot)
        last = dialog.preview_text.splitlines()[-1]
        kind = last.split(":")[0].strip()  # "actions (3)": what else goes, the last kind
        assert kind and kind not in screen_text(app)
        assert "y yes · n no" in screen_text(app)

        await pilot.press("end")
        await settle(pilot)
        assert kind in screen_text(app)
        assert "y yes · n no" in screen_text(app)
        await pilot.press("y")
        await until(lambda: all(app.services.reader.detail(i) is None for i in ids))
