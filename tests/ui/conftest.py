"""Fixtures for the UI tests: a clean environment, a deterministic cache and the app factory.

The cache is built once per session (SQLModel writers, fixed clock) and copied for each test,
so every test starts from the same incidents: five remotes of the five kinds, comments,
attachments, custom and remote fields, a queued change, a refused change, a conflict, remote
sync states, and incidents whose text is hostile (markup, escape sequences, bidi overrides,
a 10,000-character title).
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import fixed_clock, to_db
from incident_tui.config import Settings
from incident_tui.domain.model import Attachment, Comment, Incident, Severity, Status
from incident_tui.emulators import EmulatorServer, make_emulator

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

REMOTES: list[dict[str, Any]] = [
    {"name": "school", "kind": "kitehouse", "base_url": "http://127.0.0.1:9", "site_id": "s1"},
    {"name": "safety", "kind": "fourhse", "base_url": "http://127.0.0.1:9", "tenant_id": "t1"},
    {"name": "oncall", "kind": "revily", "base_url": "http://127.0.0.1:9"},
    {"name": "status", "kind": "oneuptime", "base_url": "http://127.0.0.1:9", "project_id": "p"},
    {"name": "ops", "kind": "aoh_ims", "base_url": "http://127.0.0.1:9"},
]
KIND = {r["name"]: r["kind"] for r in REMOTES}

HOSTILE_TITLES: dict[str, tuple[str, str]] = {
    # remote_id: (title as the remote sends it, what the screen must show)
    "h-click": ("[@click=app.quit]x[/] click me", "[@click=app.quit]x[/] click me"),
    "h-close": ("lone [/] closer", "lone [/] closer"),
    "h-link": ("[link=file:///etc/passwd]x[/link]", "[link=file:///etc/passwd]x[/link]"),
    "h-osc52": ("clipboard \x1b]52;c;aGk=\x07write", "clipboard write"),
    "h-clear": ("clear \x1b[2Jscreen", "clear screen"),
    "h-bidi": ("bidi \u202eevil txt", "bidi evil txt"),
}
HOSTILE_TEXT = (
    "[@click=app.quit]x[/] [/] [link=file:///etc/passwd]x[/link] "
    "\x1b]52;c;aGk=\x07 \x1b[2J \u202eend"
)
HOSTILE_SHOWN = ("[@click=app.quit]x[/]", "[/]", "[link=file:///etc/passwd]x[/link]", "end")
LONG_TITLE = "LONG " + "x" * 10_000
FORBIDDEN = ("\x1b", "\u202e", "\x07", "52;c;")
"""Must never reach the screen."""


def _incident(n: int, remote: str, **fields: Any) -> Incident:
    statuses = (Status.TRIGGERED, Status.ACKNOWLEDGED, Status.RESOLVED)
    severities = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, None)
    kind = KIND[remote]
    severity = None if kind in ("revily", "fourhse") else severities[n % 4]
    values: dict[str, Any] = {
        "remote": remote,
        "kind": kind,
        "remote_id": f"r{n:03d}",
        "ref": str(1000 + n),
        "title": f"Incident number {n} on {remote}",
        "description": f"Description of incident {n}.",
        "status": statuses[n % 3],
        "status_raw": statuses[n % 3].value,
        "severity": severity,
        "severity_raw": severity.value if severity else None,
        "category": "network",
        "created_at": NOW - timedelta(minutes=37 * n + 5),
        "updated_at": NOW - timedelta(minutes=30 * n),
        "reporter": "Ana Souza",
        "comments": [],
        "attachments": [],
    }
    values.update(fields)
    return Incident(**values)


def sample_incidents() -> list[Incident]:
    """The deterministic incidents of every UI test."""
    names = [r["name"] for r in REMOTES]
    incidents = [_incident(n, names[n % 5]) for n in range(1, 31)]
    incidents[0] = _incident(
        1, "school",
        title="Database connection pool exhausted",
        assignees=["Ben Okafor", "Farah Khan"],
        custom_fields={"form.room": "B12", "form.injury": "none"},
        extra={"location": "building B", "labels": ["db", "p1"]},
        comments=[
            Comment("c1", "Looking into it now.", NOW - timedelta(minutes=20), "Ben Okafor"),
            Comment("c2", "Restarted the pool.\nWatching graphs.", NOW - timedelta(minutes=10),
                    "Farah Khan"),
        ],
        attachments=[Attachment("a1", "photo.jpg", "image/jpeg", "https://files.example/a1", 2048)],
    )
    for offset, (remote_id, (title, _)) in enumerate(HOSTILE_TITLES.items()):
        incidents.append(
            _incident(
                40 + offset, "school", remote_id=remote_id, title=title,
                created_at=NOW - timedelta(days=3, minutes=offset),
                description=HOSTILE_TEXT,
                comments=[Comment(f"hc{offset}", HOSTILE_TEXT, NOW - timedelta(days=1),
                                  "[b]mallory[/b]")],
                extra={"[@click=app.quit]k": HOSTILE_TEXT},
            )
        )
    incidents.append(_incident(60, "ops", remote_id="h-long", title=LONG_TITLE,
                               created_at=NOW - timedelta(days=4)))
    return incidents


def build_cache(path: Path) -> None:
    """Fill a new cache at ``path`` with the sample incidents and their local states."""
    from incident_tui.store.actions import Actions
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    engine = make_engine(path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, sample_incidents(), NOW)
    engine.dispose()
    actions = Actions.open(path, clock=fixed_clock(NOW))
    actions.acknowledge(["status:r003"])  # a queued change: the row shows pending
    actions.comment("school:r001", "Queued note from the responder")
    actions.engine.dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    conflict = {"reason": "changed on the remote", "fields": ["title"],
                "theirs": {"title": "Remote [b]title[/b] \x1b[2J"}}
    conn.execute("UPDATE incident SET conflict = ? WHERE id = 'ops:r004'", [json.dumps(conflict)])
    conn.execute("UPDATE incident SET failed = ? WHERE id = 'school:r010'",
                 ["HTTP 422: transition refused"])
    rows = [
        ("school", "kitehouse", "ok", to_db(NOW - timedelta(minutes=4)), None),
        ("status", "oneuptime", "failing", to_db(NOW - timedelta(hours=2)),
         "HTTP 500 [/] \x1b[2J upstream"),
        ("ops", "aoh_ims", "offline", None, "connection refused"),
    ]
    conn.executemany(
        "INSERT INTO remote (name, kind, state, last_ok_at, last_error) VALUES (?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """No colour or Textual overrides from the developer's shell, a true-colour terminal; UTC;
    config dirs in tmp.

    The snapshot plugin's own ``TEXTUAL_SNAPSHOT_TEMPDIR`` stays: its report needs it."""
    for name in list(os.environ):
        if name == "TEXTUAL_SNAPSHOT_TEMPDIR":
            continue
        if name == "NO_COLOR" or name.startswith(("TEXTUAL_", "INCIDENT_TUI_")):
            monkeypatch.delenv(name, raising=False)
    # The themes draw otherwise on a terminal of 16 colours; the shell's terminal is no
    # part of a test.
    monkeypatch.setenv("COLORTERM", "truecolor")
    monkeypatch.setenv("TZ", "UTC")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    time.tzset()
    yield
    time.tzset()


@pytest.fixture(autouse=True)
def lasting_notices(monkeypatch: pytest.MonkeyPatch) -> None:
    """Notices stay until the test has read them (:func:`tests.ui.helpers.keep_notices`)."""
    from tests.ui.helpers import keep_notices

    keep_notices(monkeypatch)


@pytest.fixture(scope="session")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample cache, built once."""
    path = tmp_path_factory.mktemp("template") / "incidents.db"
    build_cache(path)
    return path


@pytest.fixture
def db_path(template_db: Path, tmp_path: Path) -> Path:
    """A fresh copy of the sample cache for one test."""
    path = tmp_path / "incidents.db"
    shutil.copyfile(template_db, path)
    return path


MakeSettings = Callable[..., Settings]


@pytest.fixture
def make_settings(db_path: Path) -> MakeSettings:
    """Settings over the test cache: ``make_settings(theme=..., keys=...)``."""

    def make(**overrides: Any) -> Settings:
        values: dict[str, Any] = {"remotes": REMOTES, "db": db_path, "bell": True}
        values.update(overrides)
        return Settings(**values)

    return make


@pytest.fixture
def make_app(
    make_settings: MakeSettings, db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Any]:
    """The app factory as the CLI uses it, frozen clock, no sync, no cursor blink.

    Its remotes are a closed port, so whatever the app asks them (a service list, a
    refresh) fails after the HTTP layer's retries; those retries start 10 ms apart rather
    than half a second. What the app says once a request failed is checked here, the
    backoff with the HTTP layer, where it would otherwise cost these tests seconds."""
    from incident_tui.remote.http import Http
    from incident_tui.ui.app import make_app as factory

    monkeypatch.setattr(Http, "base_delay", 0.01)

    def make(**settings: Any) -> Any:
        app = factory(make_settings(**settings), clock=fixed_clock(NOW), db_path=db_path,
                      sync=False, cursor_blink=False)
        app.animation_level = "none"
        return app

    return make


@pytest.fixture
def serve() -> Iterator[Callable[..., EmulatorServer]]:
    """Start emulators of a kind (``serve("revily", sample=5)``) on free loopback ports, on
    the tests' frozen clock unless given another (``clock=``, one the test moves); all
    stopped after."""
    started: list[EmulatorServer] = []

    def start(
        kind: str, sample: int = 0, clock: Callable[[], datetime] | None = None
    ) -> EmulatorServer:
        emulator = make_emulator(kind, sample=sample, clock=clock or (lambda: NOW))
        server = EmulatorServer(emulator).start()
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
