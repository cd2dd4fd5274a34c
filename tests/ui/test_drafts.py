"""Unsent dialog text is a draft: an escape, or a process that dies with the SSH link, does
not lose it; sending (once queued) clears it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from textual.widgets import Input, Select, TextArea

from incident_tui.store.reader import Reader
from incident_tui.ui.draft_keeper import KEPT_NOTICE
from incident_tui.ui.drafts import Drafts, drafts_path
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.edit import EditScreen
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from tests.ui.helpers import notifications, open_detail, settle, until

HOSTILE = "Valve [b]7[/b] \u202eleaks\u202c 🚒\nsecond line"


def _kept(db_path: Path) -> dict[str, Any]:
    path = drafts_path(db_path)
    return json.loads(path.read_text()) if path.exists() else {}


async def test_an_escaped_comment_comes_back_and_is_cleared_once_sent(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c", *"Half")
        app.screen.query_one(TextArea).insert(" a thought")
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)
        assert KEPT_NOTICE in notifications(app)
        assert _kept(db_path)["comment:school:r005"]["body"] == "Half a thought"

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "Half a thought"
        await pilot.press(*"!")  # the cursor is at the end: typing goes on from there
        await pilot.press("ctrl+s")
        await settle(pilot)
        reader = Reader.open(db_path)
        detail = reader.detail("school:r005")
        reader.close()
        assert detail is not None and detail.comments[-1]["body"] == "Half a thought!"
        assert "comment:school:r005" not in _kept(db_path)

        await pilot.press("c")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == ""


async def test_a_comment_typed_before_the_process_died_is_there_next_time(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c")
        app.screen.query_one(TextArea).insert(HOSTILE)
        # Saved while typing (a moment after the last key): what a killed process leaves.
        await until(
            lambda: _kept(db_path).get("comment:school:r005", {}).get("body") == HOSTILE,
            limit=10,
        )

    again = make_app()
    async with again.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c")
        await pilot.pause()
        assert again.screen.query_one(TextArea).text == HOSTILE
        assert "Your unsent comment is back." in notifications(again)


async def test_a_new_incident_draft_keeps_its_remote_and_fields(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        remotes = [name for name, _ in form.remotes]
        form.query_one("#form-remote", Select).value = remotes[-1]
        form.query_one("#form-title", Input).value = "Gas smell"
        form.query_one("#form-description", TextArea).text = "Basement, near boiler 2"
        form.query_one("#form-severity", Select).value = "major"
        await pilot.pause()
        await pilot.press("escape")
        assert KEPT_NOTICE in notifications(app)

        await pilot.press("n")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        assert form.query_one("#form-remote", Select).value == remotes[-1]
        assert form.values()[0] == "Gas smell"
        assert form.values()[1] == "Basement, near boiler 2"
        assert str(form.values()[2]) == "major"
        # Typing goes on after what came back, in the title and in the description.
        form.query_one("#form-title", Input).focus()
        await pilot.press(*" in lab")
        form.query_one("#form-description", TextArea).focus()
        await pilot.press(*", east")
        assert form.values()[:2] == ("Gas smell in lab", "Basement, near boiler 2, east")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "new" not in _kept(db_path)


async def test_an_unsaved_edit_comes_back_and_an_unchanged_one_keeps_nothing(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        original = app.screen.query_one("#form-title", Input).value
        await pilot.press("escape")
        assert KEPT_NOTICE not in notifications(app)  # nothing changed: nothing kept
        assert "edit:school:r005" not in _kept(db_path)

        await pilot.press("e")
        await settle(pilot)
        app.screen.query_one("#form-title", Input).value = "Renamed, not saved"
        await pilot.pause()
        await pilot.press("escape")
        assert KEPT_NOTICE in notifications(app)

        await pilot.press("e")
        await settle(pilot)
        assert app.screen.query_one("#form-title", Input).value == "Renamed, not saved"
        app.screen.query_one("#form-title", Input).value = original  # changed back
        await pilot.pause()
        await pilot.press("escape")
        assert "edit:school:r005" not in _kept(db_path)


async def test_typing_not_yet_saved_is_kept_when_the_app_ends(
    make_app: Any, db_path: Path, monkeypatch: Any
) -> None:
    # A save waits for a pause in the typing; an App ended meanwhile (a signal, ctrl+q)
    # lost what came since the last one. The pause is made long here: the test does not
    # race it.
    monkeypatch.setattr("incident_tui.ui.draft_keeper.SAVE_AFTER", 60.0)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c", *"Pump restarted")
        await pilot.pause()
        assert _kept(db_path) == {}
        app.exit()
    assert _kept(db_path)["comment:school:r005"]["body"] == "Pump restarted"



async def test_a_comment_sent_from_another_tui_is_not_offered_again(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c", *"Pump restarted")
        await pilot.press("escape")
        assert _kept(db_path)["comment:school:r005"]["body"] == "Pump restarted"
        # A second TUI on the cache brings the draft back, sends it and drops it, and
        # keeps one of its own on another incident.
        other = Drafts(drafts_path(db_path))
        assert other.get("comment:school:r005") == {"body": "Pump restarted", "public": False}
        other.drop("comment:school:r005")
        other.put("comment:school:r001", {"body": "Typed in the other TUI", "public": False})

        await pilot.press("c")
        await pilot.pause()
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == ""
        assert "Your unsent comment is back." not in notifications(app)
        await pilot.press("escape")
        await pilot.press("escape")
        await open_detail(pilot, "school:r001")
        await pilot.press("c")
        await pilot.pause()
        assert app.screen.query_one(TextArea).text == "Typed in the other TUI"
