"""Cursor keys pressed while the list re-reads after a sync page are all applied: the reload
puts the incident the cursor started on where it now is, and the moves go on from there.

The reload is a real one: a page is written into the real cache with the sync's own page
writer (``store_page``) and announced the way the sync announces it (``AppListener``). To
press the keys while that reload is still reading, the test keeps the list's SQLite
connection busy with ``Reader.within``, which takes the same lock every read on that
connection takes (another read on it, a detail or a report, holds it the same way). A write
lock would not do: in WAL mode readers never wait for a writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from incident_tui.domain.model import Incident, Status
from incident_tui.store.engine import make_engine
from incident_tui.sync.pull_store import store_page
from incident_tui.ui.sync_runner import AppListener
from tests.ui.conftest import KIND, NOW
from tests.ui.helpers import incidents, queued_ops, screen_text, settle, until


def incident(n: int, remote: str, created_minutes_ago: float, title: str = "") -> Incident:
    """A triggered incident of ``remote`` (one of the sample cache's remotes)."""
    return Incident(
        remote=remote,
        kind=KIND[remote],
        remote_id=f"r{n:03d}",
        ref=str(1000 + n),
        title=title or f"Incident number {n} on {remote}",
        status=Status.TRIGGERED,
        status_raw="triggered",
        created_at=NOW - timedelta(minutes=created_minutes_ago),
        updated_at=NOW,
    )


def sync_page(app: Any, db_path: Path, page: list[Incident]) -> None:
    """Store ``page`` as a sync pass does and tell the App, as the sync does."""
    engine = make_engine(db_path)
    try:
        store_page(engine, page[0].remote, page[0].kind, page, None, NOW)
    finally:
        engine.dispose()
    AppListener(app).incidents_changed([i.id for i in page], [])


@contextmanager
def reads_held(app: Any) -> Iterator[None]:
    """Keep the list's connection busy: reloads and block reads wait until the block ends."""
    with app.services.reader.within(600) as free:
        assert free, "the list's connection was busy before the test held it"
        yield


async def reload_with_moves(
    pilot: Any, db_path: Path, page: list[Incident], keys: list[str]
) -> None:
    """Write ``page`` and press ``keys`` while the reload it causes is reading."""
    app = pilot.app
    lst = incidents(app)
    with reads_held(app):
        sync_page(app, db_path, page)
        await until(lambda: not lst.current, limit=5)
        await pilot.press(*keys)
        assert not lst.current, "the reload ended before the keys were pressed"
    await settle(pilot)


def ids_in_order(app: Any) -> list[str]:
    """Incident ids of the list's loaded rows, top to bottom."""
    lst = incidents(app)
    rows = [lst.row_at(i) for i in range(lst.total)]
    return [row.id for row in rows if row is not None]


async def test_moves_during_a_reload_are_all_applied(make_app: Any, db_path: Path) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        lst.move_cursor(4)
        await settle(pilot)
        before = ids_in_order(app)
        # A page that changes a title far below: nothing moves.
        changed = incident(30, "school", 37 * 30 + 5, title="Changed by the remote")
        await reload_with_moves(pilot, db_path, [changed], ["down"] * 7)
        assert lst.current and lst.total == len(before)
        assert lst.cursor == 11
        row = lst.cursor_row
        assert row is not None and row.id == before[11] == "oncall:r012"
        # The action key right after acts on the incident the cursor shows.
        await pilot.press("a")
        await settle(pilot)
        assert queued_ops(db_path, "oncall:r012") == ["acknowledge"]


async def test_moves_go_on_from_where_the_reload_put_the_incident(
    make_app: Any, db_path: Path
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        lst.move_cursor(4)
        await settle(pilot)
        before = ids_in_order(app)
        start = before[4]
        # Three new incidents arrive on top while the user moves seven rows down.
        page = [incident(90 + n, "oncall", 1 + n) for n in range(3)]
        await reload_with_moves(pilot, db_path, page, ["down"] * 7)
        after = ids_in_order(app)
        assert after.index(start) == 7
        assert lst.cursor == 14
        row = lst.cursor_row
        assert row is not None and row.id == after[14] == before[11]


def add_older(db_path: Path, count: int) -> list[Incident]:
    """Store ``count`` incidents older than every sample one (they go below them)."""
    engine = make_engine(db_path)
    try:
        older = [incident(100 + n, "oncall", 10_000 + n) for n in range(count)]
        store_page(engine, "oncall", "revily", older, None, NOW)
    finally:
        engine.dispose()
    return older


async def test_moves_past_the_rows_the_reload_read_wait_for_the_count(
    make_app: Any, db_path: Path
) -> None:
    # 250 older incidents: the reload reads only the block around the cursor (rows 100-199)
    # and the moves end in the next one, beyond the total known before the count.
    add_older(db_path, 250)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        for _ in range(2):  # each block read ahead as a user scrolling there would
            lst.move_cursor(lst.cursor + 95)
            await settle(pilot)
        assert lst.cursor == 190
        expected = lst.row_at(210)
        assert expected is not None
        changed = incident(30, "school", 37 * 30 + 5, title="Changed by the remote")
        await reload_with_moves(pilot, db_path, [changed], ["down"] * 20)
        assert lst.exact and lst.total == 37 + 250
        assert lst.cursor == 210
        row = lst.cursor_row
        assert row is not None and row.id == expected.id


async def test_a_reload_while_the_cursor_row_is_read_keeps_the_cursor_there(
    make_app: Any, db_path: Path
) -> None:
    older = add_older(db_path, 250)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        with reads_held(app):
            # The last rows are not read yet: the cursor is on a row still being read when
            # the sync page comes, and the reload must not take it back to where it was.
            await pilot.press("end")
            assert lst.cursor == 37 + 250 - 1 and lst.cursor_row is None
            changed = incident(30, "school", 37 * 30 + 5, title="Changed by the remote")
            sync_page(app, db_path, [changed])
            await until(lambda: not lst.current, limit=5)
        await settle(pilot)
        assert lst.cursor == 37 + 250 - 1
        row = lst.cursor_row
        assert row is not None and row.id == older[-1].id


async def test_a_reload_to_show_an_incident_is_not_lost_to_a_later_one(
    make_app: Any, db_path: Path
) -> None:
    # A create asks the list to show the new incident; a sync's change arriving before
    # those rows are read started a reload of its own, which kept the old cursor instead.
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        before = ids_in_order(app)
        wanted = before[9]
        with reads_held(app):
            lst.reload(focus=wanted)
            sync_page(app, db_path, [incident(95, "oncall", 0.5)])
            await until(lambda: not lst.current, limit=5)
        await settle(pilot)
        row = lst.cursor_row
        assert row is not None and row.id == wanted


@contextmanager
def count_held(app: Any) -> Iterator[None]:
    """Keep the connection the list counts on busy: a count waits until the block ends."""
    with app.services.background().within(600) as free:
        assert free, "the counting connection was busy before the test held it"
        yield


async def test_end_pressed_before_a_reloads_count_goes_to_the_last_row(
    make_app: Any, db_path: Path
) -> None:
    # A reload reads the rows around the cursor (here rows 100-199) before the count: until
    # the count comes, the list seems to end there, and end took the cursor to row 200.
    add_older(db_path, 250)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        for row in (95, 150):
            lst.move_cursor(row)
            await settle(pilot)
        total = lst.total
        changed = incident(30, "school", 37 * 30 + 5, title="Changed by the remote")
        with count_held(app):
            sync_page(app, db_path, [changed])
            await until(lambda: lst.current and lst.total == 200, limit=5)
            await pilot.press("end")
        await settle(pilot)
        assert lst.total == total == 37 + 250
        assert lst.cursor == total - 1
        assert f"{total:,}/{total:,}" in screen_text(app).splitlines()[0]
