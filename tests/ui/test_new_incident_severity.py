"""The new-incident dialog offers a severity only for remotes whose kind has one: 4HSE and
Revily incidents have none, and creating one with a severity is refused. The field follows
the remote chosen in the dialog, and an incident made for Revily is queued without asking the
user to take back a severity they cannot see."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from textual.widgets import Select

from incident_tui.ui.screens.new_incident import NewIncidentScreen
from tests.ui.helpers import notifications, screen_text, settle


async def _choose_remote(pilot: Any, steps: int) -> None:
    """Open the remote list and move ``steps`` down (up if negative) from the current choice,
    as a user does."""
    pilot.app.screen.query_one("#form-remote", Select).focus()
    await pilot.press("enter", *["down" if steps > 0 else "up"] * abs(steps), "enter")
    await settle(pilot)


def _severity_shown(form: NewIncidentScreen) -> bool:
    return bool(form.query_one("#form-severity", Select).display) and bool(
        form.query_one("#form-severity-label").display
    )


async def test_the_severity_field_follows_the_chosen_remote(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        remote = form.query_one("#form-remote", Select)
        assert remote.value == "school"  # Kitehouse: has a severity
        assert _severity_shown(form) and "Severity" in screen_text(app)
        form.query_one("#form-severity", Select).value = "major"

        await _choose_remote(pilot, 1)
        assert remote.value == "safety"  # 4HSE
        assert not _severity_shown(form) and "Severity" not in screen_text(app)
        await _choose_remote(pilot, 1)
        assert remote.value == "oncall"  # Revily
        assert not _severity_shown(form)
        await _choose_remote(pilot, 2)
        assert remote.value == "ops"  # AOH IMS: shown again, the choice kept
        assert _severity_shown(form)
        assert form.query_one("#form-severity", Select).value == "major"

        # Back to Revily, with "major" still chosen but hidden: created without one.
        await _choose_remote(pilot, -2)
        assert remote.value == "oncall"
        assert not _severity_shown(form)
        form.query_one("#form-title").focus()
        await pilot.press(*"Pager storm on db-2", "ctrl+s")
        await settle(pilot)
        assert app.screen is not form, notifications(app)
        assert not any("severity" in n for n in notifications(app)), notifications(app)

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT payload FROM outbox WHERE op = 'create' AND remote = 'oncall'"
        ).fetchall()
    assert len(rows) == 1
    payload = json.loads(rows[0][0])
    assert payload["title"] == "Pager storm on db-2"
    assert payload["severity"] is None


async def test_a_kitehouse_severity_without_a_priority_id_is_refused_in_the_dialog(
    make_app: Any, db_path: Path
) -> None:
    # Queued, it would only be refused at the next sync: say so while the dialog is open.
    app = make_app()  # remote "school" (Kitehouse) has no priority_ids
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        form.query_one("#form-severity", Select).value = "major"
        form.query_one("#form-title").focus()
        await pilot.press(*"Boiler leak", "ctrl+s")
        await settle(pilot)
        assert app.screen is form  # still open, to choose again
        assert notifications(app)[-1] == (
            "no Kitehouse priority id is configured for severity 'major': "
            "set priority_ids.major for remote 'school'"
        )
        # Without a severity it is queued.
        form.query_one("#form-severity", Select).value = "none"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is not form, notifications(app)

    with sqlite3.connect(db_path) as conn:
        rows = conn.execute(
            "SELECT payload FROM outbox WHERE op = 'create' AND remote = 'school'"
        ).fetchall()
    assert [json.loads(r[0])["severity"] for r in rows] == [None]
