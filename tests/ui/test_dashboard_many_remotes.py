"""The dashboard over a few dozen remotes: the mean times keep to a few lines (the rest
scroll, reached by tab) and the oldest open incidents, which have the keyboard, stay on
screen, as does the incident the cursor is on."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.widget import Widget
from textual.widgets import DataTable

from incident_tui.domain.model import Incident, Severity, Status
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.dashboard import MeanTimes
from incident_tui.ui.widgets.charts import TimingChart
from tests.ui.helpers import screen_text
from tests.ui.test_dashboard_screen import NOW, dash_app, settled

KINDS = ("kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims")


def remote_names(count: int) -> list[str]:
    """``count`` remotes, several of each kind, named as sites are."""
    return [f"{KINDS[n % 5][:4]}-site-{n:02d}" for n in range(count)]


def many_remotes_cache(path: Path, count: int) -> Path:
    """Per remote one incident resolved and two open, all within the last day."""
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    items: list[Incident] = []
    for index, remote in enumerate(remote_names(count)):
        for n, status in enumerate((Status.RESOLVED, Status.ACKNOWLEDGED, Status.TRIGGERED)):
            created = NOW - timedelta(hours=20 - n * 3, minutes=index)
            acked = created + timedelta(minutes=5 + index) if n < 2 else None
            resolved = created + timedelta(minutes=90 + index) if n == 0 else None
            items.append(
                Incident(
                    remote=remote,
                    kind=KINDS[index % 5],
                    remote_id=f"{remote}-{n}",
                    ref=f"{index * 10 + n}",
                    title=f"Lift {index}-{n} stuck",
                    status=status,
                    status_raw=status.value,
                    created_at=created,
                    updated_at=resolved or acked or created,
                    acknowledged_at=acked,
                    resolved_at=resolved,
                    severity=Severity.MAJOR,
                    version="v1",
                    raw={"n": n},
                )
            )
    engine = make_engine(path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, items, NOW)
    engine.dispose()
    return path


@pytest.fixture
def many(tmp_path: Path) -> Iterator[Reader]:
    opened = Reader.open(many_remotes_cache(tmp_path / "many.db", 38))
    yield opened
    opened.close()


def under_cursor(app: Any) -> tuple[str, str]:
    """The oldest-open incident the cursor is on: its id and the table's words for it."""
    table = app.screen.query_one("#dash-oldest", DataTable)
    key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value
    return str(key), str(table.get_row_at(table.cursor_row)[3])


@pytest.mark.parametrize(
    "size", [(80, 24), (60, 20), (80, 40), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}"
)
async def test_the_incident_under_the_cursor_stays_on_screen(
    many: Reader, size: tuple[int, int]
) -> None:
    # At 80x24 the mean times took a line per two remotes and pushed the table below the
    # screen: down and enter moved in and opened incidents the user could not see.
    app = dash_app(many)
    async with app.run_test(size=size) as pilot:
        await settled(pilot)
        table = app.screen.query_one("#dash-oldest", DataTable)
        assert app.focused is table
        assert table.row_count > 4
        for step in range(table.row_count):
            if step:
                await pilot.press("down")
            await settled(pilot)
            shown = screen_text(app)
            incident_id, words = under_cursor(app)
            assert words in shown, shown
        await pilot.press("enter")
        await pilot.pause()
        assert app.opened == [incident_id]
        if size == (80, 24):
            # The table is whole on the first screen, its heading and the charts' too.
            assert "Open for" in shown and "Dashboard" in shown


@pytest.mark.parametrize(
    "size", [(80, 24), (60, 20), (80, 40), (120, 40)], ids=lambda s: f"{s[0]}x{s[1]}"
)
async def test_every_remote_mean_times_are_reached_by_tab(
    many: Reader, size: tuple[int, int]
) -> None:
    app = dash_app(many)
    async with app.run_test(size=size) as pilot:
        await settled(pilot)
        times = app.screen.query_one(MeanTimes)
        box = times.parent
        assert isinstance(box, Widget)
        shown = screen_text(app)
        assert "Mean ack / resolve, 38 remotes (tab scrolls):" in shown
        assert box.region.height <= (3 if size[1] < 30 else 6)
        await pilot.press("tab")
        assert app.focused is box
        lines: set[str] = set(shown.splitlines())
        for _ in range(20):
            await pilot.press("down")
            await pilot.pause()
            lines |= set(screen_text(app).splitlines())
            if box.scroll_y == box.max_scroll_y:
                break
        text = "\n".join(lines)
        for name in remote_names(38):
            assert f" {name} " in f" {text} ".replace("\n", " "), name
        assert box.scroll_y == box.max_scroll_y > 0
        for line in str(times.render()).splitlines():
            assert "…" not in line
        # Back to the table.
        await pilot.press("tab")
        assert app.focused is app.screen.query_one("#dash-oldest", DataTable)
        # At 120 columns too: the chart named 38 remotes by a letter or two ('a a a k k').
        assert not app.screen.query_one(TimingChart).display


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_one_remote_mean_times_do_not_take_the_keyboard(
    tmp_path: Path, size: tuple[int, int]
) -> None:
    reader = Reader.open(many_remotes_cache(tmp_path / "one.db", 1))
    try:
        app = dash_app(reader)
        async with app.run_test(size=size) as pilot:
            await settled(pilot)
            shown = screen_text(app)
            assert "Mean ack / resolve: kite-site-00 5m / 1h 30m" in shown
            assert "tab" not in shown
            # Nothing to scroll: tab stays on the table.
            await pilot.press("tab")
            assert app.focused is app.screen.query_one("#dash-oldest", DataTable)
    finally:
        reader.close()
