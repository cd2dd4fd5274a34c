"""``q`` quits (interface.md's keys: everywhere): from the list, the detail and the report
screens the App ends with return code 0; typed into a text field it is just a letter; and a
``[keys]`` override moves quitting to another key."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.helpers import open_detail, settle, until


async def press_q_and_wait(pilot: Any) -> None:
    """Press ``q``, then wait until the App has been told to end."""
    await pilot.press("q")
    await until(lambda: pilot.app.return_code is not None, limit=5.0)


async def test_q_on_the_list_quits(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        assert app.return_code is None
        await press_q_and_wait(pilot)
        assert app.return_code == 0
        assert app._exit_renderables == []  # a plain quit, not an error's exit


async def test_q_on_the_detail_quits(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await open_detail(pilot, "school:r001")
        await press_q_and_wait(pilot)
        assert app.return_code == 0


@pytest.mark.parametrize("key", ["d", "h"])
async def test_q_quits_from_the_report_screens(make_app: Any, key: str) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        home = app.screen
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is not home  # the dashboard or the handover
        await press_q_and_wait(pilot)
        assert app.return_code == 0


@pytest.mark.parametrize("key", ["question_mark", "S"])
async def test_q_on_a_popup_closes_it_then_quits(make_app: Any, key: str) -> None:
    """The help and the remotes' states are popups that ``q`` closes (their own binding,
    as ``escape``); the next ``q`` quits."""
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        home = app.screen
        await pilot.press(key)
        await settle(pilot)
        assert app.screen is not home
        await pilot.press("q")
        await settle(pilot)
        assert app.screen is home and app.return_code is None
        await press_q_and_wait(pilot)
        assert app.return_code == 0


async def test_q_typed_in_the_search_is_a_letter(make_app: Any) -> None:
    from textual.widgets import Input

    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("slash", "q")
        await settle(pilot)
        assert app.return_code is None and app.is_running
        field = app.focused
        assert isinstance(field, Input) and field.value == "q"


async def test_a_key_override_moves_quit(make_app: Any) -> None:
    app = make_app(keys={"quit": "ctrl+x"})
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        await pilot.press("q")
        await settle(pilot)
        assert app.return_code is None  # q no longer quits
        await pilot.press("ctrl+x")
        await until(lambda: app.return_code is not None, limit=5.0)
        assert app.return_code == 0
