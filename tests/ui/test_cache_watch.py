"""Another process writes the cache the TUI shows (``incident-tui ack`` in a second terminal):
the list and the open detail show its change within a few seconds, without a sync and without
a key pressed; the App's own changes are not read twice for it."""

from __future__ import annotations

import asyncio
import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Container
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer
from incident_tui.ui import app as app_module
from incident_tui.ui.messages import Changed, IncidentsChanged
from tests.ui.conftest import KIND, REMOTES
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    open_detail,
    screen_text,
    settle,
    until,
)


def other_process(db_path: Path, *args: str) -> None:
    """Run the real command line in a process of its own over the same cache."""
    env = {**os.environ, "INCIDENT_TUI_REMOTES": json.dumps(REMOTES)}
    done = subprocess.run(
        [sys.executable, "-m", "incident_tui", "--db", str(db_path), *args],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def queued(app: Any) -> int:
    """The queued count the status line shows."""
    found = re.search(r"(\d+) queued", screen_text(app))
    assert found, screen_text(app)
    return int(found[1])


def first_open(app: Any, kinds: Container[str] = KIND.values()) -> Any:
    """The first row of the list of one of ``kinds`` that is neither acknowledged nor
    resolved."""
    lst = incidents(app)
    for index in range(lst.total):
        row = lst.row_at(index)
        if row is not None and row.status == "triggered" and row.kind in kinds:
            return row
    raise AssertionError("the sample cache has a triggered incident")


async def test_the_list_shows_what_another_process_changed(
    make_app: Callable[..., Any], db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        row = first_open(app)
        await cursor_to(pilot, row.id)
        before = incidents(app).cursor_row
        assert before is not None and before.status == "triggered"
        was_queued = queued(app)

        await asyncio.to_thread(other_process, db_path, "ack", row.id)
        await until(
            lambda: (current := incidents(app).cursor_row) is not None
            and current.id == row.id and current.status == "acknowledged"
        )
        # The status line counts the change the other process queued.
        await until(lambda: queued(app) == was_queued + 1)


async def test_the_open_detail_shows_a_comment_added_elsewhere(
    make_app: Callable[..., Any], db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        row = first_open(app, {"kitehouse", "revily", "oneuptime", "aoh_ims"})  # comments
        await open_detail(pilot, row.id)
        await settle(pilot)
        assert "Left by the night shift" not in screen_text(app)

        await asyncio.to_thread(
            other_process, db_path, "comment", row.id, "-m", "Left by the night shift"
        )
        await until(lambda: "Left by the night shift" in screen_text(app))


async def test_the_open_detail_shows_a_change_made_elsewhere_before_its_own_sync_said_more(
    make_app: Callable[..., Any], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No look at the cache on its own: the test takes each one itself.
    monkeypatch.setattr(app_module, "WATCH_EVERY", 3600)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        row = first_open(app, {"kitehouse", "revily", "oneuptime", "aoh_ims"})  # comments
        other = next(
            found.id
            for index in range(incidents(app).total)
            if (found := incidents(app).row_at(index)) is not None and found.id != row.id
        )
        await open_detail(pilot, row.id)
        await settle(pilot)

        await asyncio.to_thread(
            other_process, db_path, "comment", row.id, "-m", "Left by the night shift"
        )
        # Before the next look, a pass of this TUI stores another incident and says so.
        app.post_message(IncidentsChanged([other]))
        await settle(pilot)
        app._watch_cache()
        await until(lambda: "Left by the night shift" in screen_text(app))


async def test_a_filter_chosen_while_another_process_changed_the_cache_is_applied(
    make_app: Callable[..., Any], db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No look at the cache on its own: the test takes each one itself.
    monkeypatch.setattr(app_module, "WATCH_EVERY", 3600)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await pilot.press("f", "tab", "tab", "space", "ctrl+s")  # only oncall
        await settle(pilot)
        assert lst.list_query.remotes == frozenset({"oncall"})
        lst.move_cursor(3)
        await settle(pilot)
        acknowledged = first_open(app).id

        # With the dialog open, another terminal acknowledges an incident; the look at the
        # cache that notices it comes before the user applies the dialog.
        await pilot.press("f")
        await settle(pilot)
        await asyncio.to_thread(other_process, db_path, "ack", acknowledged)
        app._watch_cache()
        await pilot.press("ctrl+x", "ctrl+s")  # every remote again
        await settle(pilot)
        assert lst.list_query.remotes == frozenset()
        assert "remote oncall" not in screen_text(app).splitlines()[0]
        assert len({row.remote for row in map(lst.row_at, range(lst.total)) if row}) == 5
        assert lst.cursor == 0


async def test_the_cursor_goes_to_the_incident_below_when_its_own_leaves_the_list(
    make_app: Callable[..., Any], db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await pilot.press("f", "space", "ctrl+s")  # triggered only
        await settle(pilot)
        lst.move_cursor(5)
        await settle(pilot)
        shown = [row.id for row in map(lst.row_at, range(lst.total)) if row is not None]
        assert len(shown) > 7 and lst.cursor_row is not None and lst.cursor_row.id == shown[5]

        # Another terminal resolves the incident under the cursor and two above it.
        await asyncio.to_thread(other_process, db_path, "resolve", shown[1], shown[3], shown[5])
        await until(lambda: lst.total == len(shown) - 3)
        await settle(pilot)
        # On the incident that was below it, which is now row 3: not on row 5, past two
        # incidents nobody moved over.
        assert lst.cursor_row is not None and lst.cursor_row.id == shown[6]
        assert lst.cursor == 3


async def test_its_own_changes_are_not_read_again(
    make_app: Callable[..., Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Looks every 0.3 s rather than 2: the test waits for three of them.
    monkeypatch.setattr(app_module, "WATCH_EVERY", 0.3)
    app = make_app()
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        heard: list[Changed] = []
        app.ctx.incidents_changed.subscribe(app, heard.append, immediate=True)
        looks = 0
        look = app._cache_watch.changed

        def counted_look() -> bool:
            nonlocal looks
            looks += 1
            return look()

        monkeypatch.setattr(app._cache_watch, "changed", counted_look)
        row = first_open(app)
        await cursor_to(pilot, row.id)
        await pilot.press("a")
        await until(lambda: heard != [])
        # Three looks at the cache later, the App's own acknowledgement is still the one
        # change it heard of.
        seen = looks
        await until(lambda: looks >= seen + 3)
        await settle(pilot)
        assert [change.ids for change in heard] == [[row.id]], heard


async def test_a_change_made_elsewhere_shows_while_a_pass_of_this_tui_hangs(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # A remote that answers nothing keeps its pass running for minutes; what a script queues
    # meanwhile must still show within seconds, not after that pass (or never, when the pass
    # then brings nothing).
    server = serve("kitehouse", 6)
    emulator: Any = server.emulator
    remote = emulator.remote_config("school")
    env = {
        **os.environ,
        "INCIDENT_TUI_REMOTES": json.dumps([remote]),
        "INCIDENT_TUI_DB": str(tmp_path / "cache.db"),
    }

    def elsewhere(*args: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "incident_tui", *args],
            env=env, capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        return done.stdout

    await asyncio.to_thread(elsewhere, "sync", "--once")
    listed = json.loads(await asyncio.to_thread(elsewhere, "list", "--json"))
    target = next(i["id"] for i in listed if i["status"] == "triggered")
    emulator.faults.add("hang", method="GET", path=r"^/incidents/[0-9a-f]{24}$", times=-1)
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot)
        await until(lambda: app.runner is not None and "school" in app.runner.busy)

        await asyncio.to_thread(elsewhere, "ack", target)
        await until(
            lambda: any(
                (row := incidents(app).row_at(i)) is not None
                and row.id == target and row.status == "acknowledged"
                for i in range(incidents(app).total)
            ),
            limit=6,
        )
        assert "school" in app.runner.busy  # shown while the pass still hangs
        emulator.faults.clear()
