"""The handover screen: snapshots at 80x24 and 120x40 over a fixed cache and clock; copy,
save and the shift length; and the Kitehouse handover stream over HTTP from a loopback
emulator (chunks as they come, a stream cut part-way and its reconnect with backoff, a
refusal, giving up, Retry-After, hostile text).

Self-contained: the fixtures live here (tests/ui/conftest.py belongs to the list screens).
"""

from __future__ import annotations

import asyncio
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Static

from incident_tui.clock import fixed_clock, to_db
from incident_tui.config import Settings
from incident_tui.domain.handover_render import dump_json, to_markdown
from incident_tui.domain.model import Comment, Incident, Severity, Status
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.kitehouse_stream_cuts import StreamCutKitehouse
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.sync.online import Online
from incident_tui.ui.screens.handover import HandoverScreen
from incident_tui.ui.screens.handover_stream import RetryPolicy, StreamFactory
from tests.ui.helpers import finish_workers, until

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


def start_kitehouse(**options: Any) -> EmulatorServer:
    """A Kitehouse emulator on a loopback port, on the tests' frozen clock, whose handover
    stream can also be cut part-way (``options`` go to its constructor)."""
    return EmulatorServer(StreamCutKitehouse(clock=lambda: NOW, **options)).start()


@pytest.fixture
def servers() -> Iterator[list[EmulatorServer]]:
    """Emulators a test starts (append them); all stopped after."""
    started: list[EmulatorServer] = []
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def kitehouse(servers: list[EmulatorServer]) -> EmulatorServer:
    """A Kitehouse emulator with two incidents of this shift: its e-mail has a line each."""
    server = start_kitehouse()
    servers.append(server)
    emulator = kite(server)
    emulator.add("Boiler leak in the science block", priority="Critical")
    emulator.add("Gym door jammed", priority="Medium")
    return server


def kite(server: EmulatorServer) -> StreamCutKitehouse:
    emulator = server.emulator
    assert isinstance(emulator, StreamCutKitehouse)
    return emulator


def online_for(tmp_path: Path, **remotes: EmulatorServer | dict[str, Any]) -> Online:
    """The connectors the App opens for its online features, over the emulators given by
    remote name (a dict: that remote's config, for a wrong token and the like)."""
    configs = [
        server.emulator.remote_config(name) if isinstance(server, EmulatorServer) else server
        for name, server in remotes.items()
    ]
    return Online(Settings(db=tmp_path / "online.db", remotes=configs))


def streams_of(online: Online) -> dict[str, StreamFactory]:
    """Remote name to its handover stream, as the App gives them to the screen."""
    return {r.name: partial(online.handover_stream, r.name) for r in online.settings.remotes}


def asked_hours(server: EmulatorServer) -> list[str]:
    """The ``hours`` of every handover request the emulator got, in order."""
    emulator = server.emulator
    with emulator.lock:
        log = list(emulator.log)
    return [parse_qs(e.query)["hours"][0] for e in log if e.path.endswith("/handover")]


async def server_email(online: Online, remote: str, hours: float = 12) -> str:
    """The whole e-mail as an unhindered stream brings it."""
    return "".join([chunk async for chunk in online.handover_stream(remote, hours)])


@dataclass
class Wait:
    """A wait between two connections of the stream, and what the screen showed."""

    seconds: float
    status: str
    """The server pane's status line during the wait."""
    text: str
    """The e-mail in the pane during the wait."""
    next_status: str = ""
    """The status line while the next connection is under way."""


class HandApp(App[None]):
    """Just the handover screen, at a frozen time, with instant reconnect waits that note
    what the screen showed; closes the connectors of ``online`` on the way out, as the App
    does."""

    def __init__(self, screen: HandoverScreen, online: Online | None = None) -> None:
        super().__init__()
        self.handover_screen = screen
        self.online = online
        self.waits: list[Wait] = []

        async def sleep(seconds: float) -> None:
            wait = Wait(
                seconds,
                text_of(self, "#handover-server-status"),
                text_of(self, "#handover-server-text"),
            )
            self.waits.append(wait)

            def connecting() -> None:
                wait.next_status = text_of(self, "#handover-server-status")

            # Runs at the loop's next turn: the stream has then said it is reconnecting and
            # its next connection is under way (a socket cannot answer before that turn).
            asyncio.get_running_loop().call_soon(connecting)

        screen.sleep = sleep

    @property
    def slept(self) -> list[float]:
        return [wait.seconds for wait in self.waits]

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return {**super().get_theme_variable_defaults(), **THEME_VARIABLES}

    def on_mount(self) -> None:
        self.push_screen(self.handover_screen)

    async def on_unmount(self) -> None:
        if self.online is not None:
            await self.online.aclose()


def hand_app(
    reader: Reader, save_dir: Path | None = None, online: Online | None = None, **kwargs: Any
) -> HandApp:
    if online is not None:
        kwargs["streams"] = streams_of(online)
    screen = HandoverScreen(
        reader, clock=fixed_clock(NOW), remotes=REMOTES, save_dir=save_dir, **kwargs
    )
    return HandApp(screen, online)


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


def test_snapshot_with_server_email_120x40(
    reader: Reader, servers: list[EmulatorServer], tmp_path: Path, snap_compare: Any
) -> None:
    server = start_kitehouse()
    servers.append(server)
    kite(server).add("Fire alarm in block C: all clear at 11:30", priority="Critical")
    kite(server).add("\x1b]52;c;aGk=\x07[@click=app.quit]Gym[/] ok", priority="Medium")
    app = hand_app(reader, online=online_for(tmp_path, school=server))

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
        # The refused acknowledge: the status shown is ours, which the remote does not have.
        assert "Water leak in the kitchen (acknowledged here, not sent (refused);" in text
        assert "update overdue since 2026-11-22 09:00Z" in text
        assert "[@click=app.quit]x[/] wiped **bold** <b>" in text  # literal, sanitised
        assert "\x1b" not in text
        assert "data may be out of date" in text_of(app, "#handover-title")


async def test_says_how_many_incidents_dated_after_the_shift_it_leaves_out(
    reader: Reader, cache: Path
) -> None:
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    engine = make_engine(cache)
    with session(engine) as s, s.begin():
        # A remote's clock years ahead: in no section of this shift.
        ahead = _incident(20, "ops", "Dated ahead", datetime(2030, 1, 1, tzinfo=UTC))
        upsert_incidents(s, [ahead], NOW)
    engine.dispose()
    app = hand_app(reader)
    async with app.run_test(size=(120, 40)) as pilot:
        await settled(pilot)
        text = text_of(app, "#handover-text")
        glance = text[text.index("At a glance") : text.index("Needs attention now: 3 (")]
        assert (
            "- Left out of every section: 1 incident dated after this shift's end (created or "
            "resolved after 2026-11-22 12:05Z; a remote's clock or record may be wrong)"
        ) in glance
        assert "Dated ahead" not in text


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
        # Resolved here, not yet sent: open on the remote, so not counted as resolved yet.
        resolved = screen.handover.section("resolved")
        assert (resolved.total, resolved.unsent) == (1, 1)


# The Kitehouse handover stream, over HTTP from a loopback emulator -------------------------


async def test_stream_shows_chunks_as_they_arrive(reader: Reader, tmp_path: Path,
                                                  servers: list[EmulatorServer]) -> None:
    # The server takes a moment over each line, so the e-mail is seen growing.
    server = start_kitehouse(handover_delay=0.1)
    servers.append(server)
    kite(server).add("Boiler leak in the science block", priority="Critical")
    online = online_for(tmp_path, school=server)
    app = hand_app(reader, online=online)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")

        def part_way() -> bool:
            text = text_of(app, "#handover-server-text")
            return text.startswith("Subject: Handover - last 12 hours") and (
                "Kitehouse Assistant" not in text
            )

        await until(part_way)
        assert text_of(app, "#handover-server-status") == "Receiving the handover from school…"
        await settled(pilot)
        assert asked_hours(server) == ["12"] and app.slept == []
        expected = await server_email(online, "school")
        assert "- #1001 [Critical] Boiler leak in the science block (unassigned)\n" in expected
        assert text_of(app, "#handover-server-text") == expected
        assert text_of(app, "#handover-server-status") == "Handover from school complete."


async def test_stream_reconnects_after_a_drop(reader: Reader, tmp_path: Path,
                                              kitehouse: EmulatorServer) -> None:
    emulator = kite(kitehouse)
    # The first answer is no event stream (a fault the server applies before the handover
    # route runs); the next two streams are cut, after three lines and then after one.
    emulator.faults.add("malformed", path="/handover$")
    emulator.cut_handover(after=3)
    emulator.cut_handover(after=1)
    online = online_for(tmp_path, school=kitehouse)
    app = hand_app(reader, online=online)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert len(asked_hours(kitehouse)) == 4
        assert app.slept == [1.0, 2.0, 4.0]  # exponential backoff
        expected = await server_email(online, "school")
        lines = expected.splitlines(keepends=True)
        assert lines[0].startswith("Subject: Handover")
        garbled, dropped, dropped_again = app.waits
        # While waiting, the pane says what failed and why, and keeps the e-mail so far.
        assert garbled.status.startswith(
            "Attempt 1 of 5 failed: handover is not an event stream"
        ), garbled.status
        assert garbled.status.endswith("; retrying in 1 s") and garbled.text == ""
        assert garbled.next_status == "Reconnecting to school (attempt 2 of 5)…"
        assert dropped.status.startswith(
            f"Attempt 2 of 5 failed: connection to {kitehouse.url} dropped: "
        ), dropped.status
        assert dropped.status.endswith("; retrying in 2 s")
        assert dropped.text == "".join(lines[:3])
        assert dropped.next_status == "Reconnecting to school (attempt 3 of 5)…"
        # Each connection streams the e-mail anew: its text replaces, never adds to, the
        # text of the one before.
        assert dropped_again.status.startswith("Attempt 3 of 5 failed: connection to ")
        assert dropped_again.text == lines[0]
        assert text_of(app, "#handover-server-text") == expected
        assert text_of(app, "#handover-server-status") == "Handover from school complete."


async def test_stream_refusal_is_said_plainly_and_not_retried(
    reader: Reader, tmp_path: Path, kitehouse: EmulatorServer
) -> None:
    config = kitehouse.emulator.remote_config("school") | {"token": "expired-token"}
    app = hand_app(reader, online=online_for(tmp_path, school=config))
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert len(asked_hours(kitehouse)) == 1 and app.slept == []
        status = app.screen.query_one("#handover-server-status", Static)
        shown = str(status.render())
        # The status once, not "(HTTP 401): HTTP 401: ..."
        assert shown == (
            "school refused the handover: HTTP 401: Authorization token is invalid or has "
            "expired"
        ), shown
        assert status.has_class("-failed")
        assert text_of(app, "#handover-server-text") == ""


async def test_stream_gives_up_after_bounded_attempts(
    reader: Reader, tmp_path: Path, kitehouse: EmulatorServer
) -> None:
    kite(kitehouse).faults.add("drop", path="/handover$", times=-1)
    policy = RetryPolicy(attempts=5, first_delay=1.0, factor=2.0, max_delay=5.0)
    app = hand_app(reader, online=online_for(tmp_path, school=kitehouse), hours=8.0,
                   retry=policy)
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert asked_hours(kitehouse) == ["8"] * 5
        assert app.slept == [1.0, 2.0, 4.0, 5.0]  # capped at max_delay
        assert [wait.next_status for wait in app.waits] == [
            f"Reconnecting to school (attempt {n} of 5)…" for n in (2, 3, 4, 5)
        ]
        status = app.screen.query_one("#handover-server-status", Static)
        shown = str(status.render())
        assert shown.startswith(
            f"Gave up after 5 attempts: connection to {kitehouse.url} dropped: "
        ), shown
        assert status.has_class("-failed")


async def test_stream_honours_retry_after_and_cleans_text(
    reader: Reader, tmp_path: Path, kitehouse: EmulatorServer
) -> None:
    emulator = kite(kitehouse)
    emulator.add("\x1b]52;c;aGk=\x07[@click=app.quit]ok[/] \u202eend\x1b[2J", priority="Medium")
    # Both ask for longer than the backoff would wait (1 s, then 2 s).
    emulator.faults.add("status", status=429, retry_after="7", path="/handover$")
    emulator.faults.add("status", status=503, retry_after="5", path="/handover$")
    app = hand_app(reader, online=online_for(tmp_path, school=kitehouse))
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert app.slept == [7.0, 5.0]
        limited, unavailable = app.waits
        assert limited.status.startswith("Attempt 1 of 5 failed: HTTP 429"), limited.status
        assert limited.status.endswith("retrying in 7 s")
        assert unavailable.status.startswith("Attempt 2 of 5 failed: HTTP 503"), unavailable.status
        assert unavailable.status.endswith("retrying in 5 s")
        text = text_of(app, "#handover-server-text")
        assert "- #1003 [Medium] [@click=app.quit]ok[/] end (unassigned)\n" in text
        assert not any(ch in text for ch in ("\x1b", "\x07", "\u202e"))
        assert text_of(app, "#handover-server-status") == "Handover from school complete."


async def test_stream_asked_for_a_long_pause_says_until_when_and_waits(
    reader: Reader, tmp_path: Path, kitehouse: EmulatorServer
) -> None:
    # An hour asked for: reconnecting in a second would go against it, and waiting an
    # hour with the screen open helps nobody; k asks again once the time has come.
    kite(kitehouse).faults.add("status", status=429, retry_after="3600", path="/handover$",
                               times=-1)
    app = hand_app(reader, online=online_for(tmp_path, school=kitehouse))
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        assert len(asked_hours(kitehouse)) == 1 and app.slept == []
        status = app.screen.query_one("#handover-server-status", Static)
        shown = str(status.render())
        assert re.fullmatch(
            r"school asked for a pause until \d\d:\d\d:\d\d; try again then "
            r"\(HTTP 429: injected fault\)", shown
        ), shown
        assert status.has_class("-failed")


async def test_the_server_email_follows_the_hours(
    reader: Reader, tmp_path: Path, kitehouse: EmulatorServer
) -> None:
    app = hand_app(reader, online=online_for(tmp_path, school=kitehouse))
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("plus")  # no e-mail shown yet: nothing asked of the server
        await settled(pilot)
        assert asked_hours(kitehouse) == []
        await pilot.press("k")
        await settled(pilot)
        assert text_of(app, "#handover-server-text").startswith(
            "Subject: Handover - last 24 hours"
        )
        await pilot.press("plus")
        await settled(pilot)
        await pilot.press("minus", "minus")
        await settled(pilot)
        assert asked_hours(kitehouse) == ["24", "48", "24", "12"]
        # The e-mail on screen is the one for the hours now covered.
        assert text_of(app, "#handover-server-text").startswith(
            "Subject: Handover - last 12 hours"
        )
        assert text_of(app, "#handover-server-status") == "Handover from school complete."


async def test_k_cycles_through_kitehouse_remotes(
    reader: Reader, tmp_path: Path, servers: list[EmulatorServer]
) -> None:
    school, campus = start_kitehouse(), start_kitehouse()
    servers += [school, campus]
    kite(school).add("Boiler leak in the science block")
    kite(campus).add("Flooded car park")
    app = hand_app(reader, online=online_for(tmp_path, school=school, campus=campus))
    async with app.run_test(size=(120, 30)) as pilot:
        await settled(pilot)
        await pilot.press("k")
        await settled(pilot)
        text = text_of(app, "#handover-server-text")  # sorted by name: campus first
        assert "Flooded car park" in text and "Boiler leak" not in text
        assert text_of(app, "#handover-server-status") == "Handover from campus complete."
        await pilot.press("k")
        await settled(pilot)
        text = text_of(app, "#handover-server-text")
        assert "Boiler leak in the science block" in text and "Flooded" not in text
        assert text_of(app, "#handover-server-status") == "Handover from school complete."
        assert len(asked_hours(campus)) == len(asked_hours(school)) == 1


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
        resolved = screen.handover.section("resolved")
        assert (resolved.total, resolved.unsent) == (1, 1)  # not yet sent (see above)
