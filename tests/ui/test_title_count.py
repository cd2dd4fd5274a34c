"""The list's title keeps its exact count while a sync's reload counts the same query again:
it used to read "1/100+" (the rows read so far) between two equal counts at every sync page.

The reloads are real: pages stored with the sync's own page writer and announced as the sync
announces them; the title's ``update`` is wrapped to record what it shows (the real update
still runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Static

from tests.ui.helpers import incidents, settle, static_text, until
from tests.ui.test_cursor_during_reload import incident, sync_page


def record_titles(monkeypatch: pytest.MonkeyPatch, app: Any) -> list[str]:
    """Every title the list screen shows from now on, as text."""
    title = app.screen.query_one("#list-title", Static)
    shown: list[str] = []
    update = title.update

    def recording(content: Any = "", **options: Any) -> None:
        shown.append(str(content))
        update(content, **options)

    monkeypatch.setattr(title, "update", recording)
    return shown


async def test_a_reload_of_the_same_query_shows_the_last_count_until_it_has_the_new_one(
    make_app: Any, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = make_app()
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        page = [incident(n, "school", created_minutes_ago=n) for n in range(1, 151)]
        sync_page(app, db_path, page)
        lst = incidents(app)
        await until(lambda: lst.exact and lst.total == 180)
        await settle(pilot)
        assert "/180 " in static_text(app, "#list-title")

        titles = record_titles(monkeypatch, app)
        page[3].title = "Renamed on the remote"
        page[3].raw = {"title": page[3].title}  # what the row's version is made of
        sync_page(app, db_path, [page[3]])
        await until(lambda: any("Renamed" in str(lst.row_at(i)) for i in range(100)))
        await settle(pilot)
        assert not [t for t in titles if "+" in t]
        assert "/180 " in static_text(app, "#list-title")

        # Another query is never shown the last one's count.
        titles.clear()
        await pilot.press("slash", *"number")
        await until(lambda: lst.exact and lst.list_query.search == "number")
        await settle(pilot)
        searched = [t for t in titles if "search" in t]
        assert searched and not [t for t in searched if "/180" in t]
        counted = app.services.reader.count(lst.list_query)
        assert counted < 180 and f"/{counted} " in static_text(app, "#list-title")
