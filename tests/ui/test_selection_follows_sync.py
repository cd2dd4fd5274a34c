"""A selection across a sync that changes what it holds (over loopback HTTP to a Kitehouse
emulator, with the App's own sync loop): an incident deleted on the remote leaves the
selection, one created here and since accepted stays selected under the remote's id; the
count shown and the bulk actions take what is there."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    notifications,
    press_apart,
    screen_text,
    settle,
    synced,
    until,
)

ACKNOWLEDGED = "in_progress"
"""Kitehouse's status of an acknowledged incident."""


def marked_rows(app: Any) -> int:
    """How many rows of the list show the selection mark."""
    return sum(line.startswith("●") for line in screen_text(app).splitlines())


async def test_an_incident_deleted_on_the_remote_leaves_the_selection(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    ids = [str(kite.add(f"Existing {n}")["_id"]) for n in range(4)]
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 4)
        await settle(pilot)
        await pilot.press("space", "space")  # the two newest
        await settle(pilot)
        gone, kept = ids[-1], ids[-2]
        assert incidents(app).selected_ids == [f"school:{gone}", f"school:{kept}"]
        with kite.lock:
            del kite.incidents[gone]
            kite.changed()

        # Opening it reads it again from the remote, which says it is gone.
        await cursor_to(pilot, f"school:{gone}")
        await pilot.press("enter")
        await until(lambda: app.services.reader.detail(f"school:{gone}") is None)
        await settle(pilot)
        await press_apart(pilot, "escape")
        await until(lambda: incidents(app).total == 3)
        await settle(pilot)

        assert incidents(app).selected_ids == [f"school:{kept}"]
        assert screen_text(app).splitlines()[0].rstrip().endswith("·  1 selected")
        assert marked_rows(app) == 1
        await press_apart(pilot, "a")  # no question: nothing selected is hidden
        await until(lambda: kite.incident(kept)["status"] == ACKNOWLEDGED)
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert "Queued: acknowledged 1 incident" in notifications(app)
        assert incidents(app).selected_ids == []


async def test_an_incident_created_here_stays_selected_under_the_remote_id(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    kite: Any = server.emulator
    ids = [str(kite.add(f"Existing {n}")["_id"]) for n in range(3)]
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 3)
        await settle(pilot)
        kite.faults.add("drop", times=-1)  # the remote is out of reach
        await pilot.press("n", *"Gas smell in lab 2", "ctrl+s")
        await until(lambda: incidents(app).total == 4)
        await settle(pilot)
        [local_id] = [c["incident_id"] for c in app.services.reader.outbox()]
        await pilot.press("space", "space")  # the new one and the newest before it
        await settle(pilot)
        assert incidents(app).selected_ids == [local_id, f"school:{ids[-1]}"]

        kite.faults.clear()  # back: the next pass sends the create
        await pilot.press("s")
        await until(lambda: app.services.reader.current_ids([local_id]) != [local_id])
        await until(lambda: not app.services.reader.outbox())
        # The list reads the rows again after the pass: once it shows the remote's ref.
        await until(lambda: "1004" in screen_text(app))
        await settle(pilot)

        [created] = app.services.reader.current_ids([local_id])
        assert incidents(app).selected_ids == [created, f"school:{ids[-1]}"]
        assert screen_text(app).splitlines()[0].rstrip().endswith("·  2 selected")
        assert marked_rows(app) == 2
        await press_apart(pilot, "a")  # no question: nothing selected is hidden
        remote_ids = [created.partition(":")[2], ids[-1]]
        await until(
            lambda: all(kite.incident(i)["status"] == ACKNOWLEDGED for i in remote_ids)
        )
        await asyncio.sleep(0)
        assert "Queued: acknowledged 2 incidents" in notifications(app)
