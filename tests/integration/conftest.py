"""Fixtures for integration tests: emulators on free loopback ports, always stopped."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer, make_emulator

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
