"""A text box holding a very long line (a 1 MB one-word description, a huge paste) does not
wrap it: Textual wraps the whole line again at every key, which took 3-4 s a key. The dialog
says so beside the box, and the box wraps again once no line is that long."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.document._wrapped_document import WrappedDocument
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


async def test_undo_and_redo_bring_back_a_huge_line_unwrapped(
    make_app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Undo of the huge line's deletion, and redo of its paste, put it back while the box
    # wrapped: wrapping it once kept the keys waiting 2-3 s. Counted here: the longest line
    # of the text each time the box wraps (part of) it.
    wrapped: list[int] = []
    real_wrap_range = WrappedDocument.wrap_range

    def wrap_range(document: WrappedDocument, *args: Any, **kwargs: Any) -> None:
        if document._width:
            wrapped.append(max(map(len, document.document.lines)))
        real_wrap_range(document, *args, **kwargs)

    monkeypatch.setattr(WrappedDocument, "wrap_range", wrap_range)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("c")
        await settle(pilot)
        box = app.screen.query_one(TextBox)
        await pilot.press(*"see:")
        app.post_message(events.Paste(BIG))
        await until(lambda: box.text == "see:" + BIG)
        box.select_all()
        await pilot.press("backspace")
        await pilot.pause()
        assert box.text == "" and box.soft_wrap and not box.border_subtitle
        await pilot.press("ctrl+z")  # the deletion undone: the line is back
        await pilot.pause()
        assert box.text == "see:" + BIG and not box.soft_wrap
        assert box.border_subtitle == WRAP_OFF_NOTE
        await pilot.press("ctrl+z")  # the paste undone
        await pilot.pause()
        assert box.text == "see:" and box.soft_wrap
        await pilot.press("ctrl+y")  # and done again
        await pilot.pause()
        assert box.text == "see:" + BIG and not box.soft_wrap
        assert box.border_subtitle == WRAP_OFF_NOTE
        # What was typed was wrapped, the huge line never.
        assert wrapped and max(wrapped) <= LONG_LINE
