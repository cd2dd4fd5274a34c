"""The TUI over the real sync engine and a loopback emulator: rows appear, status updates."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer, make_emulator
from tests.ui.conftest import NOW
from tests.ui.helpers import (
    incidents,
    live_app,
    open_detail,
    screen_text,
    settle,
    synced,
    until,
)

GATE_WAIT = 10.0
"""Longest a batch of full records waits for the words of the one before to be shown."""


@pytest.fixture
def revily() -> Iterator[EmulatorServer]:
    """A Revily emulator with 12 incidents on a free loopback port, always stopped."""
    server = EmulatorServer(make_emulator("revily", sample=12, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


async def test_sync_fills_an_empty_cache(revily: EmulatorServer, tmp_path: Path) -> None:
    app = live_app(revily, "oncall", tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        for _ in range(500):
            await asyncio.sleep(0.02)
            if incidents(app).total == 12 and "oncall ok at" in screen_text(app):
                break
        await settle(pilot)
        assert incidents(app).total == 12
        assert "oncall ok at" in screen_text(app)


async def test_a_real_pass_shows_its_progress_in_the_status_line(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", 60)
    app = live_app(server, "school", tmp_path)
    shown: list[str] = []

    def record() -> None:
        """Note what the status line says about the pass, if it is new."""
        for words in re.findall(r"school syncing…[^│\n]*", screen_text(app)):
            if words.strip() not in shown:
                shown.append(words.strip())

    # Every frame the terminal would get: looked at now and then, words shown for less than
    # a look's interval on a busy machine went by unseen.
    display = app._display

    def displayed(screen: Any, update: Any) -> None:
        display(screen, update)
        if update is not None:
            record()

    app._display = displayed
    # The first full record of each batch waits (in the emulator's thread) until the
    # terminal has shown how far the pass came before it: a batch that came in sooner than
    # the App drew the previous one's words replaced them unseen. Not shown within
    # GATE_WAIT seconds, the pass goes on and the assertions below say what was shown.
    gates = {1: "school syncing… 60 listed", 26: "school syncing… details 25/60",
             51: "school syncing… details 50/60"}
    records = itertools.count(1)
    take = server.emulator.faults.take  # type: ignore[attr-defined]

    def gated(method: str, path: str) -> Any:
        if method == "GET" and re.search(r"^/incidents/[^/]+/[0-9a-f]{24}$", path):
            words = gates.get(next(records))
            deadline = time.monotonic() + GATE_WAIT
            while words is not None and words not in shown and time.monotonic() < deadline:
                time.sleep(0.01)
        return take(method, path)

    server.emulator.faults.take = gated  # type: ignore[attr-defined]

    def over() -> bool:
        """Whether the pass is over, and its progress gone from the status line."""
        return synced(app) and "syncing" not in screen_text(app)

    async with app.run_test(size=(100, 24)):
        await until(over, 3 * GATE_WAIT + 20)
        # The pass over, its progress is gone from the status line: the remote's state shows.
        status = next(line for line in screen_text(app).splitlines() if "queued" in line)
    # The listing (one page), then the full records in batches of 25, in that order.
    assert "school syncing… 60 listed" in shown
    assert "school syncing… details 25/60" in shown
    assert "school syncing… details 50/60" in shown
    assert shown.index("school syncing… 60 listed") < shown.index("school syncing… details 25/60")
    assert shown.index("school syncing… details 25/60") < shown.index(
        "school syncing… details 50/60"
    )
    assert "school ok at 12:00" in status, status
    assert "listed" not in status and "details" not in status, status


async def test_an_open_incident_shows_a_comment_someone_added_on_the_remote(
    tmp_path: Path,
) -> None:
    # AOH IMS comments are their own rows: adding one moves no version a pull could see.
    server = EmulatorServer(make_emulator("aoh_ims", sample=4, clock=lambda: NOW)).start()
    try:
        app = live_app(server, "ops", tmp_path)
        async with app.run_test(size=(100, 30)) as pilot:
            for _ in range(500):
                await asyncio.sleep(0.02)
                if incidents(app).total == 4 and "ops ok at" in screen_text(app):
                    break
            emulator: Any = server.emulator
            row = next(r for t in emulator.tenants.values() for r in t.incidents.values())
            emulator.tenants[row["tenant_id"]].comments.setdefault(row["id"], {})["c-late"] = {
                "id": "c-late", "incident_id": row["id"], "name": "Night Shift",
                "text": "Valve closed at 03:10", "created_at": row["created_at"],
            }  # fmt: skip
            await open_detail(pilot, f"ops:{row['id']}")
            for _ in range(500):
                await asyncio.sleep(0.02)
                if "Valve closed at 03:10" in screen_text(app):
                    break
            assert "Valve closed at 03:10" in screen_text(app)
            assert app.runner.watched == f"ops:{row['id']}"
            await pilot.press("escape")
            await settle(pilot)
            assert app.runner.watched is None
    finally:
        server.stop()
