"""Drafts written on an incident created here, before its create reached the remote (over
loopback HTTP to a Kitehouse emulator): once the incident takes the remote's id, the comment
and edit dialogs opened under that id bring them back, whether the detail followed the
incident live or the TUI was closed while another process sent the create."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, TextArea

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.cli import main
from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import Reader
from incident_tui.ui.drafts import Drafts, drafts_path
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.edit import EditScreen
from incident_tui.ui.widgets.comment_pages import CommentPages
from tests.ui.helpers import incidents, live_app, notifications, open_detail, settle, synced, until

NOTE = "half written note"
TITLE = "Gas smell in lab 2B"


def _kept(db_path: Path) -> dict[str, Any]:
    path = drafts_path(db_path)
    return json.loads(path.read_text()) if path.exists() else {}


def _db(app: Any) -> Path:
    """The App's cache file."""
    return Path(app.services.db_path)


async def _drafts_on_an_offline_create(pilot: Any, app: Any, kite: Any) -> str:
    """Create an incident with the remote out of reach, and leave a comment and an edit of
    it as drafts; its local id."""
    await until(lambda: synced(app) and incidents(app).total == 1)
    await settle(pilot)
    kite.faults.add("drop", times=-1)
    await pilot.press("n", *"Gas smell in lab 2", "ctrl+s")
    await settle(pilot)
    [local_id] = [c["incident_id"] for c in app.services.reader.outbox() if c["op"] == "create"]
    await open_detail(pilot, local_id)
    await pilot.press("c", *NOTE, "escape")
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, EditScreen)
    app.screen.query_one("#form-title", Input).value = TITLE
    await pilot.pause()
    await pilot.press("escape")
    await settle(pilot)
    assert set(_kept(_db(app))) == {f"comment:{local_id}", f"edit:{local_id}"}
    return str(local_id)


async def _both_come_back(pilot: Any, app: Any, remote_id: str) -> None:
    """The edit and comment dialogs on ``remote_id`` bring the drafts back; the comment is
    sent, and only the edit's draft stays, under the remote's id."""
    await pilot.press("e")
    await settle(pilot)
    assert isinstance(app.screen, EditScreen)
    assert app.screen.query_one("#form-title", Input).value == TITLE
    await pilot.press("escape")
    await pilot.press("c")
    await pilot.pause()
    assert isinstance(app.screen, CommentScreen)
    assert app.screen.query_one(TextArea).text == NOTE
    assert "Your unsent comment is back." in notifications(app)
    await pilot.press("ctrl+s")
    await settle(pilot)
    assert set(_kept(_db(app))) == {f"edit:{remote_id}"}


async def test_drafts_follow_the_detail_to_the_remote_id(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    kite.add("Existing one")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        local_id = await _drafts_on_an_offline_create(pilot, app, kite)
        screen = app.screen

        kite.faults.clear()  # back: the next pass sends the create
        await pilot.press("s")
        await until(lambda: screen.incident_id != local_id)
        await until(lambda: not app.services.reader.outbox())
        await settle(pilot)
        remote_id = screen.incident_id

        await _both_come_back(pilot, app, remote_id)
        await until(lambda: not app.services.reader.outbox())  # the comment reached it
        await settle(pilot)
        assert NOTE in screen.query_one("#detail-comments", CommentPages).content.plain


async def test_drafts_are_found_under_the_remote_id_after_a_restart(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    kite.add("Existing one")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        local_id = await _drafts_on_an_offline_create(pilot, app, kite)

    # The TUI is closed; a sync from the command line sends the create meanwhile.
    kite.faults.clear()
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([kite.remote_config("school")]))
    db = tmp_path / "cache.db"
    assert await asyncio.to_thread(main, ["--db", str(db), "sync", "--once"]) == 0
    reader = Reader.open(db)
    [remote_id] = reader.current_ids([local_id])
    reader.close()
    assert remote_id != local_id

    again = live_app(server, "school", tmp_path, sync=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, remote_id)
        await _both_come_back(pilot, again, remote_id)


async def test_a_draft_under_both_ids_comes_back_as_one(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    kite.add("Existing one")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        local_id = await _drafts_on_an_offline_create(pilot, app, kite)

    kite.faults.clear()
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([kite.remote_config("school")]))
    db = tmp_path / "cache.db"
    assert await asyncio.to_thread(main, ["--db", str(db), "sync", "--once"]) == 0
    reader = Reader.open(db)
    [remote_id] = reader.current_ids([local_id])
    reader.close()
    # Another TUI, following the incident, kept a comment under its new id meanwhile.
    Drafts(drafts_path(db)).put(f"comment:{remote_id}", {"body": "second thought"})

    again = live_app(server, "school", tmp_path, sync=False)
    async with again.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, remote_id)
        await pilot.press("c")
        await pilot.pause()
        assert isinstance(again.screen, CommentScreen)
        assert again.screen.query_one(TextArea).text == f"second thought\n\n{NOTE}"
        # The comment stays nowhere under the local id, where no dialog would find it again.
        assert set(_kept(db)) == {f"comment:{remote_id}", f"edit:{local_id}"}
        await pilot.press("escape")
        await settle(pilot)
    assert _kept(db)[f"comment:{remote_id}"]["body"] == f"second thought\n\n{NOTE}"
