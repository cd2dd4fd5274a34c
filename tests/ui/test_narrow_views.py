"""What the screens show within their width, over loopback emulators where a remote is
involved: the server's handover e-mail follows the shift length, list ids tell incidents
apart (Revily's long dedup keys and AOH IMS's UUIDs no longer cut to the same prefix), and
the dashboard's mean times and chart labels read whole.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from textual.widgets import Static

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.dashboard import MeanTimes
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.widgets.charts import TimingChart
from incident_tui.ui.widgets.rows import short_label
from tests.ui.helpers import incidents, live_app, screen_text, settle, synced, until
from tests.ui.test_dashboard_screen import build_cache, dash_app, settled


async def test_the_server_email_follows_the_shift_length(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    app = live_app(serve("kitehouse", 5), "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        handover = app.screen
        assert isinstance(handover, HandoverScreen)

        def email() -> str:
            return str(handover.query_one("#handover-server-text", Static).render())

        await pilot.press("k")
        await until(lambda: handover.stream is not None and handover.stream.done)
        assert "last 12 hours" in email()
        await pilot.press("plus")
        await until(lambda: "last 24 hours" in email() and handover.stream.done)  # type: ignore[union-attr]
        assert "last 12 hours" not in email()
        assert handover.hours == 24
        await pilot.press("minus", "minus")
        await until(lambda: "last 8 hours" in email() and handover.stream.done)  # type: ignore[union-attr]


@pytest.mark.parametrize(("kind", "name"), [("revily", "oncall"), ("aoh_ims", "ops")])
async def test_list_ids_tell_incidents_apart_at_80_columns(
    serve: Callable[..., EmulatorServer], tmp_path: Path, kind: str, name: str
) -> None:
    app = live_app(serve(kind, 40), name, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and incidents(app).total == 40)
        await settle(pilot)
        rows = screen_text(app).splitlines()[2:-2]
        ids = [row[3:11].strip() for row in rows]
        assert len(ids) == 20 and all(ids), rows
        assert not any(i.endswith("…") for i in ids), ids  # whole, not cut
        assert len(set(ids)) == len(ids), ids  # every one different


def test_short_labels() -> None:
    assert short_label("1042", "6b05174ff252e6b438000289") == "1042"
    assert short_label("edge_proxy/payment_api_latency", "l3RavGD5") == "l3RavGD5"
    assert short_label(None, "b939ad88-60f7-41c9-a66a-af33c2e13f88") == "b939ad88"
    assert short_label("INC-0001", "eb5f6af1-f1cb-452a-9971-57c9eb653f7c") == "INC-0001"
    assert short_label(None, "6b05174ff252e6b438000289") == "6b05174ff252e6b438000289"
    assert short_label("\x1b[2Jx", None) == "x"


@pytest.mark.parametrize("size", [(80, 24), (60, 20)], ids=lambda s: f"{s[0]}x{s[1]}")
async def test_dashboard_mean_times_read_whole(tmp_path: Path, size: tuple[int, int]) -> None:
    # At 60x20 the five remotes' figures take three lines: the last remotes were cut off
    # when the block was held to two.
    reader = Reader.open(build_cache(tmp_path / "dash.db"))
    try:
        app = dash_app(reader)
        async with app.run_test(size=size) as pilot:
            await settled(pilot)
            shown = screen_text(app)
            times = str(app.screen.query_one("#dash-times", MeanTimes).render())
            assert times.startswith("Mean ack / resolve: ")
            for remote in ("oncall", "ops", "safety", "school", "status"):
                assert remote in times
            # Every line of it is on screen, none cut, none broken inside one remote's figures.
            for line in times.splitlines():
                assert line in shown and "…" not in line
                assert not line.startswith(("m ", "/")), times
            assert "Open for" in shown  # the oldest open incidents keep their place
    finally:
        reader.close()


async def test_dashboard_chart_names_whole_remotes_at_120_columns(tmp_path: Path) -> None:
    reader = Reader.open(build_cache(tmp_path / "dash.db"))
    try:
        app = dash_app(reader)
        async with app.run_test(size=(120, 40)) as pilot:
            await settled(pilot)
            chart = app.screen.query_one(TimingChart)
            lines = [strip.text for strip in chart.render_lines(chart.region.reset_offset)]
            labels = next(line for line in reversed(lines) if "ops" in line).split()
            assert labels == ["oncall", "ops", "safety", "school", "status"], lines
    finally:
        reader.close()
