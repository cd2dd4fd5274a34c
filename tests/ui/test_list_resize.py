"""A terminal made smaller (a resized SSH window) keeps the list's cursor on screen: the
action keys act on the cursor's incident, which must be one the user sees."""

from __future__ import annotations

from typing import Any

from tests.ui.helpers import incidents, settle


async def test_the_cursor_stays_in_view_when_the_terminal_shrinks(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await pilot.press("home", *["down"] * 19)
        await settle(pilot)
        assert lst.cursor == 19
        for width, height in ((80, 18), (60, 14), (80, 24)):
            await pilot.resize_terminal(width, height)
            await settle(pilot)
            top = int(lst.scroll_y)
            shown = lst.scrollable_content_region.height
            assert top <= lst.cursor < top + shown, (width, height, top, shown)
        assert lst.cursor == 19
