"""The detail screen and the dialogs opened from it: comment, edit, delete, reopen."""

from __future__ import annotations

from typing import Any

from incident_tui.store.reader import Reader
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import (
    cursor_to,
    incidents,
    notifications,
    open_detail,
    press_apart,
    screen_text,
    settle,
)


def _detail(db_path: Any, incident_id: str) -> Any:
    reader = Reader.open(db_path)
    try:
        return reader.detail(incident_id)
    finally:
        reader.close()


async def test_detail_shows_everything(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 80)) as pilot:
        await open_detail(pilot, "school:r001")
        text = screen_text(app)
        for expected in (
            "Database connection pool exhausted", "school:r001", "school (kitehouse)",
            "acknowledged", "major", "Ben Okafor, Farah Khan", "2026-11-22 11:18",
            "Description of incident 1.",
            "Comments (3)", "Looking into it now.", "Restarted the pool.", "Watching graphs.",
            "Queued note from the responder", "↑ pending",
            "Attachments", "photo.jpg", "image/jpeg", "2.0 KB", "https://files.example/a1",
            "Custom fields", "form.room", "B12",
            "Remote fields", "location", "building B", '["db", "p1"]',
            "Queued changes", "comment", "queued",
        ):
            assert expected in text, expected


async def test_detail_shows_conflict_and_refusal(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 60)) as pilot:
        await open_detail(pilot, "ops:r004")
        text = screen_text(app)
        assert "Conflict" in text and "changed on the remote" in text
        assert "Remote [b]title[/b]" in text  # their value, literal, escape removed
        await pilot.press("escape")
        await open_detail(pilot, "school:r010")
        assert "HTTP 422: transition refused" in screen_text(app)


async def test_escape_goes_back_to_the_list(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)
        assert incidents(app).cursor_row.id == "school:r005"  # type: ignore[union-attr]


async def test_acknowledge_from_detail(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 40)) as pilot:
        await open_detail(pilot, "safety:r006")
        await pilot.press("a")
        await settle(pilot)
        assert _detail(db_path, "safety:r006").incident["status"] == "acknowledged"
        assert "1 local change queued" in screen_text(app)  # the screen re-read it
        await pilot.press("r")
        await settle(pilot)
        assert _detail(db_path, "safety:r006").incident["status"] == "resolved"


async def test_reopen_from_detail(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")  # resolved, kitehouse can reopen
        await pilot.press("R")
        await settle(pilot)
        assert _detail(db_path, "school:r005").incident["status"] == "triggered"


async def test_detail_greys_out_by_kind(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "oncall:r002")  # revily
        assert app.screen.check_action("comment", ()) is None
        assert app.screen.check_action("reopen", ()) is None
        assert app.screen.check_action("resolve", ()) is True
        await press_apart(pilot, "c", "e")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert notifications(app)[-2:] == [
            "Revily incidents take no comments.",
            "Revily incidents cannot be edited from here.",
        ]


async def test_comment_submit(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c")
        assert app.screen.__class__.__name__ == "CommentScreen"
        await pilot.press(*"Fix", "enter")  # typed; the rest inserted (typing is slow)
        app.screen.query_one("#comment-body").insert("twice")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        comments = _detail(db_path, "school:r005").comments
        assert comments[-1]["body"] == "Fix\ntwice" and comments[-1]["pending"]


async def test_comment_from_list(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "status:r008")  # oneuptime notes
        await pilot.press("c", *"note", "ctrl+s")
        await settle(pilot)
        assert _detail(db_path, "status:r008").comments[-1]["body"] == "note"
        assert incidents(app).cursor_row.pending == 1  # type: ignore[union-attr]


async def test_empty_comment_refused(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c", "space", "enter", "ctrl+s")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommentScreen"
        assert any("cannot be empty" in n for n in notifications(app))
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)
        assert len(_detail(db_path, "school:r005").comments) == 0


async def test_edit_title_and_severity(make_app: Any, db_path: Any) -> None:
    # AOH IMS: the sample's Kitehouse remote has no priority ids, so it takes no severity.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "ops:r009")
        await pilot.press("e")
        await settle(pilot)
        assert app.screen.__class__.__name__ == "EditScreen"
        title = app.screen.query_one("#form-title")
        title.value = "Renamed incident"
        app.screen.query_one("#form-severity").value = "critical"
        await pilot.press("ctrl+s")
        await settle(pilot)
        incident = _detail(db_path, "ops:r009").incident
        assert incident["title"] == "Renamed incident" and incident["severity"] == "critical"
        assert "Renamed incident" in screen_text(app)


async def test_delete_asks_first(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("delete")
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("n")
        assert isinstance(app.screen, DetailScreen)
        await pilot.press("delete", "y")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert _detail(db_path, "school:r005") is None
        assert incidents(app).total == 36


async def test_an_incident_gone_from_the_cache_offers_no_action(
    make_app: Any, db_path: Any
) -> None:
    from sqlmodel import select

    from incident_tui.store.bookkeeping import remove_incident
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.schema import IncidentRow
    from incident_tui.ui.screens.detail import GONE
    from incident_tui.ui.sync_runner import AppListener

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "oncall:r002")
        assert app.screen.check_action("acknowledge", ()) is True
        # Deleted on the remote, as a sync stores it and tells the screen.
        engine = make_engine(db_path)
        with session(engine) as s, s.begin():
            row = s.exec(select(IncidentRow).where(IncidentRow.id == "oncall:r002")).one()
            remove_incident(s, row)
        engine.dispose()
        AppListener(app).incidents_changed(["oncall:r002"], [])
        await settle(pilot)
        assert "This incident is no longer in the cache." in screen_text(app)
        # Hidden from the footer; the key says why it does nothing.
        assert app.screen.check_action("acknowledge", ()) is False
        assert app.screen.check_action("download_attachment", ()) is False
        await pilot.press("a")
        await settle(pilot)
        assert notifications(app)[-1] == GONE
        assert app.screen.check_action("back", ()) is True
