"""The TUI over the real sync engine and a loopback emulator: rows appear, status updates."""

from __future__ import annotations

import asyncio
import re
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
    # Every full record takes a while to come, so the pass lasts long enough to be watched.
    server.emulator.faults.add(  # type: ignore[attr-defined]
        "delay", delay=0.1, method="GET", path=r"^/incidents/[^/]+/[0-9a-f]{24}$", times=-1
    )
    app = live_app(server, "school", tmp_path)
    shown: list[str] = []

    def watch() -> bool:
        """Record what the status line says about the pass; whether the pass is over."""
        text = screen_text(app)
        for words in re.findall(r"school syncing…[^│\n]*", text):
            if words.strip() not in shown:
                shown.append(words.strip())
        return synced(app) and "syncing" not in text

    async with app.run_test(size=(100, 24)):
        await until(watch)
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
