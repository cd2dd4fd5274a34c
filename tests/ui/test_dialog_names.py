"""Dialogs and notices name an incident as the list does (``school 1001``), not by its full
id: at 80 columns an id like ``aoh_ims:0b286c70-9df2-4d5e-b429-c622f52b2549`` left little of
the line for the title the responder recognises."""

from __future__ import annotations

from typing import Any

from tests.ui.helpers import cursor_to, open_detail, screen_text, settle


async def test_names_are_the_remote_and_the_short_id(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        name_of = app.services.name_of
        assert name_of("school:r001") == "school 1001"
        assert name_of("ops:h-long") == "ops 1060"  # its ref, as the list shows it
        # Not cached: the whole id, cleaned of what must never reach the screen.
        assert name_of("gone:x\x1b[2J\u202ey") == "gone:xy"


async def test_edit_upload_and_delete_dialogs_say_which_incident(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "school:r001")
        await pilot.press("e")
        await settle(pilot)
        lines = screen_text(app).splitlines()
        assert any(line.strip(" │") == "Edit school 1001" for line in lines)
        await pilot.press("escape")
        await settle(pilot)

        await open_detail(pilot, "school:r001")
        await pilot.press("u")
        await settle(pilot)
        assert "Upload a file to school 1001" in screen_text(app)
        await pilot.press("escape")
        await settle(pilot)
        await pilot.press("delete")
        await settle(pilot)
        text = screen_text(app)
        assert "Delete school 1001?" in text and "school:r001" not in text
