"""Fixtures for integration tests: emulators on free loopback ports, always stopped."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.reader import Reader
from tests.conftest import dead_port

FIXED_NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
"""The emulators' clock in tests, so generated data is the same every run."""

Serve = Callable[..., EmulatorServer]


@pytest.fixture
def serve() -> Iterator[Serve]:
    """Start an emulator of a kind: ``serve("revily", sample=30)``; stopped after the test."""
    servers: list[EmulatorServer] = []

    def start(kind: str, **options: Any) -> EmulatorServer:
        options.setdefault("clock", lambda: FIXED_NOW)
        server = EmulatorServer(make_emulator(kind, **options)).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


async def no_sleep(seconds: float) -> None:
    """A sleep that returns at once, so retry tests do not wait (pass as ``sleep=``)."""
    return None


Point = Callable[..., None]


@pytest.fixture
def point(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Point:
    """Point the command line at remotes, with a cache in ``tmp_path``: each given as
    ``(name, server)`` (an emulator's own config under that name) or as a config dict;
    ``point(..., offline=True)`` gives each a port nobody answers instead."""

    def configure(*remotes: tuple[str, EmulatorServer] | dict[str, Any],
                  offline: bool = False) -> None:
        configs = []
        for remote in remotes:
            if isinstance(remote, dict):
                config = dict(remote)
            else:
                name, server = remote
                config = server.emulator.remote_config(name)
            if offline:
                config["base_url"] = f"http://127.0.0.1:{dead_port()}"
            configs.append(config)
        monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps(configs))
        monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))

    return configure


def cli(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> tuple[str, str]:
    """Run the command line in process, check its exit status; what it printed on stdout
    and on stderr."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, (out, err)
    return out, err


@pytest.fixture
def use(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Any:
    """Point the command line at the given emulators (config through the environment)."""

    def configure(*servers: Any) -> Path:
        remotes = [s.emulator.remote_config(name) for name, s in servers]
        monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps(remotes))
        monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
        monkeypatch.setenv("INCIDENT_TUI_DOWNLOAD_DIR", str(tmp_path / "downloads"))
        assert main(["sync", "--once"]) == 0
        return tmp_path / "cache.db"

    return configure


def first_id(db: Path, remote: str, **where: Any) -> str:
    reader = Reader.open(db)
    for row in reader.all_rows(ListQuery()):
        if row.remote == remote and all(getattr(row, k) == v for k, v in where.items()):
            return row.id
    raise AssertionError(f"no incident of {remote}")
