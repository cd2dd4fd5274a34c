"""An action while another process keeps the cache's write lock says, in one readable
notice, that nothing was queued and why, never SQL or a URL; the list still reads (WAL), and
once the lock is let go the same key queues the change.

The lock is a real one, taken by another ``sqlite3`` connection on the same file; only the
busy timeout is shortened."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from incident_tui.store import db as store_db
from incident_tui.store.reader import Reader
from incident_tui.ui.messages import IncidentsChanged
from tests.ui.helpers import cursor_to, incidents, notifications, screen_text, settle


def status_of(db_path: Path, incident_id: str) -> str:
    """The incident's cached status."""
    reader = Reader.open(db_path)
    try:
        detail = reader.detail(incident_id)
        assert detail is not None
        return str(detail.incident["status"])
    finally:
        reader.close()


async def test_acknowledge_on_a_locked_cache_says_it_was_not_queued_then_works(
    make_app: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 0.2)
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "school:r015")  # triggered
        holder = sqlite3.connect(db_path, isolation_level=None)
        try:
            holder.execute("BEGIN IMMEDIATE")
            holder.execute("UPDATE incident SET title = 'Being rewritten'")
            await pilot.press("a")
            await settle(pilot)
            [notice] = [n for n in app._notifications if n.severity == "error"]
            assert notice.title == "Cannot acknowledge"
            assert notice.message.startswith(f"Not queued: {db_path}: the cache is busy")
            assert "try again" in notice.message
            for leak in ("BEGIN", "sqlalche", "OperationalError", "\n"):
                assert leak not in notice.message
            # The list reads on meanwhile (WAL): re-read as after a sync pass, it shows the
            # committed rows, not the writer's unfinished ones.
            total = incidents(app).total
            app.post_message(IncidentsChanged(["school:r015"]))
            await settle(pilot)
            assert incidents(app).total == total
            assert "Being rewritten" not in screen_text(app)
            holder.execute("ROLLBACK")
        finally:
            holder.close()
        assert status_of(db_path, "school:r015") == "triggered"
        app.clear_notifications()
        await pilot.press("a")
        await settle(pilot)
        assert "Queued: acknowledged 1 incident" in notifications(app)
        assert status_of(db_path, "school:r015") == "acknowledged"
