"""Hostile remote text: markup, escape sequences, bidi overrides and a 10,000-character title
reach the screen as literal, inert text, in the list, the detail and the comments."""

from __future__ import annotations

from typing import Any

from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.conftest import FORBIDDEN, HOSTILE_SHOWN, HOSTILE_TITLES
from tests.ui.helpers import cursor_to, incidents, screen_text, settle


def _clean_screen(text: str) -> None:
    for bad in FORBIDDEN:
        assert bad not in text, repr(bad)


async def _show_hostile_rows(pilot: Any) -> str:
    await settle(pilot)
    await pilot.press("end")  # the hostile incidents are the oldest
    await settle(pilot)
    return screen_text(pilot.app)


async def test_list_shows_hostile_titles_literally(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        text = await _show_hostile_rows(pilot)
        for _, shown in HOSTILE_TITLES.values():
            assert shown in text, shown
        assert "LONG xxxx" in text and "…" in text  # 10,000 characters, cut to the column
        _clean_screen(text)
        assert app.is_running and isinstance(app.screen, ListScreen)


async def test_clicking_a_markup_title_runs_nothing(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        await _show_hostile_rows(pilot)
        lines = screen_text(app).splitlines()
        row = next(i for i, line in enumerate(lines) if "[@click=app.quit]" in line)
        column = lines[row].index("[@click")
        await pilot.click(offset=(column + 2, row))
        await pilot.click(offset=(column + 2, row), times=2)
        await pilot.pause()
        assert app.is_running and isinstance(app.screen, ListScreen)


async def test_detail_and_comments_show_hostile_text_literally(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(120, 60)) as pilot:
        # Every hostile incident carries all payloads in its description, comments and remote
        # fields; two of them (markup, escape sequences) are enough to open here.
        for remote_id in ("h-click", "h-osc52"):
            shown = HOSTILE_TITLES[remote_id][1]
            await settle(pilot)
            await cursor_to(pilot, f"school:{remote_id}")
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
            text = screen_text(app)
            assert shown in text  # title
            for literal in HOSTILE_SHOWN:  # description and comment body
                assert text.count(literal) >= 2, literal
            assert "[b]mallory[/b]" in text  # comment author
            assert "[@click=app.quit]k" in text  # a remote field's name
            _clean_screen(text)
            await pilot.press("escape")
        assert app.is_running


async def test_ten_thousand_character_title(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "ops:h-long")
        row = incidents(app).cursor_row
        assert row is not None and row.title.startswith("LONG xxx") and len(row.title) <= 400
        await pilot.press("enter")
        await settle(pilot)
        text = screen_text(app)
        assert "LONG" in text and "xxxxxxxxxxxxxxxx" in text
        assert "(9,505 more" in text
        _clean_screen(text)
        await pilot.press("c")  # the comment dialog names the incident too
        await settle(pilot)
        assert "LONG xxxx" in screen_text(app)
        await pilot.press("escape", "escape")
        assert isinstance(app.screen, ListScreen)


async def test_status_line_error_text_is_literal(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(160, 24)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "HTTP 500 [/] upstream" in text
        _clean_screen(text)


async def test_comment_with_markup_is_stored_and_shown_verbatim(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 50)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "school:r005")
        await pilot.press("enter")
        await settle(pilot)
        await pilot.press("c", *"[b]x[/]")  # typed, then more set directly (faster)
        area = app.screen.query_one("#comment-body")
        area.insert(" [bold]x[/] [@click=app.quit]y[/]")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "[b]x[/] [bold]x[/] [@click=app.quit]y[/]" in screen_text(app)
        assert app.is_running
