"""Keys that act on the right incidents and say why when they cannot.

With a selection, reopen and delete take the selection (never the unselected row that
``space`` moved the cursor onto), comment and edit take a selection of one and refuse a
larger one; only ``y`` confirms what throws something away (enter, pressed by reflex, does
not); a bound key that does not apply to the incident in view says why.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.choose import ChooseScreen
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.confirm import ConfirmScreen, DeletePreviewScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.edit import EditScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.conftest import NOW
from tests.ui.helpers import (
    cursor_to,
    incidents,
    notifications,
    open_detail,
    press_apart,
    screen_text,
    settle,
)


def status_of(db_path: Path, incident_id: str) -> str | None:
    """The incident's cached status; ``None`` once it is deleted."""
    reader = Reader.open(db_path)
    try:
        detail = reader.detail(incident_id)
        return None if detail is None else str(detail.incident["status"])
    finally:
        reader.close()


async def select(pilot: Any, *ids: str) -> None:
    """Select each incident as a user does: cursor onto it, ``space`` (which moves down)."""
    for incident_id in ids:
        await cursor_to(pilot, incident_id)
        await pilot.press("space")
    await settle(pilot)


# Selection ----------------------------------------------------------------------------------


async def test_reopen_takes_the_selection_not_the_cursor(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Two resolved incidents and an acknowledged one; space leaves the cursor on
        # safety:r011, resolved and not selected.
        await select(pilot, "school:r005", "status:r008", "school:r010")
        assert incidents(app).cursor_row.id == "safety:r011"  # type: ignore[union-attr]
        await pilot.press("R")
        await settle(pilot)
        assert status_of(db_path, "safety:r011") == "resolved"  # the cursor's row: untouched
        assert status_of(db_path, "school:r005") == "triggered"
        assert status_of(db_path, "status:r008") == "triggered"
        assert status_of(db_path, "school:r010") == "acknowledged"  # not resolved: left alone
        assert incidents(app).selected_ids == []
        assert any("Queued: reopened 2 incidents" in n for n in notifications(app))


async def test_acknowledging_a_resolved_incident_says_which_key_reopens_it(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "school:r005")  # resolved
        await pilot.press("a")
        await settle(pilot)
        assert status_of(db_path, "school:r005") == "resolved"
        assert any(
            "school 1005 is resolved; reopen it first (R reopens)" in n
            for n in notifications(app)
        )


async def test_acknowledging_a_resolved_revily_incident_offers_no_reopen(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "oncall:r002")  # resolved, on Revily: final
        await pilot.press("a")
        await settle(pilot)
        assert status_of(db_path, "oncall:r002") == "resolved"
        refused = [n for n in notifications(app) if "oncall 1002 is resolved" in n]
        assert refused == [
            "oncall 1002 is resolved, which is final on Revily (it cannot reopen an "
            "incident); nothing to acknowledge"
        ]


async def test_notices_name_incidents_left_alone_as_the_list_does(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        # Three resolved ones: acknowledging none of them is allowed; two reasons are given.
        await select(pilot, "school:r005", "status:r008", "safety:r011")
        await pilot.press("a")
        await settle(pilot)
        refused = [n for n in notifications(app) if "reopen it first" in n]
        assert refused == [
            "school 1005 is resolved; reopen it first; status 1008 is resolved; reopen it "
            "first; and 1 more (R reopens)"
        ]
        # Reopening one resolved and one acknowledged: the notice names the one left alone.
        await pilot.press("escape")
        await select(pilot, "school:r005", "school:r010")
        await pilot.press("R")
        await settle(pilot)
        assert status_of(db_path, "school:r005") == "triggered"
        assert any(
            "1 left alone: school 1010 is not resolved (acknowledged); nothing to reopen" in n
            for n in notifications(app)
        )


async def test_reopen_leaves_out_the_kinds_that_cannot(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "oncall:r017", "school:r020")  # Revily cannot reopen
        await pilot.press("R")
        await settle(pilot)
        assert status_of(db_path, "school:r020") == "triggered"
        assert status_of(db_path, "oncall:r017") == "resolved"
        assert "1 selected incident left out: Revily cannot reopen an incident." in (
            notifications(app)
        )


async def test_a_selection_the_search_hides_is_acted_on_only_after_a_question(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "safety:r006", "ops:r009")  # both triggered
        await pilot.press("slash", *"number 12", "enter")  # leaves oncall:r012 alone in view
        await settle(pilot)
        assert [incidents(app).row_at(0).id] == ["oncall:r012"]  # type: ignore[union-attr]
        # What the keys act on stays in sight at 80 columns, before the search.
        assert "2 selected  ·  search 'number 12'" in screen_text(app).splitlines()[0]
        await pilot.press("r")
        await settle(pilot)
        assert type(app.screen) is ConfirmScreen
        text = screen_text(app)
        assert "Resolve 2 selected incidents?" in text
        assert "None of them is in the list as it is now" in text
        await pilot.press("n")
        await settle(pilot)
        assert status_of(db_path, "safety:r006") == "triggered"
        assert incidents(app).selected_ids == ["safety:r006", "ops:r009"]
        await pilot.press("r")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        assert status_of(db_path, "safety:r006") == "resolved"
        assert status_of(db_path, "ops:r009") == "resolved"
        assert status_of(db_path, "oncall:r012") == "triggered"  # the row in view: untouched
        assert incidents(app).selected_ids == []


async def test_a_selection_partly_hidden_says_how_much_is_hidden(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "safety:r006", "oncall:r012")
        await pilot.press("slash", *"number 12", "enter")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        text = screen_text(app)
        assert "Acknowledge 2 selected incidents?" in text
        assert "1 of them is not in the list as it is now" in text


async def test_delete_takes_the_selection_after_one_question(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "school:r005", "oncall:r007")  # the cursor ends on status:r008
        await pilot.press("delete")
        dialog = app.screen
        assert type(dialog) is ConfirmScreen
        text = screen_text(app)
        assert "Delete 2 incidents?" in text
        # Named as the list names them (the remote and its short id).
        assert "school 1005" in text and "oncall 1007" in text and "status 1008" not in text
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and status_of(db_path, "school:r005") is not None
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert status_of(db_path, "school:r005") is None
        assert status_of(db_path, "oncall:r007") is None
        assert status_of(db_path, "status:r008") is not None
        assert incidents(app).selected_ids == []


async def test_delete_of_a_selection_with_4hse_shows_the_preview(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await select(pilot, "school:r005", "safety:r006")
        await pilot.press("delete")
        assert isinstance(app.screen, DeletePreviewScreen)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen) and len(incidents(app).selected_ids) == 2


@pytest.mark.parametrize("key", ["c", "e"])
async def test_one_incident_actions_refuse_a_larger_selection(make_app: Any, key: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "school:r005", "school:r010")
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)  # nothing opened for the cursor's row
        word = "Comment" if key == "c" else "Edit"
        assert notifications(app)[-1] == (
            f"{word} acts on one incident and 2 are selected; escape clears the selection."
        )


@pytest.mark.parametrize(("key", "screen"), [("c", CommentScreen), ("e", EditScreen)])
async def test_one_incident_actions_take_a_selection_of_one(
    make_app: Any, key: str, screen: type
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await select(pilot, "school:r005")  # the cursor moves on to safety:r006
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, screen)
        assert app.screen.incident_id == "school:r005"


# Enter never confirms -----------------------------------------------------------------------


async def test_enter_does_not_delete_from_the_list(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "oncall:r002")
        await pilot.press("delete", "enter")
        await settle(pilot)
        assert type(app.screen) is ConfirmScreen
        assert status_of(db_path, "oncall:r002") is not None
        assert "y yes · n no" in screen_text(app)


async def test_enter_does_not_confirm_the_4hse_preview(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "safety:r006")
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, DeletePreviewScreen)
        await settle(pilot)
        assert not dialog.waiting  # the test config has no credentials: preview unavailable
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and status_of(db_path, "safety:r006") is not None


async def test_enter_does_not_delete_a_comment(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_detail(pilot, "school:r001")
        before = len(screen.detail.comments)
        await pilot.press("C")
        assert isinstance(app.screen, ChooseScreen)
        await pilot.press("enter")  # enter picks in a list: that is no deletion yet
        assert type(app.screen) is ConfirmScreen
        await pilot.press("enter")
        await settle(pilot)
        assert type(app.screen) is ConfirmScreen
        reader = Reader.open(db_path)
        try:
            assert len(reader.detail("school:r001").comments) == before  # type: ignore[union-attr]
        finally:
            reader.close()


async def test_enter_does_not_delete_an_attachment(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r001")  # one attachment: no picker
        await pilot.press("X", "enter")
        await settle(pilot)
        assert type(app.screen) is ConfirmScreen
        reader = Reader.open(db_path)
        try:
            assert len(reader.detail("school:r001").attachments) == 1  # type: ignore[union-attr]
        finally:
            reader.close()


# Keys that do not apply say why -------------------------------------------------------------


async def test_kind_specific_keys_say_why_on_4hse(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "safety:r006")
        for key, reason in (
            ("D", "4HSE incidents have no files to download."),
            ("u", "4HSE does not let files be attached."),
            ("p", "4HSE has no PDF report of an incident."),
            ("X", "4HSE does not let attachments be deleted."),
            ("t", "4HSE incidents have no custom attributes."),
            ("C", "4HSE does not let comments be deleted."),
        ):
            await press_apart(pilot, key)
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen), key
            assert notifications(app)[-1] == reason, key


async def test_attachment_keys_on_oneuptime_say_what_it_does_not_let_be_done(
    make_app: Any, db_path: Path
) -> None:
    # A postmortem file is listed: "take no attachments" would contradict the screen.
    from incident_tui.domain.model import Attachment
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents
    from tests.ui.conftest import sample_incidents

    incident = next(i for i in sample_incidents() if i.id == "status:r008")
    incident.attachments = [Attachment("f1", "INC-8-postmortem.md", "text/markdown")]
    engine = make_engine(db_path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, [incident], NOW, reread=True)  # files move no version
    engine.dispose()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "status:r008")
        assert isinstance(app.screen, DetailScreen) and app.screen.detail is not None
        assert [a["name"] for a in app.screen.detail.attachments] == ["INC-8-postmortem.md"]
        for key, reason in (
            ("X", "OneUptime does not let attachments be deleted."),
            ("u", "OneUptime does not let files be attached."),
        ):
            await press_apart(pilot, key)
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen), key
            assert notifications(app)[-1] == reason, key


async def test_attachment_keys_say_why_when_there_is_nothing(
    make_app: Any, db_path: Path, tmp_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")  # Kitehouse, no attachments, no comments
        await press_apart(pilot, "D")
        await settle(pilot)
        assert notifications(app)[-1] == "This incident has no attachments."
        await press_apart(pilot, "X")
        await settle(pilot)
        assert notifications(app)[-1] == "This incident has no attachments."
        await press_apart(pilot, "C")
        await settle(pilot)
        assert notifications(app)[-1] == "This incident has no comments."
        # A queued upload is no file on the remote yet.
        upload = tmp_path / "photo.jpg"
        upload.write_bytes(b"jpeg")
        actions = Actions.open(db_path, clock=fixed_clock(NOW))
        actions.attach("school:r005", upload, "image/jpeg")
        actions.engine.dispose()
        app.screen.load()
        await settle(pilot)
        await press_apart(pilot, "D")
        await settle(pilot)
        assert notifications(app)[-1] == "No attachment of this incident is on the remote yet."
        assert isinstance(app.screen, DetailScreen)
