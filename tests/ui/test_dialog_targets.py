"""Where a comment or an edit goes when a sync changes its incident while it is being
written (over loopback HTTP to a Kitehouse emulator). Deleted on the remote: sending cannot
work, so the dialog stays open with the text, to copy, and says why; nothing is queued.
Created here and since sent: it goes to the incident under the remote's id."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input, TextArea

from incident_tui.emulators import EmulatorServer
from incident_tui.sync.engine import SyncEngine
from incident_tui.ui.draft_keeper import KEPT_NOTICE
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.edit import EditScreen
from tests.ui.helpers import live_app, notifications, open_detail, settle, synced, until

TYPED = "Long careful handover note"


async def deleted_meanwhile(pilot: Pilot[Any], kite: EmulatorServer, remote_id: str) -> None:
    """Delete the incident on the remote and sync until the cache no longer has it (the
    detail screen under the dialog reads it again after the pass)."""
    app = pilot.app
    emulator: Any = kite.emulator
    with emulator.lock:
        del emulator.incidents[remote_id]
        emulator.changed()
    app.runner.sync_now(["school"])  # type: ignore[attr-defined]
    await until(lambda: app.services.reader.detail(f"school:{remote_id}") is None)  # type: ignore[attr-defined]
    await pilot.pause()


async def test_a_comment_on_an_incident_deleted_meanwhile_stays_in_its_dialog(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    kite = serve("kitehouse")
    remote_id = str(kite.emulator.add("Boiler leak")["_id"])  # type: ignore[attr-defined]
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{remote_id}")
        await pilot.press("c", *TYPED)
        await deleted_meanwhile(pilot, kite, remote_id)

        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == TYPED
        assert notifications(app)[-1] == (
            "school 1001 was deleted on the remote: the comment cannot be sent. "
            "Your text stays here to copy; escape closes."
        )
        assert app.services.reader.outbox() == []
        # It cannot come back in a dialog: escape does not promise it will.
        await pilot.press("escape")
        assert isinstance(app.screen, DetailScreen)
        assert KEPT_NOTICE not in notifications(app)


async def test_an_edit_of_an_incident_deleted_meanwhile_stays_in_its_dialog(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    kite = serve("kitehouse")
    remote_id = str(kite.emulator.add("Boiler leak")["_id"])  # type: ignore[attr-defined]
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{remote_id}")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*", room 4")
        await deleted_meanwhile(pilot, kite, remote_id)

        await pilot.press("ctrl+s")
        await settle(pilot)

        assert isinstance(app.screen, EditScreen)
        assert app.screen.query_one("#form-title", Input).value == "Boiler leak, room 4"
        assert notifications(app)[-1] == (
            "school 1001 was deleted on the remote: the edit cannot be sent. "
            "Your text stays here to copy; escape closes."
        )
        assert app.services.reader.outbox() == []


async def test_escape_from_a_comment_on_an_incident_deleted_meanwhile_says_so_first(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    """Escape used to close with "Draft kept: it comes back when you open this again", of
    an incident no dialog can open again: the text was out of sight for good."""
    kite = serve("kitehouse")
    remote_id = str(kite.emulator.add("Boiler leak")["_id"])  # type: ignore[attr-defined]
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{remote_id}")
        await pilot.press("c", *TYPED)
        await deleted_meanwhile(pilot, kite, remote_id)

        await pilot.press("escape")
        await settle(pilot)

        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == TYPED
        assert notifications(app)[-1] == (
            "school 1001 was deleted on the remote: the comment cannot be sent. "
            "Your text stays here to copy; escape closes."
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert KEPT_NOTICE not in notifications(app)


async def test_escape_from_an_edit_of_an_incident_deleted_meanwhile_says_so_first(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    kite = serve("kitehouse")
    remote_id = str(kite.emulator.add("Boiler leak")["_id"])  # type: ignore[attr-defined]
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{remote_id}")
        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*", room 4")
        await deleted_meanwhile(pilot, kite, remote_id)

        await pilot.press("escape")
        await settle(pilot)

        assert isinstance(app.screen, EditScreen)
        assert app.screen.query_one("#form-title", Input).value == "Boiler leak, room 4"
        assert notifications(app)[-1] == (
            "school 1001 was deleted on the remote: the edit cannot be sent. "
            "Your text stays here to copy; escape closes."
        )
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert KEPT_NOTICE not in notifications(app)


async def test_escape_from_an_empty_comment_on_an_incident_deleted_meanwhile_closes(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    kite = serve("kitehouse")
    remote_id = str(kite.emulator.add("Boiler leak")["_id"])  # type: ignore[attr-defined]
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{remote_id}")
        await pilot.press("c")
        await settle(pilot)
        await deleted_meanwhile(pilot, kite, remote_id)

        await pilot.press("escape")
        await settle(pilot)

        assert isinstance(app.screen, DetailScreen)  # nothing written: nothing to lose
        assert not [n for n in notifications(app) if "cannot be sent" in n]


async def test_a_comment_on_an_incident_created_here_goes_to_it_once_its_remote_has_it(
    serve: Callable[..., EmulatorServer], tmp_path: Any
) -> None:
    kite = serve("kitehouse", sample=1)  # a create learns its category from one
    app = live_app(kite, "school", tmp_path, sync=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n", *"Gas smell", "ctrl+s")
        await settle(pilot)
        [local_id] = [c["incident_id"] for c in app.services.reader.outbox()]
        await open_detail(pilot, local_id)
        await pilot.press("c", *TYPED)
        # The create is sent while the comment is written: the incident takes the remote's id.
        engine = SyncEngine(app.services.settings)
        try:
            assert (await engine.sync(["school"])).ok
        finally:
            await engine.aclose()
        [remote_id] = app.services.reader.current_ids([local_id])
        assert remote_id != local_id

        await pilot.press("ctrl+s")
        await settle(pilot)

        assert not isinstance(app.screen, CommentScreen)
        assert [(c["incident_id"], c["op"]) for c in app.services.reader.outbox()] == [
            (remote_id, "comment")
        ]
