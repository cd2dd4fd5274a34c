"""Shared test set-up: a clean environment (no user config, UTC) and a cache builder."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui.domain.model import Comment, Incident, Severity, Status

pytest_plugins = ["tests.failure_watchdog"]

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def write_private(path: Path, text: str) -> Path:
    """Write a config file ``text`` as its owner keeps one that holds a secret, readable by
    them alone: the commands and the TUI warn of one others can read."""
    path.write_text(text, encoding="utf-8")
    path.chmod(0o600)
    return path


def dead_port() -> int:
    """A loopback port nothing listens on: connecting is refused, as with a stopped server."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Point XDG folders at tmp_path, drop variables that would change behaviour, and forget
    the warnings given once per process."""
    import os

    for name in list(os.environ):
        # The snapshot plugin passes its temp folder to the test process in this variable.
        if name == "TEXTUAL_SNAPSHOT_TEMPDIR":
            continue
        if name.startswith(("INCIDENT_TUI_", "TEXTUAL_")) or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg-config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg-data"))
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "xdg-state"))
    monkeypatch.setenv("TZ", "UTC")
    from incident_tui.domain.mapping import warn_once

    warn_once.cache_clear()  # each test sees the warnings of what it maps
    yield


def make_incident(
    number: int,
    *,
    remote: str = "ops",
    kind: str = "aoh_ims",
    title: str | None = None,
    status: Status = Status.TRIGGERED,
    severity: Severity | None = Severity.MAJOR,
    comments: list[Comment] | None = None,
    minutes_ago: float | None = None,
) -> Incident:
    """A deterministic incident for tests."""
    created = NOW - timedelta(minutes=minutes_ago if minutes_ago is not None else number)
    return Incident(
        remote=remote,
        kind=kind,
        remote_id=f"r{number}",
        title=title or f"Incident number {number}",
        status=status,
        status_raw=status.value.upper(),
        created_at=created,
        updated_at=created,
        severity=severity,
        description=f"Description of {number}",
        version=f"v{number}",
        raw={"n": number},
        comments=comments,
    )


@contextmanager
def local_zone(name: str) -> Iterator[None]:
    """The process's local zone is ``name`` (``Asia/Kathmandu``) within the block; the zone
    it had comes back after it (``tzset``: setting ``TZ`` alone changes nothing in-process)."""
    before = os.environ.get("TZ")
    os.environ["TZ"] = name
    time.tzset()
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("TZ", None)
        else:
            os.environ["TZ"] = before
        time.tzset()


@pytest.fixture
def new_york() -> Iterator[None]:
    """The process's local zone is New York for the test (five hours west of UTC)."""
    with local_zone("America/New_York"):
        yield


@pytest.fixture
def on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let ``main`` open the TUI under pytest, whose stdin and stderr are no terminal (for
    tests of what happens before or instead of its first frame)."""
    from incident_tui import cli

    monkeypatch.setattr(cli, "terminal_streams", list)

