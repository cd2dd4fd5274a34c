"""Screens that must read right at 80x24 and say only what is so, through the real App:

- a remote taken out of the config is not shown or warned about (status line, ``S``, the
  handover) though the cache still holds its last state;
- every remote offline still fits the status line, offline ones grouped like healthy ones;
- the dashboard's opened/resolved chart keeps several rows, its legend off the data;
- the Kitehouse e-mail pane keeps an incident's line whole and words a lost connection as
  the rest of the app does;
- the new-incident dialog's severity list opens inside the dialog;
- the handover's "Saved" notice never breaks a file name.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Select, Static
from textual.widgets._select import SelectOverlay
from textual.widgets._toast import Toast

from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.screens.handover_stream import event_text
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from incident_tui.ui.screens.remotes import RemotesScreen
from incident_tui.ui.widgets.charts import TimelineChart
from incident_tui.ui.widgets.status_line import RemoteLine, status_content
from tests.conftest import dead_port
from tests.ui.conftest import NOW
from tests.ui.helpers import live_app, screen_text, settle, synced, until

Serve = Callable[..., EmulatorServer]



def offline(config: dict[str, Any]) -> dict[str, Any]:
    """``config`` pointing at a port nobody answers."""
    return {**config, "base_url": f"http://127.0.0.1:{dead_port()}"}


async def sync_once(
    monkeypatch: pytest.MonkeyPatch, cache: Path, remotes: list[dict[str, Any]]
) -> None:
    """One ``incident-tui sync --once`` into ``cache`` with these remotes (in a thread: the
    command line runs its own event loop)."""
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps(remotes))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(cache))
    await asyncio.to_thread(main, ["sync", "--once"])
    monkeypatch.delenv("INCIDENT_TUI_REMOTES")
    monkeypatch.delenv("INCIDENT_TUI_DB")


def app_over(cache: Path, remotes: list[dict[str, Any]], **settings: Any) -> Any:
    """The App as the CLI builds it over ``cache`` with these remotes, not syncing."""
    from incident_tui.ui.app import make_app

    app = make_app(
        Settings(db=cache, remotes=remotes, **settings),
        clock=fixed_clock(NOW),
        sync=False,
        cursor_blink=False,
    )
    app.animation_level = "none"
    return app


def status_row(app: Any) -> str:
    """The status line as the terminal shows it."""
    return screen_text(app).splitlines()[-2]


# A remote taken out of the config -----------------------------------------------------------


async def test_a_remote_taken_out_of_the_config_is_not_shown_or_warned_about(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    oncall = serve("revily", sample=3).emulator.remote_config("oncall")
    ghost = offline(serve("revily").emulator.remote_config("ghost"))
    cache = tmp_path / "cache.db"
    await sync_once(monkeypatch, cache, [oncall, ghost])

    app = app_over(cache, [oncall])
    assert {r.name: r.state for r in app.services.reader.remotes()}["ghost"] == "offline"
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = status_row(app)
        assert "oncall" in line and "ghost" not in line, line

        await pilot.press("S")
        await settle(pilot)
        assert isinstance(app.screen, RemotesScreen)
        assert "oncall (Revily)" in app.screen.text
        assert "ghost" not in app.screen.text and "ghost" not in screen_text(app)

        await pilot.press("escape", "h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and screen.handover is not None
        assert [r.name for r in screen.handover.remotes] == ["oncall"]
        assert not any("ghost" in warning for warning in screen.handover.warnings)
        assert "ghost" not in str(screen.query_one("#handover-text", Static).render())


# Every remote offline at 80 columns ---------------------------------------------------------


async def test_every_offline_remote_is_named_at_80_columns(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    names = ("kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims")
    remotes = [offline(serve(name).emulator.remote_config(name)) for name in names]
    cache = tmp_path / "cache.db"
    await sync_once(monkeypatch, cache, remotes)

    app = app_over(cache, remotes)
    assert {r.state for r in app.services.reader.remotes()} == {"offline"}
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = status_row(app)
        assert "…" not in line, line
        assert "kitehouse, fourhse, revily, oneuptime, aoh_ims offline" in line, line


def test_problems_in_the_same_words_share_an_entry_when_shortened() -> None:
    at = "2026-11-22T11:56:00.000000Z"
    remotes = [
        RemoteLine("school", "failing", at, "HTTP 401: token expired for site s1"),
        RemoteLine("plant", "offline", at, "connection refused"),
        RemoteLine("oncall", "failing", at, "HTTP 401: bad token"),
        RemoteLine("status", "offline", at, "no route to host"),
        RemoteLine("ops", "never"),
    ]
    assert status_content(remotes, 3, width=78).plain == (
        "3 queued │ school, oncall HTTP 401 │ plant, status offline │ ops never synced"
    )


# The dashboard's time chart at 80x24 --------------------------------------------------------


def chart_rows(app: Any) -> tuple[str, list[str], str]:
    """The time chart's first line (title and legend), its plot rows (inside the frame) and
    the frame's bottom line (with a tick per labelled bucket)."""
    chart = app.screen.query_one(TimelineChart)
    region = chart.region
    lines = screen_text(app).splitlines()[region.y : region.y + region.height]
    top = next(i for i, line in enumerate(lines) if "┌" in line)
    bottom = next(i for i, line in enumerate(lines) if "└" in line)
    return "\n".join(lines[:top]), lines[top + 1 : bottom], lines[bottom]


@pytest.mark.parametrize("window", ["1", "2"])
async def test_the_time_chart_is_readable_at_80x24(make_app: Any, window: str) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("d", window)
        await settle(pilot)
        heading, plot, frame = chart_rows(app)
        assert "Opened and resolved" in heading
        assert "opened" in heading.replace("Opened", "") and "resolved" in heading
        assert len(plot) >= 5, plot
        assert sum("┤" in row for row in plot) >= 3, plot  # y ticks beyond 0 and the top
        # The legend is off the data: each plot row holds axis and data only.
        for row in plot:
            inside = row.split("┤" if "┤" in row else "│", 1)[1]
            assert not any(ch.isalpha() for ch in inside), plot
        # The data is drawn from the first labelled bucket on (the legend used to cover it).
        zero = plot[-1]
        first_data = len(zero) - len(zero.split("┤", 1)[1].lstrip())
        assert first_data <= frame.index("┬"), [*plot, frame]


# The Kitehouse e-mail pane ------------------------------------------------------------------


def test_an_event_keeps_its_ends_and_folds_its_inside() -> None:
    assert event_text("- #1 [High] Broken\r\nwindow (unassigned)\n") == (
        "- #1 [High] Broken window (unassigned)\n"
    )
    assert event_text("\n") == "\n"
    assert event_text("\nRegards,\n") == "\nRegards,\n"
    assert event_text(" team") == " team"  # a server streaming words keeps its spaces
    assert event_text("a\x1b[2J\u202eb\n") == "ab\n"


async def test_the_email_pane_keeps_a_title_on_its_line_and_words_a_lost_connection(
    serve: Serve, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=2)
    kite.emulator.add("Broken window\r\nin block C")  # type: ignore[attr-defined]
    app = live_app(kite, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)

        async def no_wait(seconds: float) -> None:
            return None

        screen.sleep = no_wait
        await pilot.press("k")
        await until(lambda: screen.stream is not None and screen.stream.done)
        lines = screen.stream.text.splitlines()  # type: ignore[union-attr]
        assert any(line.endswith("Broken window in block C (unassigned)") for line in lines)

        kite.stop()
        await pilot.press("k")  # the only Kitehouse remote: follow it again
        await until(lambda: screen.stream is not None and screen.stream.failed)
        await settle(pilot)
        status = str(screen.query_one("#handover-server-status", Static).render())
        gave_up = f"Gave up after 5 attempts: cannot connect to {kite.url}: "
        assert status.startswith(gave_up), status
        assert "ConnectError" not in status


# The new-incident dialog --------------------------------------------------------------------


async def test_the_severity_list_opens_inside_the_new_incident_dialog(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, NewIncidentScreen)
        severity = app.screen.query_one("#form-severity", Select)
        severity.focus()
        await pilot.press("enter")
        await settle(pilot)
        assert severity.expanded
        listed = severity.query_one(SelectOverlay).region
        dialog = app.screen.query_one(".dialog").region
        assert listed.height >= 4  # every option shown
        # Within the dialog's border (one cell on each side).
        assert listed.y > dialog.y and listed.bottom < dialog.bottom, (listed, dialog)
        assert "minor" in screen_text(app)
        await pilot.press("down", "down", "down", "enter")
        await settle(pilot)
        assert severity.value == "minor"


# The handover's "Saved" notice --------------------------------------------------------------


async def test_the_saved_notice_keeps_file_names_whole_at_80_columns(
    make_app: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / "handovers" / "night shift"
    app = make_app(download_dir=folder)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and len(screen.saved) == 2
        await until(lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        shown = screen_text(app)
        for path in screen.saved:
            assert path.parent == folder
            assert path.name in shown, shown
        assert "in ~/handovers/night shift" in shown, shown
