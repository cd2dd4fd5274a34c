"""New changes to an incident a sync found deleted on its remote (over loopback HTTP to a
Kitehouse emulator, with the App's own sync loop). The cache keeps it only while the changes
made before wait for an answer; a new one could never be sent: a comment or an edit stays in
its dialog with the text, a status change and a delete are refused, saying what to do; the
detail offers only the answers that can work (take theirs, discard), and discarding the last
change lets the incident go, back to the list."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Input, TextArea

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.edit import EditScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    notifications,
    open_detail,
    press_apart,
    screen_text,
    settle,
    synced,
    until,
)


def changes(app: Any) -> list[tuple[str, str, str]]:
    """The outbox: each change's incident, operation and state."""
    return [(c["incident_id"], c["op"], c["state"]) for c in app.services.reader.outbox()]


def words(app: Any) -> str:
    """The screen's words on one line (a dialog's text wraps inside its borders)."""
    return " ".join(screen_text(app).replace("│", " ").split())


async def test_new_changes_to_an_incident_deleted_on_the_remote_are_not_queued(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    gone = str(kite.add("Boiler leak")["_id"])
    kite.add("Still there")
    incident_id = f"school:{gone}"
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 2)
        await settle(pilot)
        with kite.lock:  # unseen by the cache: a Kitehouse listing never shows a deletion
            del kite.incidents[gone]
            kite.changed()
        await cursor_to(pilot, incident_id)
        await pilot.press("a")  # sent at once: the remote says it is gone
        await until(lambda: bool(app.services.reader.deleted_on_remote(incident_id)))
        await until(lambda: changes(app) == [(incident_id, "acknowledge", "failed")])
        await open_detail(pilot, incident_id)
        name = app.services.name_of(incident_id)

        await pilot.press("c", *"Late words", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "Late words"
        assert notifications(app)[-1] == (
            f"{name} was deleted on the remote: the comment cannot be sent. "
            "Your text stays here to copy; escape closes."
        )
        await press_apart(pilot, "escape")

        await pilot.press("e")
        await settle(pilot)
        await pilot.press(*", room 4", "ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, EditScreen)
        assert app.screen.query_one("#form-title", Input).value == "Boiler leak, room 4"
        assert notifications(app)[-1].startswith(
            f"{name} was deleted on the remote: the edit cannot be sent."
        )
        await press_apart(pilot, "escape")
        assert isinstance(app.screen, DetailScreen)

        await pilot.press("r")
        await until(lambda: "no change to it can be sent" in notifications(app)[-1])
        assert notifications(app)[-1] == (
            f"{name} was deleted on the remote, so no change to it can be sent: take theirs "
            "to let it go with the changes that wait, or discard them"
        )

        await press_apart(pilot, "delete")  # nothing left there to delete: not asked
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert notifications(app)[-1] == (
            f"{name} was deleted on the remote: there is nothing to delete there; take "
            "theirs to let it go with the changes that wait, or discard them."
        )
        assert changes(app) == [(incident_id, "acknowledge", "failed")]


async def test_the_answers_offered_on_an_incident_deleted_on_the_remote_can_work(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    gone = str(kite.add("Boiler leak")["_id"])
    kite.add("Still there")
    incident_id = f"school:{gone}"
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 2)
        await settle(pilot)
        await cursor_to(pilot, incident_id)
        kite.faults.add("drop", times=-1)  # offline: both wait to be sent
        await pilot.press("a", "c", *"Boiler room closed", "ctrl+s")
        await until(lambda: [c[1] for c in changes(app)] == ["acknowledge", "comment"])
        with kite.lock:
            del kite.incidents[gone]
            kite.changed()
        kite.faults.clear()
        await pilot.press("s")
        await until(lambda: bool(app.services.reader.deleted_on_remote(incident_id)))
        await until(lambda: [c[2] for c in changes(app)] == ["failed", "queued"])
        screen = await open_detail(pilot, incident_id)

        # Only the answers that can work: no keep mine, no retry.
        assert screen_text(app).splitlines()[1].strip() == (
            "Conflict: T take theirs  ·  Change refused: x discard"
        )
        for key, said in (("A", "cannot be sent again"), ("m", "cannot be sent: take")):
            await press_apart(pilot, key)
            await settle(pilot)
            assert app.screen is screen
            assert said in notifications(app)[-1] and "take theirs" in notifications(app)[-1]
        assert [c[2] for c in changes(app)] == ["failed", "queued"]

        await pilot.press("x")
        await settle(pilot)
        assert "it stays in the cache while its other changes wait" in words(app)
        assert "read again from the remote" not in words(app)
        await pilot.press("y")
        # The pass that follows sends the comment, refused in turn.
        await until(lambda: [c[1:] for c in changes(app)] == [("comment", "failed")])
        assert app.screen is screen and screen.detail is not None
        await settle(pilot)
        await pilot.press("x")
        await settle(pilot)
        assert "this is its last change: it goes from the cache" in words(app)
        await pilot.press("y")
        await until(lambda: app.services.reader.detail(incident_id) is None)
        await settle(pilot)
        # Back to the list, as taking theirs does, not a screen with nothing on it.
        assert isinstance(app.screen, ListScreen)
        assert changes(app) == []


async def test_an_incident_of_the_server_its_remote_pointed_at_before_says_so(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # It read as deleted on the remote, which nobody did: the remote now points elsewhere.
    from incident_tui.config import Settings
    from incident_tui.store.actions import Actions
    from incident_tui.sync.engine import SyncEngine

    before = serve("kitehouse")
    after = serve("kitehouse")
    old: Any = before.emulator
    incident_id = f"school:{old.add('Boiler leak')['_id']}"
    settings = Settings(db=tmp_path / "cache.db", remotes=[old.remote_config("school")])
    engine = SyncEngine(settings)
    try:
        assert (await engine.sync()).ok
    finally:
        await engine.aclose()
    actions = Actions.open(tmp_path / "cache.db")
    actions.acknowledge([incident_id])
    actions.engine.dispose()

    app = live_app(after, "school", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        reader = app.services.reader
        await until(lambda: synced(app) and bool(reader.deleted_on_remote(incident_id)))
        assert changes(app) == [(incident_id, "acknowledge", "failed")]
        await settle(pilot)
        await open_detail(pilot, incident_id)
        shown = words(app)
        assert "Remote not on the system it now points at" in shown
        assert "its remote now points at another system, which does not have it" in shown
        assert "deleted on the remote" not in shown
        await press_apart(pilot, "A")
        await settle(pilot)
        assert notifications(app)[-1] == (
            "This incident is not on the system its remote now points at, so a refused change "
            "of it cannot be sent again: take theirs to let it go, or discard the change."
        )
