"""The detail of an incident created here, open while its create reaches the remote (over
loopback HTTP to a Kitehouse emulator, with the App's own sync loop): the incident takes the
remote's id, and the screen carries on with it under that id, its keys working."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.detail import GONE, DetailScreen
from incident_tui.ui.widgets.comment_pages import CommentPages
from tests.ui.helpers import (
    incidents,
    live_app,
    notifications,
    open_detail,
    screen_text,
    settle,
    synced,
    until,
)


def renamed_or_gone(screen: DetailScreen, local_id: str) -> bool:
    """Whether the detail read the incident again since its create was accepted: under the
    remote's id, or (as it must not) as gone."""
    return screen.incident_id != local_id or screen.detail is None


def created(app: Any) -> str:
    """The local id of the one incident created here (its create queued)."""
    [local_id] = [c["incident_id"] for c in app.services.reader.outbox() if c["op"] == "create"]
    return str(local_id)


async def carries_on(
    pilot: Any, app: Any, kite: Any, screen: DetailScreen, local_id: str
) -> str:
    """Check the detail shows the incident under the remote's id and acts on it; that id."""
    [remote_id] = app.services.reader.current_ids([local_id])
    assert remote_id != local_id
    assert app.screen is screen and screen.detail is not None
    assert screen.incident_id == remote_id
    text = screen_text(app)
    assert f"Incident {remote_id}" in text and "Gas smell in lab 2" in text
    assert "no longer in the cache" not in text

    await pilot.press("a")  # queued under the remote's id, and pushed at once
    await until(lambda: kite.incident(remote_id.partition(":")[2])["status"] != "open")
    assert GONE not in notifications(app)
    return remote_id


async def test_the_detail_follows_an_offline_create_once_it_is_sent(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    kite.add("Existing one")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 1)
        await settle(pilot)
        kite.faults.add("drop", times=-1)  # the remote is out of reach
        await pilot.press("n", *"Gas smell in lab 2", "ctrl+s")
        await settle(pilot)
        local_id = created(app)
        screen = await open_detail(pilot, local_id)
        await pilot.press("c", *"evacuated the lab", "ctrl+s")
        await settle(pilot)

        kite.faults.clear()  # back: the next pass sends the create and the comment
        await pilot.press("s")
        await until(lambda: renamed_or_gone(screen, local_id))
        await until(lambda: not app.services.reader.outbox())
        await settle(pilot)

        await carries_on(pilot, app, kite, screen, local_id)
        comments = screen.query_one("#detail-comments", CommentPages).content.plain
        assert "evacuated the lab" in comments


async def test_the_detail_follows_a_refused_create_once_retried(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    kite.add("Existing one")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 1)
        await settle(pilot)
        kite.faults.add(
            "status", status=422, method="POST", path="^/incidents$", times=1,
            body={"statusCode": 422, "error": "Unprocessable", "message": "category is required"},
        )
        await pilot.press("n", *"Gas smell in lab 2", "ctrl+s")
        await until(
            lambda: [c["state"] for c in app.services.reader.outbox()] == ["failed"]
        )
        local_id = created(app)
        screen = await open_detail(pilot, local_id)

        await pilot.press("A")  # sent again at once, and accepted this time
        await until(lambda: renamed_or_gone(screen, local_id))
        await until(lambda: not app.services.reader.outbox())
        await settle(pilot)

        await carries_on(pilot, app, kite, screen, local_id)
