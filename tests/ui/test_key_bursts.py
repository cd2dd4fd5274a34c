"""Keys that arrive in one burst, as a slow SSH link delivers them, each go where they would
have gone typed one by one: a key that opens a dialog or moves focus takes effect before
the keys behind it are routed."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, ClassVar

from textual import events
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Input, TextArea

from incident_tui.ui.key_gate import KeyGate
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from tests.ui.helpers import (
    SETTLE_LIMIT,
    cursor_to,
    incidents,
    notifications,
    open_detail,
    settle,
)


async def burst(pilot: Any, *keys: str) -> None:
    """Post ``keys`` to the app all at once (Pilot's ``press`` waits after each key, which
    hides the problem), then wait until every one has been handled."""
    app = pilot.app
    for key in keys:
        app.post_message(events.Key(key, key if len(key) == 1 else None))
    for _ in range(200):
        await pilot.pause()
        if not app.key_gate.pending:
            break
    else:
        raise AssertionError(f"{app.key_gate.pending} keys still not handled")
    if hasattr(app, "services"):  # the app under test, not the bare one below
        await settle(pilot)


async def test_text_typed_right_after_the_comment_key_lands_in_the_comment(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await burst(pilot, "c", *"Gate 4 open")
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "Gate 4 open"


async def test_tab_in_a_burst_moves_the_rest_to_the_next_field(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await burst(pilot, "n", *"Gas", "tab", *"Boiler")
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        assert form.query_one("#form-title", Input).value == "Gas"
        assert form.query_one("#form-description", TextArea).text == "Boiler"


async def test_a_burst_of_cursor_keys_loses_none(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        lst.move_cursor(0)
        await burst(pilot, *["down"] * 7, "up")
        assert lst.cursor == 6


class Recorder(Widget, can_focus=True):
    """Logs the keys it gets; ``x`` is handled only once the test lets it finish."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: list[str] = []
        self.finish_x = asyncio.Event()

    async def on_key(self, event: events.Key) -> None:
        self.seen.append(event.key)
        if event.key == "x":
            await self.finish_x.wait()


class SlowScreen(Screen[None]):
    """A screen whose mounting goes on until the test says it is built: how a form opens on
    a loaded machine, stretched."""

    def __init__(self) -> None:
        super().__init__()
        self.built = asyncio.Event()

    def compose(self) -> ComposeResult:
        yield Input(id="slow-input")

    async def on_mount(self) -> None:
        await self.built.wait()
        self.query_one(Input).focus()


class GatedApp(App[None]):
    """The smallest app that routes keys through a gate; ``o`` opens a slow screen."""

    BINDINGS: ClassVar[list[BindingType]] = [("o", "open", "Open")]

    def __init__(self, *, hold_limit: float = 0.05, ready_limit: float = 10.0) -> None:
        super().__init__()
        self.key_gate = KeyGate(self, hold_limit=hold_limit, ready_limit=ready_limit)
        self.slow = SlowScreen()

    def compose(self) -> ComposeResult:
        yield Recorder()

    async def on_event(self, event: events.Event) -> None:
        await self.key_gate.handle(event, super().on_event)

    def action_open(self) -> None:
        self.push_screen(self.slow)


async def until(done: Callable[[], bool], what: str) -> None:
    """Wait until ``done()``; fail naming ``what`` if it takes past any plausible delay
    (a limit against hanging, not a speed requirement).

    Not ``pilot.pause``: that waits for every widget of the screen, and these tests keep
    one busy on purpose."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + SETTLE_LIMIT
    while not done():
        if loop.time() > deadline:
            raise AssertionError(f"still waiting after {SETTLE_LIMIT:g}s: {what}")
        await asyncio.sleep(0.01)


def post(app: App[Any], *keys: str) -> None:
    for key in keys:
        app.post_message(events.Key(key, key))


async def test_a_busy_handler_holds_the_next_keys_no_longer_than_the_limit() -> None:
    app = GatedApp()
    async with app.run_test() as pilot:
        recorder = app.query_one(Recorder)
        recorder.focus()
        await pilot.pause()
        post(app, "x", "y", "z")
        try:
            await until(lambda: recorder.seen == ["x"], "x being handled")
            # x is not finished, yet y and z were let through (past the limit the gate
            # stops waiting; they queue behind x in the widget, as without a gate).
            await until(lambda: app.key_gate.pending == 0, "y and z let through")
            assert recorder.seen == ["x"]
        finally:
            recorder.finish_x.set()
        await until(lambda: len(recorder.seen) == 3, "y and z handled")
        assert recorder.seen == ["x", "y", "z"]  # in order, none lost


async def test_keys_behind_a_key_that_opens_a_screen_wait_until_it_is_ready() -> None:
    app = GatedApp()
    async with app.run_test() as pilot:
        app.query_one(Recorder).focus()
        await pilot.pause()
        post(app, "o", "a", "b")
        try:
            await until(
                lambda: app.screen is app.slow and len(app.key_gate.held) == 2,
                "the slow screen pushed, a and b held",
            )
            # Building the screen takes many times the hold limit: the keys still wait.
            await asyncio.sleep(app.key_gate.hold_limit * 10)
            assert len(app.key_gate.held) == 2
        finally:
            app.slow.built.set()
        await until(lambda: app.key_gate.pending == 0, "a and b routed")
        await pilot.pause()
        assert app.slow.query_one(Input).value == "ab"
        assert app.query_one(Recorder).seen == ["o"]  # none of the keys typed for the screen


async def test_keys_behind_a_screen_that_never_gets_ready_go_on_after_the_cap() -> None:
    app = GatedApp(ready_limit=0.2)
    async with app.run_test() as pilot:
        app.query_one(Recorder).focus()
        await pilot.pause()
        post(app, "o", "a", "b")
        try:
            await until(lambda: app.screen is app.slow, "the slow screen pushed")
            # a goes on (to the app, which routes it once it is free again, as it would
            # without the gate): the gate gave up waiting, the screen is not ready.
            await until(lambda: len(app.key_gate.held) < 2, "a let through")
            assert not app.slow.is_mounted
        finally:
            app.slow.built.set()
        await until(lambda: app.key_gate.pending == 0, "a and b routed")
        await pilot.pause()
        assert app.slow.query_one(Input).value == "ab"  # in order, none lost


async def test_a_paste_right_after_the_comment_key_lands_in_the_comment(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        app.post_message(events.Key("c", "c"))
        app.post_message(events.Paste("Valve [b]7[/b] closed"))
        await burst(pilot, *" by ops")
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "Valve [b]7[/b] closed by ops"


async def test_keys_after_a_closing_dialog_go_to_the_screen_below_then_the_next_dialog(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        # Escape closes the dialog (its draft is kept); c opens it again with the draft.
        await burst(pilot, "c", *"Hi", "escape", "c", *"!")
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "Hi!"
        assert app.key_gate.pending == 0


async def on_a_4hse_row(pilot: Any) -> Callable[[], bool]:
    """Put the list cursor on a 4HSE incident (no comments there); returns whether that
    incident's status and the outbox are still as they were then."""
    await settle(pilot)
    await cursor_to(pilot, "safety:r006")
    reader = pilot.app.services.reader
    before = reader.detail("safety:r006").incident["status"], reader.outbox()
    return lambda: (reader.detail("safety:r006").incident["status"], reader.outbox()) == before


async def test_keys_typed_after_a_refused_key_are_not_run_as_commands(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        unchanged = await on_a_4hse_row(pilot)
        # The comment meant for a dialog that 4HSE does not have: "r" would resolve the
        # incident under the cursor and "q" quit, had they been routed to the list.
        await burst(pilot, "c", *"rq ok")
        assert app.is_running
        assert unchanged()
        assert any(n.endswith("incidents take no comments.") for n in notifications(app))
        await until_notified(pilot, "The 5 keys typed after c went unused.")


async def until_notified(pilot: Any, text: str, limit: float = 5.0) -> None:
    """Wait until a notification says ``text``."""
    deadline = asyncio.get_running_loop().time() + limit
    while text not in notifications(pilot.app):
        assert asyncio.get_running_loop().time() < deadline, notifications(pilot.app)
        await asyncio.sleep(0.05)


TYPING_PAUSE = 3.0
"""Seconds without a key that end a run of typing, in the test of typing speed: a key handled
in the test's 0.15 s steps never comes that late, however busy the machine."""


async def test_text_typed_at_typing_speed_after_a_refused_key_is_not_run_as_commands(
    make_app: Any,
) -> None:
    # Not a burst: each key is handled before the next arrives, as when someone types on
    # at once, not looking up, or a link delivers keys as typed.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        unchanged = await on_a_4hse_row(pilot)
        queued = len(app.services.reader.outbox())
        # Each key below comes 0.15 s after the one before was handled; on a loaded machine
        # handling one can take most of the app's second, and the typing would look paused.
        app.key_gate.typing_gap = TYPING_PAUSE
        await pilot.press("c")
        for key in "all clear":
            await asyncio.sleep(0.15)
            await pilot.press(key if key != " " else "space")
        await settle(pilot)
        assert unchanged()
        assert incidents(app).selected_ids == []  # space selects nothing either
        await until_notified(pilot, "The 9 keys typed after c went unused.", limit=15.0)
        # After a pause, a key is a command again.
        await pilot.press("a")
        await settle(pilot)
        assert len(app.services.reader.outbox()) == queued + 1
