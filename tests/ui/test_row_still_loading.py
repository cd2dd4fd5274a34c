"""A row key pressed on a row whose block of rows is still being read waits for the row and
then acts on it, as it would a moment later; if the row is still not there it says so,
rather than that there is no incident under the cursor.

The list reads the rows far from the top only when the cursor gets there. To press a key
while that read is going on, the test keeps the list's SQLite connection busy with
``Reader.within`` (as a report or a detail read on it does), which the block read waits for.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.widgets import TextArea

from incident_tui.domain.model import Incident, Status
from incident_tui.store.engine import make_engine
from incident_tui.sync.pull_store import store_page
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.list_targets import ROW_LOADING
from tests.ui.conftest import KIND, NOW
from tests.ui.helpers import incidents, notifications, queued_ops, settle, until

EXTRA = 250
"""Old incidents added to the sample cache: the last rows are blocks away from the top."""


def add_old_incidents(db_path: Path, remote: str = "oncall") -> str:
    """Store :data:`EXTRA` triggered incidents of ``remote`` older than the sample's, as a
    sync stores them; the id of the oldest (the list's last row)."""
    page = [
        Incident(
            remote=remote,
            kind=KIND[remote],
            remote_id=f"old{n:03d}",
            ref=str(5000 + n),
            title=f"Old incident {n}",
            status=Status.TRIGGERED,
            status_raw="triggered",
            created_at=NOW - timedelta(days=30, minutes=n),
            updated_at=NOW - timedelta(days=30),
        )
        for n in range(EXTRA)
    ]
    engine = make_engine(db_path)
    try:
        store_page(engine, remote, KIND[remote], page, None, NOW)
    finally:
        engine.dispose()
    return f"{remote}:old{EXTRA - 1:03d}"


@contextmanager
def reads_held(app: Any) -> Iterator[None]:
    """Keep the list's connection busy: block reads wait until the block ends."""
    with app.services.reader.within(600) as free:
        assert free, "the list's connection was busy before the test held it"
        yield


async def test_a_row_key_on_a_row_still_loading_acts_once_it_is_read(
    make_app: Any, db_path: Path
) -> None:
    last = add_old_incidents(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        lst = incidents(app)
        with reads_held(app):
            await pilot.press("end")
            assert lst.cursor_row is None, "the last rows were read before the key"
            press = asyncio.create_task(pilot.press("a"))
            # The key has reached the screen: it waits for the row (or, refused, said so).
            await until(lambda: bool(lst._row_waiters or notifications(app)), limit=10)
        await press
        await settle(pilot)
        row = lst.cursor_row
        assert row is not None and row.id == last
        assert queued_ops(db_path, last) == ["acknowledge"]
        assert not [n for n in notifications(app) if "cursor" in n]


async def test_a_row_that_stays_loading_is_said_to_be_loading(
    make_app: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The wait is what it is; here it only needs to end while the connection is held.
    monkeypatch.setattr("incident_tui.ui.screens.list_screen.ROW_WAIT", 0.2)
    last = add_old_incidents(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        lst = incidents(app)
        with reads_held(app):
            await pilot.press("end")
            await pilot.press("enter")
            await until(lambda: bool(notifications(app)), limit=10)
            assert lst.cursor_row is None
        assert notifications(app) == [ROW_LOADING]
        await settle(pilot)
        assert queued_ops(db_path, last) == []
        assert len(app.screen_stack) == 1  # no detail opened on a guess


async def typed_at_once(app: Any, pilot: Any, keys: list[str]) -> None:
    """Deliver ``keys`` in one burst, as a slow link hands over keys typed ahead, on a row
    still loading; the row comes well after the gate's hold limit, once a key waits for it."""
    lst = incidents(app)
    # A short limit: without a hold for the row's wait, the keys behind it would go on.
    app.key_gate.hold_limit = 0.01
    with reads_held(app):
        await pilot.press("end")
        assert lst.cursor_row is None
        for key in keys:
            app.post_message(events.Key(key, key if len(key) == 1 else None))
        await until(lambda: bool(lst._row_waiters or notifications(app)), limit=10)
        await asyncio.sleep(0.3)
    await until(lambda: not app.key_gate.pending, limit=10)
    await settle(pilot)


async def test_text_typed_behind_a_row_key_waiting_for_its_row_goes_to_its_dialog(
    make_app: Any, db_path: Path
) -> None:
    last = add_old_incidents(db_path, "school")
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await typed_at_once(app, pilot, ["c", *"all ok"])
        assert isinstance(app.screen, CommentScreen)
        assert app.screen.query_one(TextArea).text == "all ok"
        assert queued_ops(db_path, last) == []


async def test_keys_typed_behind_a_refused_row_key_that_waited_are_dropped(
    make_app: Any, db_path: Path
) -> None:
    # Revily takes no comments: the text typed for the dialog must not run as commands
    # (its "a" acknowledging the incident under the cursor).
    last = add_old_incidents(db_path)
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await typed_at_once(app, pilot, ["c", *"all ok"])
        assert queued_ops(db_path, last) == []
        assert notifications(app)[0] == "Revily incidents take no comments."
        assert len(app.screen_stack) == 1
