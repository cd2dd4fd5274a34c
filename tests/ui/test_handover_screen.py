"""The handover screen: snapshots at 80x24 and 120x40 over a fixed cache and clock; copy,
save and the shift length; and the Kitehouse handover stream (chunks, a dropped stream and
its reconnect with backoff, refusal, giving up, hostile text).

Self-contained: the fixtures live here (tests/ui/conftest.py belongs to the list screens).
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from incident_tui.clock import fixed_clock, to_db
from incident_tui.domain.handover_render import dump_json, to_markdown
from incident_tui.domain.model import Comment, Incident, Severity, Status
from incident_tui.remote.errors import AuthFailed, BadResponse, RateLimited, Unavailable
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.screens.handover_stream import (
    RetryPolicy,
    StreamFactory,
    StreamView,
    follow_stream,
)
from tests.ui.helpers import finish_workers

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
REMOTES = ["school", "ops", "plant"]
"""Configured remotes; "plant" has never synced."""

THEME_VARIABLES = {
    "severity-critical": "#FF5C6C",
    "severity-major": "#FF9F43",
    "severity-minor": "#E8D36A",
    "severity-none": "#8A8F98",
}

SNAPSHOT_DIR = os.environ.get("TEXTUAL_SNAPSHOT_TEMPDIR")
"""Set by pytest-textual-snapshot at session start (before collection); its report needs it."""


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No colour or Textual switches from the developer's shell; UTC. The snapshot plugin's
    own variable stays (without it ``snap_compare`` fails)."""
    for name in list(os.environ):
        if name.startswith("TEXTUAL_") or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)
    if SNAPSHOT_DIR is not None:
        monkeypatch.setenv("TEXTUAL_SNAPSHOT_TEMPDIR", SNAPSHOT_DIR)
    monkeypatch.setenv("TZ", "UTC")
    yield


def _incident(n: int, remote: str, title: str, created: datetime, **fields: Any) -> Incident:
    kind = {"school": "kitehouse", "ops": "aoh_ims"}[remote]
    status = fields.pop("status", Status.TRIGGERED)
    return Incident(
        remote=remote,
        kind=kind,
        remote_id=f"r{n:02d}",
        ref=str(100 + n),
        title=title,
        status=status,
        status_raw=status.value,
        created_at=created,
        updated_at=fields.pop("updated", created),
        version=f"v{n}",
        raw={"n": n},
        **fields,
    )


def build_cache(path: Path) -> Path:
    """One incident per handover case, plus remote sync states and queued changes."""
    from incident_tui.store.actions import Actions
    from incident_tui.store.engine import session
    from incident_tui.store.upsert import upsert_incidents
    from incident_tui.sync import outbox, pull_store

    incidents = [
        _incident(
            1,
            "school",
            "Fire alarm in block C",
            NOW - 2 * HOUR,
            severity=Severity.CRITICAL,
            comments=[
                Comment("c1", "Fire brigade on site", NOW - HOUR, "Ana"),
                Comment("c2", "All clear given", NOW - 30 * timedelta(minutes=1), "Bo"),
            ],
        ),
        _incident(
            2,
            "ops",
            "Core switch flapping",
            NOW - 30 * HOUR,
            severity=Severity.MAJOR,
            updated=NOW - 26 * HOUR,
            extra={"next_update": to_db(NOW - 3 * HOUR)},
        ),
        _incident(
            3,
            "ops",
            "Printer queue stuck",
            NOW - 5 * HOUR,
            severity=Severity.MINOR,
            status=Status.RESOLVED,
            resolved_at=NOW - HOUR,
            updated=NOW - HOUR,
        ),
        _incident(
            4,
            "school",
            "Broken window in the gym",
            NOW - 50 * HOUR,
            severity=Severity.MINOR,
            updated=NOW - 40 * HOUR,
        ),
        _incident(
            5,
            "ops",
            "[@click=app.quit]x[/] \x1b[2Jwiped **bold** <b>",
            NOW - 3 * HOUR,
            severity=Severity.MINOR,
        ),
        _incident(
            6,
            "school",
            "Water leak in the kitchen",
            NOW - 20 * HOUR,
            severity=Severity.MINOR,
            status=Status.ACKNOWLEDGED,
            acknowledged_at=NOW - 19 * HOUR,
        ),
    ]
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    # A refused acknowledge of the acknowledged incident 6. The store queues no change to
    # the status an incident already has, so it is queued from triggered, as it was then.
    with actions.engine.begin() as connection:
        connection.exec_driver_sql(
            "UPDATE incident SET status = 'triggered' WHERE id = 'school:r06'"
        )
    refused = actions.acknowledge(["school:r06"])[0]
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422: status cannot change")
    pull_store.save_remote_state(
        actions.engine,
        "school",
        "kitehouse",
        state="ok",
        last_ok_at=to_db(NOW - 10 * timedelta(minutes=1)),
    )
    pull_store.save_remote_state(
        actions.engine,
        "ops",
        "aoh_ims",
        state="offline",
        last_ok_at=to_db(NOW - 14 * HOUR),
        last_error="connection refused",
    )
    actions.engine.dispose()
    return path


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return build_cache(tmp_path / "handover.db")


@pytest.fixture
def reader(cache: Path) -> Iterator[Reader]:
    opened = Reader.open(cache)
    yield opened
    opened.close()


def chunks(*parts: str, fail: Exception | None = None) -> StreamFactory:
    """A stream factory yielding ``parts`` (then raising ``fail``, if given), recording calls."""

    async def stream(hours: float) -> AsyncIterator[str]:
        for part in parts:
            yield part
        if fail is not None:
            raise fail

    return stream


def sequence(*factories: StreamFactory) -> tuple[StreamFactory, list[float]]:
    """One factory per connection attempt, in turn; also returns the hours asked for."""
    asked: list[float] = []

    def factory(hours: float) -> AsyncIterator[str]:
        asked.append(hours)
        return factories[min(len(asked), len(factories)) - 1](hours)

    return factory, asked


class HandApp(App[None]):
    """Just the handover screen, at a frozen time, with instant reconnect waits."""

    def __init__(self, screen: HandoverScreen) -> None:
        super().__init__()
        self.handover_screen = screen
        self.slept: list[float] = []

        async def sleep(seconds: float) -> None:
            self.slept.append(seconds)

        screen.sleep = sleep

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLES}

    def on_mount(self) -> None:
        self.push_screen(self.handover_screen)


def hand_app(reader: Reader, save_dir: Path | None = None, **kwargs: Any) -> HandApp:
    screen = HandoverScreen(
        reader, clock=fixed_clock(NOW), remotes=REMOTES, save_dir=save_dir, **kwargs
    )
    return HandApp(screen)


async def settled(pilot: Pilot[Any]) -> None:
    """Wait until the screen's workers are done and every repaint they caused has landed:
    a worker's result can schedule further refreshes (charts, table, footer)."""
    for _ in range(3):
        await pilot.pause()
        # Not workers.wait_for_complete: it cannot be given a time limit (see finish_workers).
        await finish_workers(pilot.app.workers)
        await pilot.wait_for_scheduled_animations()
    await pilot.pause()


def text_of(app: App[Any], selector: str) -> str:
    return str(app.screen.query_one(selector, Static).render())


# Snapshots ----------------------------------------------------------------------------------


def test_snapshot_80x24(reader: Reader, snap_compare: Any) -> None:
    assert snap_compare(hand_app(reader), terminal_size=(80, 24), run_before=settled)


def test_snapshot_120x40(reader: Reader, snap_compare: Any) -> None:
    assert snap_compare(hand_app(reader), terminal_size=(120, 40), run_before=settled)


def test_snapshot_with_server_email_120x40(reader: Reader, snap_compare: Any) -> None:
    stream = chunks(
        "Subject: Handover, last 12 hours\n\n",
        "1. Fire alarm in block C: ",
        "all clear at 11:30.\n",
        "2. \x1b]52;c;aGk=\x07[@click=app.quit]Gym[/] ok\n",
    )
    app = hand_app(reader, streams={"school": stream})

    async def run_before(pilot: Pilot[Any]) -> None:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


# The summary on screen ----------------------------------------------------------------------


async def test_shows_every_section_and_the_stale_cache(reader: Reader) -> None:
    app = hand_app(reader)
    async with app.run_test(size=(120, 60)) as pilot:
        await settled(pilot)
        text = text_of(app, "#handover-text")
        for heading in (
            "Needs attention now: 3",
            "New this shift: 3",
            "Resolved this shift: 1",
            "Still open from before: 3",
            "Stale, no update for 24 h: 2",
            "Comments this shift: 2",
            "Sync freshness",
        ):
            assert heading in text
        assert "WARNING: Data from ops may be out of date" in text
        assert "WARNING: Data from plant may be out of date: never synced" in text
        assert "push refused: HTTP 422: status cannot change" in text
        assert "update overdue since 2026-11-22 09:00Z" in text
        assert "[@click=app.quit]x[/] wiped **bold** <b>" in text  # literal, sanitised
        assert "\x1b" not in text
        assert "data may be out of date" in text_of(app, "#handover-title")


async def test_copy_markdown_and_json(reader: Reader) -> None:
    app = hand_app(reader)
    expected = handover_report(reader, now=NOW, hours=12, stale_hours=24, remotes=REMOTES)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("c")
        assert app.clipboard == to_markdown(expected)
        assert "\\[\\@click=app.quit\\]x\\[/\\]" in app.clipboard
        await pilot.press("j")
        assert app.clipboard == dump_json(expected)
        assert json.loads(app.clipboard)["counts"]["attention"] == 3


async def test_save_writes_markdown_and_json_without_overwriting(
    reader: Reader, tmp_path: Path
) -> None:
    folder = tmp_path / "exports"
    app = hand_app(reader, save_dir=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("w")
        await settled(pilot)
        await pilot.press("w")
        await settled(pilot)
    names = sorted(p.name for p in folder.iterdir())
    assert names == [
        "handover-20261122T1200Z-2.json",
        "handover-20261122T1200Z-2.md",
        "handover-20261122T1200Z.json",
        "handover-20261122T1200Z.md",
    ]
    expected = handover_report(reader, now=NOW, hours=12, stale_hours=24, remotes=REMOTES)
    assert (folder / "handover-20261122T1200Z.md").read_text() == to_markdown(expected)
    assert (folder / "handover-20261122T1200Z.json").read_text() == dump_json(expected)


async def test_save_is_off_without_a_folder(reader: Reader) -> None:
    app = hand_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)
        assert screen.check_action("save", ()) is False
        assert screen.check_action("server", ()) is False
        assert screen.check_action("copy", ("markdown",)) is True
        # Their keys say why they do nothing.
        await pilot.press("w", "k")
        await settled(pilot)
        assert [n.message for n in app._notifications] == [
            "Saving is off: no download folder is set.",
            "The server's e-mail comes from a Kitehouse remote; none is configured.",
        ]
        assert not screen.saved and screen.stream is None


async def test_hours_step_through_shift_lengths(reader: Reader) -> None:
    app = hand_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and screen.handover is not None
        await pilot.press("plus")
        await settled(pilot)
        assert screen.handover.hours == 24
        assert screen.handover.section("new").total == 4
        await pilot.press("minus", "minus", "minus", "minus", "minus")
        await settled(pilot)
        assert screen.handover.hours == 4
        assert "last 4 h" in text_of(app, "#handover-title")


async def test_refresh_data_picks_up_changes(reader: Reader, cache: Path) -> None:
    app = hand_app(reader)
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen) and screen.handover is not None
        assert screen.handover.section("resolved").total == 1
        from incident_tui.store.actions import Actions

        Actions.open(cache, clock=fixed_clock(NOW)).resolve(["school:r01"])
        screen.refresh_data()
        await settled(pilot)
        assert screen.handover.section("resolved").total == 2


# The Kitehouse handover stream --------------------------------------------------------------


async def test_stream_shows_chunks_as_they_arrive(reader: Reader) -> None:
    factory, asked = sequence(chunks("Dear team,\n", "all quiet.\n"))
    app = hand_app(reader, streams={"school": factory})
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert asked == [12.0]
        assert text_of(app, "#handover-server-text") == "Dear team,\nall quiet.\n"
        assert text_of(app, "#handover-server-status") == "Handover from school complete."
        assert app.slept == []


async def test_stream_reconnects_after_a_drop(reader: Reader) -> None:
    factory, asked = sequence(
        chunks("partial ", fail=Unavailable("handover stream failed: ReadError")),
        chunks(fail=BadResponse("handover is not an event stream")),
        chunks("Complete e-mail.\n"),
    )
    app = hand_app(reader, streams={"school": factory})
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert len(asked) == 3
        assert app.slept == [1.0, 2.0]  # exponential backoff
        assert text_of(app, "#handover-server-text") == "Complete e-mail.\n"  # not appended


async def test_stream_refusal_is_said_plainly_and_not_retried(reader: Reader) -> None:
    factory, asked = sequence(chunks(fail=AuthFailed("invalid token", status=401)))
    app = hand_app(reader, streams={"school": factory})
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert len(asked) == 1 and app.slept == []
        status = app.screen.query_one("#handover-server-status", Static)
        assert str(status.render()) == "school refused the handover (HTTP 401): invalid token"
        assert status.has_class("-failed")


async def test_stream_gives_up_after_bounded_attempts() -> None:
    factory, asked = sequence(chunks(fail=Unavailable("timed out")))
    slept: list[float] = []
    updates: list[str] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    def update(view: StreamView) -> None:
        updates.append(view.status)

    policy = RetryPolicy(attempts=5, first_delay=1.0, factor=2.0, max_delay=5.0)
    view = await follow_stream(factory, 8.0, update, policy=policy, sleep=sleep, remote="school")
    assert len(asked) == 5 and asked[0] == 8.0
    assert slept == [1.0, 2.0, 4.0, 5.0]  # capped at max_delay
    assert view.failed and view.status == "Gave up after 5 attempts: timed out"
    assert "Reconnecting to school (attempt 2 of 5)…" in updates


async def test_stream_honours_retry_after_and_cleans_text() -> None:
    factory, _ = sequence(
        chunks(fail=RateLimited("slow down", retry_after=7.0)),
        chunks("\x1b]52;c;aGk=\x07[@click=app.quit]ok[/] \u202eend\x1b[2J"),
    )
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    view = await follow_stream(factory, 12.0, lambda v: None, sleep=sleep)
    assert slept == [7.0]
    assert view.done and view.text == "[@click=app.quit]ok[/] end"


async def test_the_server_email_follows_the_hours(reader: Reader) -> None:
    factory, asked = sequence(chunks("Subject: Handover\n"))
    app = hand_app(reader, streams={"school": factory})
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("plus")  # no e-mail shown yet: nothing asked of the server
        await settled(pilot)
        assert asked == []
        await pilot.press("k")
        await settled(pilot)
        await pilot.press("plus")
        await settled(pilot)
        await pilot.press("minus", "minus")
        await settled(pilot)
        assert asked == [24.0, 48.0, 24.0, 12.0]


async def test_k_cycles_through_kitehouse_remotes(reader: Reader) -> None:
    first, _ = sequence(chunks("from school"))
    second, _ = sequence(chunks("from campus"))
    app = hand_app(reader, streams={"school": first, "campus": second})
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert text_of(app, "#handover-server-text") == "from campus"  # sorted by name
        await pilot.press("k")
        await settled(pilot)
        assert text_of(app, "#handover-server-text") == "from school"


async def test_a_failed_save_is_reported(reader: Reader, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the folder should be")
    app = hand_app(reader, save_dir=blocker / "exports")
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        await pilot.press("w")
        await settled(pilot)
        assert app.is_running
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("Could not save the handover:") for m in messages)


async def test_recomputes_when_the_app_signals_changes(reader: Reader, cache: Path) -> None:
    from textual.signal import Signal

    screen = HandoverScreen(reader, clock=fixed_clock(NOW), remotes=REMOTES)
    app = HandApp(screen)
    changes: Signal[list[str]] = Signal(app, "incidents-changed")
    screen.changes = changes
    async with app.run_test(size=(100, 30)) as pilot:
        await settled(pilot)
        assert screen.handover is not None and screen.handover.section("resolved").total == 1
        from incident_tui.store.actions import Actions

        Actions.open(cache, clock=fixed_clock(NOW)).resolve(["school:r01"])
        changes.publish(["school:r01"])
        await settled(pilot)
        assert screen.handover.section("resolved").total == 2
