"""The list screen: columns, marks, cursor, actions, selection, search, filter, sort."""

from __future__ import annotations

from typing import Any

import pytest

from incident_tui.domain.model import Status
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.conftest import REMOTES
from tests.ui.helpers import (
    cursor_to,
    incidents,
    notifications,
    press_apart,
    screen_text,
    settle,
)


def _status(db_path: Any, incident_id: str) -> tuple[str, int]:
    reader = Reader.open(db_path)
    try:
        detail = reader.detail(incident_id)
        assert detail is not None
        return detail.incident["status"], detail.incident["pending"]
    finally:
        reader.close()


async def test_list_shows_columns_newest_first_with_marks(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        lines = text.splitlines()
        assert "ID" in lines[1] and "SEV" in lines[1] and "TITLE" in lines[1]
        assert "REMOTE" in lines[1] and "AGE" in lines[1]
        assert "Database connection pool exhausted" in lines[2]  # newest first
        assert "42m" in lines[2]  # age from the injected clock
        assert "Incident number 2 on oncall" in lines[3]
        assert "↑ 1003" in text  # queued acknowledge: pending mark
        assert "! 1004" in text  # conflict mark
        assert "✗ 1010" in text  # refused change mark
        lst = incidents(app)
        assert lst.total == 37 and lst.exact
        assert "Incidents 1/37" in lines[0]


async def test_first_frame_already_has_the_columns_laid_out(make_app: Any) -> None:
    # The rows are set before the widget has a size; a layout kept from then drew the
    # first frame with every column squeezed and the whole list again a frame later.
    from textual.app import App

    app = make_app()
    frames: list[str] = []
    original = App._display

    def display(self: Any, screen: Any, renderable: Any) -> None:
        original(self, screen, renderable)
        if renderable is not None and hasattr(renderable, "render_segments"):
            frames.append(renderable.render_segments(self.console))

    App._display = display  # type: ignore[method-assign]
    try:
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
    finally:
        App._display = original  # type: ignore[method-assign]
    assert "Database connection pool exhausted" in frames[0]


async def test_status_line_shows_each_remote_and_queue(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        status = screen_text(app).splitlines()[-2]
        assert "2 queued" in status
        assert "status failing: HTTP 500 [/] upstream" in status
        assert "ops offline" in status
        assert "school ok at 11:56" in status
        assert "safety never synced" in status
        assert status.index("failing") < status.index("ok at")  # problems first


async def test_cursor_moves_and_pages(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await pilot.press("down", "down")
        assert lst.cursor == 2 and lst.cursor_row is not None
        assert lst.cursor_row.id == "status:r003"
        await pilot.press("up")
        assert lst.cursor == 1
        await pilot.press("pagedown")
        assert lst.cursor > 10
        await pilot.press("end")
        assert lst.cursor == lst.total - 1
        await pilot.press("home")
        assert lst.cursor == 0 and lst.scroll_y == 0


async def test_acknowledge_cursor_row_shows_pending_at_once(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "safety:r006")
        await pilot.press("a")
        await settle(pilot)
        row = incidents(app).cursor_row
        assert row is not None and row.id == "safety:r006"
        assert row.status == "acknowledged" and row.pending == 1
        assert _status(db_path, "safety:r006") == ("acknowledged", 1)
        assert any("acknowledged 1 incident" in n for n in notifications(app))


async def test_resolve_cursor_row(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "ops:r009")
        await pilot.press("r")
        await settle(pilot)
        assert _status(db_path, "ops:r009") == ("resolved", 1)
        assert "res" in screen_text(app).splitlines()[2 + incidents(app).cursor]


async def test_bulk_select_then_acknowledge(make_app: Any, db_path: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "safety:r006")
        await pilot.press("space", "down", "down", "space")  # r006 and r009 (space moves down)
        lst = incidents(app)
        assert lst.selected_ids == ["safety:r006", "ops:r009"]
        assert "2 selected" in screen_text(app).splitlines()[0]
        await pilot.press("a")
        await settle(pilot)
        assert _status(db_path, "safety:r006") == ("acknowledged", 1)
        assert _status(db_path, "ops:r009") == ("acknowledged", 1)
        assert lst.selected_ids == []  # a bulk action clears the selection


async def test_escape_clears_selection(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("space")
        assert incidents(app).selected_ids
        await pilot.press("escape")
        assert incidents(app).selected_ids == []


async def test_actions_greyed_out_by_remote_kind(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "oncall:r002")  # revily: no comments, no reopen, no edit
        screen = app.screen
        assert screen.check_action("comment", ()) is None
        assert screen.check_action("reopen", ()) is None
        assert screen.check_action("edit", ()) is None
        assert screen.check_action("acknowledge", ()) is True
        await press_apart(pilot, "c", "R")
        assert isinstance(app.screen, ListScreen)  # nothing opened, but the reason is given
        assert notifications(app)[-2:] == [
            "Revily incidents take no comments.",
            "Revily cannot reopen an incident.",
        ]
        await cursor_to(pilot, "school:r005")  # kitehouse can do all of it
        assert screen.check_action("comment", ()) is True


async def test_a_greyed_out_key_says_why_also_when_rebound(make_app: Any) -> None:
    app = make_app(keys={"comment": "ctrl+k"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "safety:r006")  # 4HSE: no comments
        await pilot.press("c", "slash", "c")  # c is unbound now; typed into search, no notice
        await settle(pilot)
        assert notifications(app) == []
        await pilot.press("escape", "escape")
        await cursor_to(pilot, "safety:r006")
        await pilot.press("ctrl+k")
        assert notifications(app) == ["4HSE incidents take no comments."]


async def test_search_as_you_type_and_escape_clears(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"databa")
        await settle(pilot)
        lst = incidents(app)
        assert lst.list_query.search == "databa"
        assert lst.total == 1
        assert "Database connection pool exhausted" in screen_text(app)
        await pilot.press("enter")  # keep the search, back to the list
        assert lst.has_focus and lst.list_query.search == "databa"
        await pilot.press("escape")
        await settle(pilot)
        assert lst.list_query.search == "" and lst.total == 37


async def test_search_matches_comments(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"restarted")
        await settle(pilot)
        lst = incidents(app)
        assert lst.total == 1 and lst.cursor_row is not None
        assert lst.cursor_row.id == "school:r001"


async def test_search_finds_an_incident_by_its_whole_id(make_app: Any) -> None:
    """The id as the list shows it (remote name, colon, number) finds that incident, also
    while it is being typed; another remote's name before the same number does not."""
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"school:r00")
        await settle(pilot)
        lst = incidents(app)
        rows = [lst.row_at(i) for i in range(lst.total)]
        assert rows and all(row is not None and row.id.startswith("school:r00") for row in rows)
        await pilot.press("1")
        await settle(pilot)
        assert lst.total == 1 and lst.cursor_row is not None
        assert lst.cursor_row.id == "school:r001"
        await pilot.press(*["backspace"] * 4, *"1001")  # its reference after the name
        await settle(pilot)
        assert lst.list_query.search == "school:1001" and lst.total == 1
        assert lst.cursor_row is not None and lst.cursor_row.id == "school:r001"
        await pilot.press(*["backspace"] * 11, *"ops:1001")
        await settle(pilot)
        assert lst.list_query.search == "ops:1001" and lst.total == 0


async def test_search_finds_a_whole_id_with_the_remote_name_in_another_case(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"School:r001")
        await settle(pilot)
        lst = incidents(app)
        assert lst.total == 1 and lst.cursor_row is not None
        assert lst.cursor_row.id == "school:r001"


async def test_filter_by_status(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        assert app.screen.__class__.__name__ == "FilterScreen"
        assert "▐ ▌ triggered" in screen_text(app)  # an unticked box is empty, not a dim X
        await pilot.press("space")  # tick "triggered" (first status)
        await pilot.pause()
        text = screen_text(app)
        assert "▐X▌ triggered" in text and "▐ ▌ acknowledged" in text
        await pilot.press("ctrl+s")
        await settle(pilot)
        lst = incidents(app)
        assert lst.list_query.statuses == frozenset({Status.TRIGGERED})
        rows = [lst.row_at(i) for i in range(lst.total)]
        assert rows and all(row is not None and row.status == "triggered" for row in rows)
        assert "status triggered" in screen_text(app).splitlines()[0]


async def test_filter_by_remote_and_cancel(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f", "tab", "tab", "space", "ctrl+s")  # first remote: oncall
        await settle(pilot)
        lst = incidents(app)
        assert lst.list_query.remotes == frozenset({"oncall"})
        assert all(lst.row_at(i).remote == "oncall" for i in range(lst.total))  # type: ignore[union-attr]
        await pilot.press("f", "space", "escape")  # cancelled: unchanged
        await settle(pilot)
        assert lst.list_query.statuses == frozenset()


async def test_filter_dialog_tells_apart_remotes_whose_names_start_alike(make_app: Any) -> None:
    # A big deployment names its remotes by place: at 80 columns the remote column, a third
    # of the dialog, showed both of these as "kitehouse-scho…".
    alike = [
        {"name": f"kitehouse-school-{side}", "kind": "kitehouse",
         "base_url": "http://127.0.0.1:9", "site_id": "s1"}
        for side in ("north", "south")
    ]
    app = make_app(remotes=[*REMOTES, *alike])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        text = screen_text(app)
        assert "kitehouse-school-north" in text and "kitehouse-school-south" in text, text
        assert "▐ ▌ acknowledged" in text and "▐ ▌ no severity" in text, text

async def test_sort_cycles(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("o")
        await settle(pilot)
        lst = incidents(app)
        assert lst.list_query.sort is Sort.OLDEST
        assert lst.cursor_row is not None and lst.cursor_row.id == "ops:h-long"
        await pilot.press("o")
        await settle(pilot)
        assert lst.list_query.sort is Sort.SEVERITY
        first = lst.row_at(0)
        assert first is not None and first.severity == "critical"


async def test_cursor_stays_on_incident_when_data_changes(make_app: Any, db_path: Any) -> None:
    from datetime import timedelta

    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents
    from incident_tui.ui.messages import IncidentsChanged
    from tests.ui.conftest import NOW, _incident

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "school:r005")
        lst = incidents(app)
        before = lst.cursor
        engine = make_engine(db_path)
        with session(engine) as s, s.begin():
            fresh = [
                _incident(90 + n, "ops", created_at=NOW - timedelta(minutes=n)) for n in range(3)
            ]
            upsert_incidents(s, fresh, NOW)
        engine.dispose()
        app.post_message(IncidentsChanged([i.id for i in fresh]))
        await settle(pilot)
        assert lst.total == 40
        assert lst.cursor_row is not None and lst.cursor_row.id == "school:r005"
        assert lst.cursor == before + 3


def _three_newest(db_path: Any) -> list[str]:
    """Commit three incidents newer than any in the list; their ids, newest first."""
    from datetime import timedelta

    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents
    from tests.ui.conftest import NOW, _incident

    fresh = [
        _incident(90 + n, "ops", created_at=NOW - timedelta(minutes=n), title=f"Arrival {n}")
        for n in range(3)
    ]
    engine = make_engine(db_path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, fresh, NOW)
    engine.dispose()
    return [i.id for i in fresh]


async def test_arrivals_show_at_the_top_of_a_view_at_the_top(
    make_app: Any, db_path: Any
) -> None:
    from incident_tui.ui.messages import IncidentsChanged

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await pilot.press("down")
        watched = lst.cursor_row
        assert watched is not None and lst.scroll_y == 0
        app.post_message(IncidentsChanged(_three_newest(db_path)))
        await settle(pilot)
        # The cursor stays on its incident; the view stays at the top, so the newest
        # incidents are the first lines on screen, not scrolled in out of sight above it.
        assert lst.cursor_row is not None and lst.cursor_row.id == watched.id
        assert lst.cursor == 4 and lst.scroll_y == 0
        lines = screen_text(app).splitlines()
        assert "Arrival 0" in lines[2] and "Arrival 2" in lines[4]
        assert watched.title in lines[6]


async def test_arrivals_above_a_scrolled_view_keep_the_cursor_line(
    make_app: Any, db_path: Any
) -> None:
    from incident_tui.ui.messages import IncidentsChanged

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await pilot.press("end")
        await settle(pilot)
        top, line = int(lst.scroll_y), lst.cursor - int(lst.scroll_y)
        watched = lst.cursor_row
        assert top > 0 and watched is not None
        app.post_message(IncidentsChanged(_three_newest(db_path)))
        await settle(pilot)
        # Reading further down, nothing moves under the reader's eyes.
        assert lst.cursor_row is not None and lst.cursor_row.id == watched.id
        assert int(lst.scroll_y) == top + 3 and lst.cursor - int(lst.scroll_y) == line


async def test_action_error_is_a_notification(make_app: Any, db_path: Any) -> None:
    import sqlite3

    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "school:r005")
        conn = sqlite3.connect(db_path)  # the incident vanishes under the user's feet
        conn.execute("UPDATE incident SET deleted_locally = 1 WHERE id = 'school:r005'")
        conn.commit()
        conn.close()
        await pilot.press("a")
        await settle(pilot)
        assert any("no incident" in n for n in notifications(app))
        assert app.is_running


async def test_new_incident(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        assert app.screen.__class__.__name__ == "NewIncidentScreen"
        await pilot.press(*"Printer")
        app.screen.query_one("#form-title").insert_text_at_cursor(" on fire")
        await pilot.press("ctrl+s")
        await settle(pilot)
        lst = incidents(app)
        row = lst.cursor_row
        assert row is not None and row.title == "Printer on fire"
        assert row.local_only and row.remote == "school" and row.label == "new"
        assert lst.total == 38


async def test_new_incident_needs_a_title(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", "ctrl+s")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "NewIncidentScreen"
        assert any("needs a title" in n for n in notifications(app))
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)


async def test_mouse_click_moves_cursor(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.click("#incidents", offset=(20, 3))
        assert incidents(app).cursor == 3


async def test_list_query_starts_unfiltered(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        assert incidents(app).list_query == ListQuery()


@pytest.mark.parametrize("touch", ["key", "click", "wheel"])
async def test_a_list_that_opened_empty_shows_the_newest_until_touched(
    make_settings: Any, tmp_path: Any, touch: str
) -> None:
    """A first sync fills an empty list page by page, often oldest first: the cursor stays
    on the newest row until the user presses a key, clicks or scrolls; from then on it keeps
    to its incident."""
    from datetime import timedelta

    from textual import events

    from incident_tui.clock import fixed_clock
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents
    from incident_tui.ui.app import make_app as factory
    from incident_tui.ui.messages import IncidentsChanged
    from tests.ui.conftest import NOW, _incident

    db = tmp_path / "empty.db"
    engine = make_engine(db)

    async def arrive(pilot: Any, numbers: range, hours_ago: int) -> None:
        batch = [
            _incident(n, "ops", created_at=NOW - timedelta(hours=hours_ago, minutes=n))
            for n in numbers
        ]
        with session(engine) as s, s.begin():
            upsert_incidents(s, batch, NOW)
        app.post_message(IncidentsChanged([i.id for i in batch]))
        await settle(pilot)

    app = factory(make_settings(db=db), clock=fixed_clock(NOW), db_path=db, sync=False,
                  cursor_blink=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        assert lst.total == 0
        await arrive(pilot, range(1, 4), hours_ago=48)  # the oldest page first
        await arrive(pilot, range(4, 7), hours_ago=1)  # then newer ones
        assert lst.total == 6
        assert lst.cursor == 0 and lst.cursor_row is not None
        assert lst.cursor_row.id == "ops:r004"  # the newest
        if touch == "key":
            await pilot.press("down")
        elif touch == "click":
            await pilot.click("#incidents", offset=(20, 1))
        else:
            lst.post_message(events.MouseScrollDown(lst, 20, 1, 0, 1, 0, False, False, False))
            await settle(pilot)
        chosen, row = lst.cursor_row, lst.cursor
        assert chosen is not None
        await arrive(pilot, range(7, 9), hours_ago=0)
        assert lst.cursor_row is not None and lst.cursor_row.id == chosen.id
        assert lst.cursor == row + 2
    engine.dispose()


async def test_a_new_4hse_incident_without_an_office_is_refused_in_the_dialog(
    make_app: Any,
) -> None:
    from textual.widgets import Select

    app = make_app()  # "safety" has a project (tenant_id) and no office configured
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = app.screen
        form.query_one("#form-remote", Select).value = "safety"
        await settle(pilot)
        await pilot.press(*"Slipped on stairs")
        await pilot.press("ctrl+s")
        await settle(pilot)
        # Not queued to be refused by the sync later: the dialog stays, and says why.
        assert app.screen is form
        assert any("4HSE creates every incident in an office" in n for n in notifications(app))
        assert not [row for row in app.services.reader.outbox("safety") if row["op"] == "create"]
