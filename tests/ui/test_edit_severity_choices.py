"""The edit dialog offers severity "none" only where the remote can clear one (AOH IMS):
Kitehouse and OneUptime refuse it at the sync, and the rest of the edit with it. An incident
that has none there still shows "none", and leaving it so sends nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select

from incident_tui.store.reader import Reader
from incident_tui.ui.drafts import Drafts, drafts_path
from incident_tui.ui.screens.edit import EditScreen, edit_draft_key
from tests.ui.helpers import notifications, open_detail, settle


async def open_edit(pilot: Any, incident_id: str) -> EditScreen:
    """The edit dialog of ``incident_id``, opened from its detail, once it shows the values."""
    await open_detail(pilot, incident_id)
    await pilot.press("e")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, EditScreen) and screen.before is not None
    return screen


def choices(screen: EditScreen) -> list[str]:
    return [str(value) for _, value in screen.query_one("#form-severity", Select)._options]


@pytest.mark.parametrize(("incident_id", "offered"), [
    ("school:r005", ["critical", "major", "minor"]),  # Kitehouse
    ("status:r013", ["critical", "major", "minor"]),  # OneUptime
    ("ops:r009", ["none", "critical", "major", "minor"]),  # AOH IMS
])
async def test_none_is_offered_only_where_a_severity_can_be_cleared(
    make_app: Any, incident_id: str, offered: list[str]
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_edit(pilot, incident_id)
        assert choices(screen) == offered
        assert screen.query_one("#form-severity", Select).value == "major"


async def test_an_incident_without_severity_shows_none_and_keeping_it_sends_nothing(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_edit(pilot, "school:r015")
        assert choices(screen) == ["none", "critical", "major", "minor"]
        assert screen.query_one("#form-severity", Select).value == "none"
        screen.query_one("#form-title").value = "Renamed"
        await pilot.press("ctrl+s")
        await settle(pilot)
    reader = Reader.open(db_path)
    [change] = [c for c in reader.outbox() if c["incident_id"] == "school:r015"]
    reader.close()
    assert json.loads(change["payload"])["changes"] == {"title": "Renamed"}


async def test_a_kept_draft_clearing_the_severity_does_not_bring_none_back(
    make_app: Any, db_path: Path
) -> None:
    drafts = Drafts(drafts_path(db_path))
    drafts.put(edit_draft_key("school:r005"), {
        "title": "Incident number 5 on school", "description": "Description of incident 5.",
        "severity": None, "read": {"title": "Incident number 5 on school",
                                   "description": "Description of incident 5.",
                                   "severity": "major"},
    })
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_edit(pilot, "school:r005")
        assert choices(screen) == ["critical", "major", "minor"]
        assert screen.query_one("#form-severity", Select).value == "major"


async def test_a_kitehouse_severity_without_a_priority_id_is_refused_in_the_edit_dialog(
    make_app: Any, db_path: Path
) -> None:
    # Queued, the edit would only be refused at the next sync: said while the dialog is open.
    app = make_app()  # remote "school" (Kitehouse) has no priority_ids
    async with app.run_test(size=(100, 40)) as pilot:
        screen = await open_edit(pilot, "school:r005")
        screen.query_one("#form-severity", Select).value = "critical"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is screen  # still open, to choose again
        assert notifications(app)[-1] == (
            "no Kitehouse priority id is configured for severity 'critical': "
            "set priority_ids.critical for remote 'school'"
        )
        # The title alone goes.
        screen.query_one("#form-severity", Select).value = "major"
        screen.query_one("#form-title").value = "Renamed"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not screen
    reader = Reader.open(db_path)
    try:
        edits = [
            json.loads(c["payload"])
            for c in reader.outbox()
            if c["op"] == "edit" and c["incident_id"] == "school:r005"
        ]
    finally:
        reader.close()
    assert len(edits) == 1 and "Renamed" in json.dumps(edits[0])
    assert "critical" not in json.dumps(edits[0])
