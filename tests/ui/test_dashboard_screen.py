"""The dashboard screen: snapshots at 80x24 and 120x40 over a fixed cache and clock, and its
behaviour (windows, refresh, filters, hostile text, the Kitehouse check, opening an incident).

Self-contained: the fixtures live here (tests/ui/conftest.py belongs to the list screens), and
a tiny App pushes the screen, with no sync and a frozen clock.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.domain.model import Incident, Severity, Status
from incident_tui.domain.query import ListQuery
from incident_tui.domain.stats import Window
from incident_tui.emulators import EmulatorServer
from incident_tui.remote.errors import Unavailable
from incident_tui.store.reader import Reader
from incident_tui.sync.online import Online
from incident_tui.ui.screens.dashboard import DashboardFetch, DashboardScreen
from tests.ui.helpers import finish_workers, until

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)

THEME_VARIABLES = {
    "severity-critical": "#FF5C6C",
    "severity-major": "#FF9F43",
    "severity-minor": "#E8D36A",
    "severity-none": "#8A8F98",
    "status-triggered": "#FF6B7A",
    "status-acknowledged": "#F5B94A",
    "status-resolved": "#4CC38A",
}
"""Fixed here (not the shipped themes), so these snapshots only change with this screen."""


SNAPSHOT_DIR = os.environ.get("TEXTUAL_SNAPSHOT_TEMPDIR")
"""Set by pytest-textual-snapshot at session start (before collection); its report needs it."""


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No colour or Textual switches from the developer's shell; UTC. The snapshot plugin's
    own variable stays (an environment cleaner that drops every ``TEXTUAL_*`` breaks
    ``snap_compare``)."""
    for name in list(os.environ):
        if name.startswith("TEXTUAL_") or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)
    if SNAPSHOT_DIR is not None:
        monkeypatch.setenv("TEXTUAL_SNAPSHOT_TEMPDIR", SNAPSHOT_DIR)
    monkeypatch.setenv("TZ", "UTC")
    yield


def _incidents() -> list[Incident]:
    """Five remotes, every status and severity, spread over 40 days, two hostile titles."""
    remotes = (
        ("school", "kitehouse"),
        ("safety", "fourhse"),
        ("oncall", "revily"),
        ("status", "oneuptime"),
        ("ops", "aoh_ims"),
    )
    items: list[Incident] = []
    for n in range(1, 121):
        remote, kind = remotes[n % 5]
        created = NOW - timedelta(minutes=(n * n * 7) % (40 * 24 * 60) + 3)
        status = (Status.TRIGGERED, Status.ACKNOWLEDGED, Status.RESOLVED, Status.RESOLVED)[n % 4]
        severity = (
            None
            if kind in ("revily", "fourhse")
            else (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, Severity.MINOR)[n % 4]
        )
        acked = created + timedelta(minutes=5 + n % 50) if status is not Status.TRIGGERED else None
        resolved = created + timedelta(minutes=40 + 7 * n) if status is Status.RESOLVED else None
        items.append(
            Incident(
                remote=remote,
                kind=kind,
                remote_id=f"r{n:03d}",
                ref=str(1000 + n),
                title=f"Incident {n}: disk pressure on node-{n % 7}",
                status=status,
                status_raw=status.value,
                created_at=created,
                updated_at=resolved or created,
                acknowledged_at=acked,
                resolved_at=resolved,
                severity=severity,
                version=f"v{n}",
                raw={"n": n},
            )
        )
    items[-1].title = "[@click=app.quit]x[/] \x1b[2Jwipe \u202eevil"
    items[-1].created_at = NOW - timedelta(days=400)  # the oldest open one
    items[-1].status = Status.TRIGGERED
    items[-2].title = "lone [/] closer"
    items[-2].created_at = NOW - timedelta(days=399)
    items[-2].status = Status.ACKNOWLEDGED
    return items


def build_cache(path: Path) -> Path:
    """A cache holding :func:`_incidents`, written the way sync writes it."""
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    engine = make_engine(path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, _incidents(), NOW)
    engine.dispose()
    return path


@pytest.fixture
def reader(tmp_path: Path) -> Iterator[Reader]:
    opened = Reader.open(build_cache(tmp_path / "dash.db"))
    yield opened
    opened.close()


class DashApp(App[None]):
    """Just the dashboard, over a given reader, at a frozen time."""

    def __init__(self, screen_factory: Any) -> None:
        super().__init__()
        self.screen_factory = screen_factory
        self.opened: list[str] = []

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLES}

    def on_mount(self) -> None:
        self.push_screen(self.screen_factory())

    def on_dashboard_screen_open_incident(self, message: DashboardScreen.OpenIncident) -> None:
        self.opened.append(message.incident_id)


def dash_app(reader: Reader, **kwargs: Any) -> DashApp:
    return DashApp(lambda: DashboardScreen(reader, clock=fixed_clock(NOW), **kwargs))


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until the screen's workers are done and every repaint they caused has landed:
    a worker's result can schedule further refreshes (charts, table, footer)."""
    for _ in range(3):
        await pilot.pause()
        # Not workers.wait_for_complete: it cannot be given a time limit (see finish_workers).
        await finish_workers(pilot.app.workers)
        await pilot.wait_for_scheduled_animations()
    await pilot.pause()


# Snapshots ----------------------------------------------------------------------------------


def test_snapshot_80x24(reader: Reader, snap_compare: Any) -> None:
    assert snap_compare(dash_app(reader), terminal_size=(80, 24), run_before=settled)


def test_snapshot_120x40(reader: Reader, snap_compare: Any) -> None:
    assert snap_compare(dash_app(reader), terminal_size=(120, 40), run_before=settled)


def test_snapshot_30_days_filtered_120x40(reader: Reader, snap_compare: Any) -> None:
    app = dash_app(reader, query=ListQuery(remotes=frozenset({"school", "ops"})))

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.press("3")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


# Behaviour ----------------------------------------------------------------------------------


def screen_of(app: App[Any]) -> DashboardScreen:
    screen = app.screen
    assert isinstance(screen, DashboardScreen)
    return screen


async def test_windows_switch_by_key(reader: Reader) -> None:
    app = dash_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = screen_of(app)
        assert screen.data is not None and screen.data.window is Window.DAY
        assert len(screen.data.opened) == 24
        for key, window, buckets in (
            ("2", Window.WEEK, 7),
            ("3", Window.MONTH, 30),
            ("w", Window.DAY, 24),
            ("w", Window.WEEK, 7),
        ):
            await pilot.press(key)
            await settled(pilot)
            assert screen.data.window is window and len(screen.data.opened) == buckets
        title = str(app.screen.query_one("#dash-title", Static).render())
        assert "last 7 days" in title


async def test_refresh_data_picks_up_changes(reader: Reader, tmp_path: Path) -> None:
    app = dash_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = screen_of(app)
        before = screen.data
        assert before is not None
        from incident_tui.store.actions import Actions

        actions = Actions.open(tmp_path / "dash.db", clock=fixed_clock(NOW))
        open_ids = [
            r.id
            for r in reader.all_rows(
                ListQuery(statuses=frozenset({Status.TRIGGERED, Status.ACKNOWLEDGED}))
            )
        ]
        for incident_id in open_ids[:3]:
            actions.delete(incident_id)
        screen.refresh_data()
        await settled(pilot)
        assert screen.data is not None
        assert screen.data.total_open == before.total_open - 3


async def test_resolutions_not_yet_sent_count_as_open(reader: Reader, tmp_path: Path) -> None:
    """Resolved here, the incidents are open on the remote until a sync sends that: the
    dashboard counts them open, as the handover does, and says how many it counts so."""
    from incident_tui.store.actions import Actions

    actions = Actions.open(tmp_path / "dash.db", clock=fixed_clock(NOW))
    app = dash_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        screen = screen_of(app)
        before = screen.data
        assert before is not None
        oldest = [item.id for item in before.oldest_open[:3]]
        actions.resolve(oldest)
        screen.refresh_data()
        await settled(pilot)
        assert screen.data is not None
        assert screen.data.total_open == before.total_open
        assert screen.data.resolved == before.resolved  # none of them resolved "now"
        assert screen.data.unsent_resolved == 3
        title = str(screen.query_one("#dash-title", Static).render())
        assert f"{before.total_open} open (3 resolves not yet sent)" in title
        table = screen.query_one("#dash-oldest", DataTable)
        assert [str(table.get_row_at(i)[2]) for i in range(4)] == ["res. unsent"] * 3 + [
            before.oldest_open[3].status
        ]


async def test_filters_apply_and_are_shown(reader: Reader) -> None:
    app = dash_app(reader, query=ListQuery(statuses=frozenset({Status.RESOLVED})))
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = screen_of(app)
        assert screen.data is not None and screen.data.total_open == 0
        assert "filtered: status resolved" in str(screen.query_one("#dash-title", Static).render())
        assert screen.query_one("#dash-oldest", DataTable).row_count == 0


async def test_hostile_titles_are_shown_as_text(reader: Reader) -> None:
    app = dash_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        table = screen_of(app).query_one("#dash-oldest", DataTable)
        titles = [str(table.get_row_at(i)[4]) for i in range(table.row_count)]
        assert titles[0] == "[@click=app.quit]x[/] wipe evil"
        assert titles[1] == "lone [/] closer"
        await pilot.click("#dash-oldest", offset=(60, 1))  # a click runs no action
        await pilot.pause()
        assert app.is_running


async def test_enter_asks_to_open_the_incident(reader: Reader) -> None:
    app = dash_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("enter")
        await pilot.pause()
        assert app.opened == ["school:r120"]


async def test_escape_goes_back(reader: Reader) -> None:
    app = dash_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DashboardScreen)


async def test_kitehouse_check_agrees_differs_and_fails(reader: Reader) -> None:
    asked: list[tuple[datetime, datetime]] = []

    async def agreeing(start: datetime, end: datetime) -> dict[str, Any]:
        asked.append((start, end))
        rows = reader.query(
            "SELECT created_at FROM incident WHERE remote = 'school' AND created_at >= ? "
            "AND created_at < ?",
            [start.strftime("%Y-%m-%dT%H:%M:%S"), end.strftime("%Y-%m-%dT%H:%M:%S")],
        )
        incidents = [{"_id": str(i), "created_at": r[0]} for i, r in enumerate(rows)]
        return {"incidents": incidents, "totalCount": len(incidents)}

    async def differing(start: datetime, end: datetime) -> dict[str, Any]:
        return {"incidents": [{"created_at": "2026-11-22T01:00:00Z"}] * 50, "totalCount": 50}

    async def failing(start: datetime, end: datetime) -> dict[str, Any]:
        raise Unavailable("connection refused")

    fetchers: dict[str, DashboardFetch] = {"school": agreeing, "ops": differing, "status": failing}
    app = dash_app(reader, kitehouse=fetchers)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("2", "v")
        await settled(pilot)
        screen = screen_of(app)
        assert asked == [(datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 23, tzinfo=UTC))]
        assert screen.checks[0].startswith("ops: differs from Kitehouse /dashboard: 2026-11-16")
        assert screen.checks[0].endswith("more days differ")
        assert screen.checks[1].startswith("school: agrees with Kitehouse /dashboard over 7 days")
        assert screen.checks[2] == "status: check failed: connection refused"
        assert screen.query_one("#dash-check").has_class("-shown")


async def test_no_check_without_kitehouse(reader: Reader) -> None:
    app = dash_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = screen_of(app)
        assert screen.check_action("check", ()) is False
        await pilot.press("v")
        await settled(pilot)
        assert screen.checks == []
        # The key still says why it did nothing.
        assert [n.message for n in app._notifications] == [
            "The check compares with a Kitehouse remote; none is configured."
        ]


async def test_recomputes_when_the_app_signals_changes(reader: Reader, tmp_path: Path) -> None:
    from textual.signal import Signal

    holder: dict[str, Any] = {}

    def make() -> DashboardScreen:
        screen = DashboardScreen(reader, clock=fixed_clock(NOW), changes=holder["signal"])
        holder["screen"] = screen
        return screen

    app = DashApp(make)
    holder["signal"] = Signal(app, "incidents-changed")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen: DashboardScreen = holder["screen"]
        assert screen.data is not None
        before = screen.data.total_open
        from incident_tui.store.actions import Actions

        Actions.open(tmp_path / "dash.db", clock=fixed_clock(NOW)).resolve(["school:r120"])
        holder["signal"].publish(["school:r120"])
        await settled(pilot)
        # Open on the remote until a sync sends the resolution.
        assert screen.data.total_open == before and screen.data.unsent_resolved == 1


HANG = 30.0
"""Seconds the remote sits on a check that it does not answer."""


async def test_kitehouse_check_of_a_remote_that_does_not_answer_ends_at_its_cap(
    reader: Reader, serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # Left to the connection's timeout and retries, "Checking…" stayed a minute.
    server = serve("kitehouse", sample=3)
    emulator: Any = server.emulator
    online = Online(
        Settings(db=tmp_path / "cache.db", remotes=[emulator.remote_config("school")])
    )
    emulator.faults.add("hang", path="/dashboard$", delay=HANG)
    fetchers: dict[str, DashboardFetch] = {"school": partial(online.dashboard, "school")}
    app = dash_app(reader, kitehouse=fetchers, check_timeout=1.0)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await settled(pilot)
            await pilot.press("v")
            screen = screen_of(app)
            # The words are the cap's (the connection would fail otherwise, and only once
            # the hang ends), and they come well before it does.
            failed = "school: check failed: no answer in 1 s; v asks again"
            await until(lambda: screen.checks[:1] == [failed], limit=HANG / 2)
            # Asked again, it answers this time (not just shows "Checking…" again); given
            # time to, as a loaded machine may need more than the second that the hang got.
            screen.check_timeout = HANG
            await pilot.press("v")
            await until(lambda: "Kitehouse /dashboard" in screen.checks[0], limit=HANG / 2)
    finally:
        emulator.faults.clear()
        await online.aclose()
