"""A text box holding a very long line (a 1 MB one-word description, a huge paste) does not
wrap it: Textual wraps the whole line again at every key, which took 3-4 s a key. The dialog
says so beside the box, and the box wraps again once no line is that long."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual import events
from textual.widgets import Label

from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.edit import EditScreen
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from incident_tui.ui.widgets.text_box import LONG_LINE, WRAP_OFF_NOTE, TextBox
from tests.ui.helpers import live_app, open_detail, settle, synced, until

BIG = "B" * (1 << 20)


def label(screen: Any) -> str:
    """The description field's label as shown."""
    return str(screen.query_one("#form-description-label", Label).render())


async def test_a_one_megabyte_description_is_edited_unwrapped(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    emulator: Any = server.emulator
    rid = str(emulator.add("Log pasted whole", description=BIG)["_id"])
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{rid}")
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, EditScreen)
        box = form.query_one("#form-description", TextBox)
        # One row: wrapped at the box's width it was ~11,000, all laid out again per key.
        assert not box.soft_wrap and box.wrapped_document.height == 1
        assert WRAP_OFF_NOTE in label(form)
        box.focus()
        await pilot.press("x")
        assert box.text == BIG + "x" and box.wrapped_document.height == 1
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("s")  # sent as typed
        await until(lambda: emulator.incident(rid)["description"] == BIG + "x")


async def test_a_short_description_still_wraps(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("e")
        await settle(pilot)
        box = app.screen.query_one("#form-description", TextBox)
        box.text = "word " * (LONG_LINE // 5)  # one line of LONG_LINE characters
        await pilot.pause()
        assert box.soft_wrap and box.wrapped_document.height > 1
        assert WRAP_OFF_NOTE not in label(app.screen)


async def test_a_huge_paste_in_a_comment_stops_wrapping_until_undone(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        box = app.screen.query_one(TextBox)
        await pilot.press(*"see:")
        app.post_message(events.Paste(BIG))
        await until(lambda: len(box.text) > len(BIG))
        await pilot.pause()
        assert not box.soft_wrap and box.wrapped_document.height == 1
        assert box.border_subtitle == WRAP_OFF_NOTE
        await pilot.press("ctrl+z")
        await pilot.pause()
        assert box.text == "see:" and box.soft_wrap and not box.border_subtitle


async def test_the_new_incident_dialog_does_not_wrap_a_huge_description(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        box = form.query_one("#form-description", TextBox)
        box.focus()
        app.post_message(events.Paste(BIG))
        await until(lambda: box.text == BIG)
        await pilot.pause()
        assert not box.soft_wrap and box.wrapped_document.height == 1
        assert WRAP_OFF_NOTE in label(form)
        # Deleted down to LONG_LINE characters, it wraps again.
        box.delete((0, 0), (0, len(BIG) - LONG_LINE))
        await pilot.pause()
        assert box.soft_wrap and box.wrapped_document.height > 1
        assert WRAP_OFF_NOTE not in label(form)
