"""The list redraws only the lines that change: an age tick and a sync pass that changes a
row or two must not send the whole list down a slow (SSH) link again.

The real app runs in Pilot over a real cache (and a loopback emulator for the sync pass);
the list's ``render_line`` is wrapped to record which viewport lines are drawn again.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.strip import Strip

from incident_tui.domain.durations import age
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.revily_data import DEFAULT_TOKEN
from incident_tui.ui.widgets.incident_list import IncidentList
from tests.ui.conftest import NOW, MakeSettings
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    screen_text,
    settle,
    synced,
    until,
)


class MovingClock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def app_on_a_moving_clock(make_settings: MakeSettings, db_path: Path) -> tuple[Any, MovingClock]:
    """The App over the sample cache (no sync), on a clock the test moves."""
    from incident_tui.ui.app import make_app

    clock = MovingClock(NOW)
    app = make_app(make_settings(), clock=clock, db_path=db_path, sync=False, cursor_blink=False)
    app.animation_level = "none"
    return app, clock


def record_drawn(monkeypatch: pytest.MonkeyPatch, lst: IncidentList) -> set[int]:
    """Viewport lines the list is asked to draw from now on (the real drawing still runs)."""
    drawn: set[int] = set()
    draw = lst.render_line

    def render_line(y: int) -> Strip:
        drawn.add(y)
        return draw(y)

    monkeypatch.setattr(lst, "render_line", render_line)
    return drawn


def list_lines(app: Any, lst: IncidentList) -> list[str]:
    """The screen lines the list occupies, as text."""
    region = lst.content_region
    return screen_text(app).splitlines()[region.y : region.bottom]


def visible(lst: IncidentList) -> int:
    """How many rows the viewport shows."""
    return min(lst.content_region.height, lst.total)


async def test_an_age_tick_redraws_only_the_lines_whose_age_changed(
    make_settings: MakeSettings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, clock = app_on_a_moving_clock(make_settings, db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        shown = visible(lst)
        rows = [lst.row_at(index) for index in range(shown)]
        assert all(row is not None for row in rows)
        before = list_lines(app, lst)
        drawn = record_drawn(monkeypatch, lst)

        clock.now = NOW + timedelta(minutes=1)
        lst._tick()  # what the list's once-a-minute interval runs
        await pilot.pause()
        await pilot.pause()

        ages = [(age(r.created, NOW), age(r.created, clock.now)) for r in rows if r is not None]
        changed = {y for y, (old, new) in enumerate(ages) if old != new}
        # The sample's newest incident is 42 minutes old; the rest read in hours or days.
        assert ages[0] == ("42m", "43m")
        assert changed == {0}
        assert drawn == changed
        after = list_lines(app, lst)
        assert after[0] == before[0].replace(" 42m", " 43m") != before[0]
        assert after[1:] == before[1:]


async def test_a_tick_without_age_changes_redraws_nothing(
    make_settings: MakeSettings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, clock = app_on_a_moving_clock(make_settings, db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        before = list_lines(app, lst)
        drawn = record_drawn(monkeypatch, lst)
        clock.now = NOW + timedelta(seconds=30)  # "42m" still: no age reads differently
        lst._tick()
        await pilot.pause()
        await pilot.pause()
        assert drawn == set()
        assert list_lines(app, lst) == before


async def test_a_reload_after_the_clock_moved_redraws_the_ages_it_changed(
    make_settings: MakeSettings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app, clock = app_on_a_moving_clock(make_settings, db_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await settle(pilot)
        lst = incidents(app)
        await cursor_to(pilot, "school:r015")  # triggered, on screen
        acked = lst.cursor - int(lst.scroll_y)
        assert 0 < acked < visible(lst)
        drawn = record_drawn(monkeypatch, lst)
        # A minute on, but before the tick: the reload after the acknowledgement reads the
        # clock, and the newest row's age ("42m") must not stay as it was drawn.
        clock.now = NOW + timedelta(minutes=1)
        await pilot.press("a")
        await settle(pilot)
        assert drawn == {0, acked}
        lines = list_lines(app, lst)
        assert lines[0].endswith(" 43m")
        assert "↑" in lines[acked]


@pytest.mark.parametrize("sample", [30, 150])
async def test_a_sync_pass_that_changes_two_rows_redraws_only_those_lines(
    serve: Callable[..., EmulatorServer],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    sample: int,
) -> None:
    # 150 rows: the reload's total is provisional (one block read) until the count follows.
    server = serve("revily", sample)
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == sample)
        await settle(pilot)
        lst = incidents(app)
        shown = visible(lst)
        assert shown > 10
        before = list_lines(app, lst)
        targets = {2: "Chiller 4 tripped on low oil", 7: "Backup link flapping at DC-2"}
        async with httpx.AsyncClient(base_url=server.url) as client:
            for index, title in targets.items():
                row = lst.row_at(index)
                assert row is not None
                # Another responder edits the title on the remote itself.
                response = await client.put(
                    f"/incidents/{row.id.split(':', 1)[1]}",
                    params={"auth_token": DEFAULT_TOKEN},
                    data={"message": title},
                )
                assert response.status_code == 204
        drawn = record_drawn(monkeypatch, lst)

        assert app.runner is not None
        app.runner.sync_now()  # what the sync key runs, without its toast over the list
        await until(lambda: all(t in screen_text(app) for t in targets.values()))
        await until(lambda: synced(app))
        await settle(pilot)

        assert drawn == set(targets)
        after = list_lines(app, lst)
        for y in range(shown):
            if y in targets:
                assert targets[y] in after[y] and after[y] != before[y]
            else:
                assert after[y] == before[y]
