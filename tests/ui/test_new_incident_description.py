"""The new-incident dialog queues the description as typed: pasted command output keeps the
indentation of its first line, as of the others (the edit dialog and ``create
--description`` keep it too). Only a blank description is none."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

from tests.ui.helpers import notifications, settle


def queued_description(db_path: Path) -> Any:
    """The description of the one create queued on the Kitehouse remote."""
    with sqlite3.connect(db_path) as conn:
        [(payload,)] = conn.execute(
            "SELECT payload FROM outbox WHERE op = 'create' AND remote = 'school'"
        ).fetchall()
    return json.loads(payload)["description"]


async def test_the_first_line_of_the_description_keeps_its_indentation(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Disk full on db-3", "tab")  # on to the description
        await pilot.press(*"    $ df -h /", "enter", *"    /dev/sda1  100%", "enter")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "Queued: created 1 incident" in notifications(app)

    assert queued_description(db_path) == "    $ df -h /\n    /dev/sda1  100%"


async def test_a_blank_description_is_none(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 34)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        await pilot.press(*"Disk full on db-3", "tab", "space", "enter", "ctrl+s")
        await settle(pilot)
        assert "Queued: created 1 incident" in notifications(app)

    assert queued_description(db_path) is None
