"""A sync pass says when a request failed and goes again, with the reason and the wait: to
the listener (the TUI's status line, the command line on a terminal), once per retry, and
not for a request that worked at once."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from incident_tui.config import Settings
from incident_tui.sync.cli_listener import PrintListener
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import NullListener
from tests.integration.conftest import Serve, no_sleep


class Retries(NullListener):
    """Keeps every retry the engine reports."""

    def __init__(self) -> None:
        self.seen: list[tuple[str, str, float]] = []

    def remote_retrying(self, remote: str, reason: str, delay: float) -> None:
        """Record it."""
        self.seen.append((remote, reason, delay))


async def test_each_retry_is_reported_with_its_reason_and_wait(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("revily", sample=3)
    emulator: Any = server.emulator
    settings = Settings(db=tmp_path / "cache.db", remotes=[emulator.remote_config("oncall")])
    listener = Retries()
    engine = SyncEngine(settings, listener=listener, sleep=no_sleep)
    try:
        assert (await engine.sync()).ok
        assert listener.seen == []  # nothing failed: nothing to say

        emulator.faults.add("status", status=503, retry_after="7", path="^/incidents$", times=2)
        report = await engine.sync()
    finally:
        await engine.aclose()
    assert report.ok
    assert [(remote, delay) for remote, _, delay in listener.seen] == [("oncall", 7), ("oncall", 7)]
    assert all("503" in reason for _, reason, _ in listener.seen), listener.seen


class Terminal(io.StringIO):
    """Standard output as a terminal (the command line's progress lines are for one)."""

    def isatty(self) -> bool:
        """A terminal."""
        return True


async def test_the_command_line_says_it_tries_again(serve: Serve, tmp_path: Path) -> None:
    server = serve("revily", sample=3)
    emulator: Any = server.emulator
    settings = Settings(db=tmp_path / "cache.db", remotes=[emulator.remote_config("oncall")])
    out = Terminal()
    engine = SyncEngine(settings, listener=PrintListener(out, io.StringIO()), sleep=no_sleep)
    emulator.faults.add("drop", path="^/incidents$", times=1)
    try:
        assert (await engine.sync()).ok
    finally:
        await engine.aclose()
    [line] = [line for line in out.getvalue().splitlines() if "trying again" in line]
    # The backoff's first step: a quarter to half a second.
    assert line.startswith("oncall: connection to "), line
    assert re.search(r"; trying again in 0\.[2-5] s$", line), line
