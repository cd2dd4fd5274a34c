"""An incident whose description was never read (a Kitehouse list row past the hydrate
limit) says so on the detail screen and in the edit dialog, not "No description."."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from textual.widgets import Label, TextArea

from incident_tui.ui.screens.edit import EditScreen
from tests.ui.helpers import open_detail, screen_text, settle


def forget_description(db_path: Path, incident_id: str) -> None:
    """Make the cached incident a list row whose full record was never read."""
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute(
        "UPDATE incident SET description = NULL, hydrated = 0 WHERE id = ?", [incident_id]
    )
    conn.close()


async def test_a_description_never_read_is_not_shown_as_none(
    make_app: Any, db_path: Path
) -> None:
    forget_description(db_path, "school:r005")
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, "school:r005")
        text = screen_text(app)
        assert "Not loaded yet" in text and "No description." not in text
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EditScreen) and form.before is not None
        label = str(form.query_one("#form-description-label", Label).render())
        assert "not loaded yet" in label
        area = form.query_one("#form-description", TextArea)
        assert area.text == "" and "not read yet" in str(area.placeholder)


async def test_a_description_read_as_empty_is_none(make_app: Any, db_path: Path) -> None:
    conn = sqlite3.connect(db_path, isolation_level=None)
    conn.execute("UPDATE incident SET description = NULL WHERE id = 'school:r005'")
    conn.close()
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, "school:r005")
        assert "No description." in screen_text(app)
        await pilot.press("e")
        await settle(pilot)
        label = str(app.screen.query_one("#form-description-label", Label).render())
        assert "not loaded" not in label
