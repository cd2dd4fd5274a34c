"""``incident-tui sync`` left running with its output in a log writes a remote's lines only
when they say something new, not the same lines every ``poll_seconds``; once an hour it
prints a whole pass anyway. On a terminal, and with ``--once``, every pass is printed.

Against a Revily emulator over HTTP; the passes follow each other without the poll's wait
(the loop's pacing is not what this checks), and the hour is the listener's own clock."""

from __future__ import annotations

import asyncio
import io
import re
from pathlib import Path
from typing import Any

from incident_tui.config import Settings
from incident_tui.sync.cli_listener import REPEAT_EVERY, PrintListener, run_sync
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for
from tests.ui.helpers import until


class Terminal(io.StringIO):
    """Output a person watches."""

    def isatty(self) -> bool:
        return True


def quick(settings: Settings) -> Settings:
    """``settings`` with passes one right after the other (a copy: the loaded ones are
    frozen, and validation would refuse a poll under a second)."""
    return settings.model_copy(update={"poll_seconds": 0.01})


def listings(emulator: Any) -> int:
    """How many times the remote was listed: the passes made so far."""
    return sum(1 for r in emulator.log if r.method == "GET" and r.path == "/incidents")


async def test_a_log_gets_what_changed_and_a_whole_pass_each_hour(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("revily", sample=2)
    emulator: Any = server.emulator
    settings = quick(settings_for(tmp_path, emulator.remote_config("oncall")))
    now = [0.0]
    log = io.StringIO()
    listener = PrintListener(log, io.StringIO(), clock=lambda: now[0])
    running = asyncio.create_task(run_sync(settings, None, once=False, listener=listener))
    try:
        # The first pass pulls the two, the second nothing: both are news. The rest repeat.
        await until(lambda: listings(emulator) >= 6)
        assert lines(log) == [
            "oncall: syncing…", "oncall: ok, pulled 2, pushed 0", "synced 1 of 1 remotes",
            "oncall: syncing…", "oncall: ok, pulled 0, pushed 0", "synced 1 of 1 remotes",
        ]  # fmt: skip

        emulator.add("Pager storm on db-2")
        await until(lambda: "pulled 1" in log.getvalue())
        done = listings(emulator)
        await until(lambda: listings(emulator) >= done + 3)
        assert lines(log)[6:] == [
            "oncall: syncing…", "oncall: ok, pulled 1, pushed 0", "synced 1 of 1 remotes",
            "oncall: syncing…", "oncall: ok, pulled 0, pushed 0", "synced 1 of 1 remotes",
        ]  # fmt: skip

        # A failure is news once, not at every pass.
        emulator.faults.add("status", status=401, method="GET", times=-1)
        await until(lambda: "failed" in log.getvalue())
        done = listings(emulator)
        await until(lambda: listings(emulator) >= done + 3)
        failing = [line for line in lines(log) if line.startswith("oncall: failed")]
        assert len(failing) == 1, log.getvalue()
        emulator.faults.clear()
        await until(lambda: lines(log)[-1] == "synced 1 of 1 remotes")

        # An hour on, a pass that changed nothing is printed whole: the sync still runs.
        shown = len(lines(log))
        now[0] += REPEAT_EVERY
        await until(lambda: len(lines(log)) >= shown + 3)
        assert lines(log)[shown : shown + 3] == [
            "oncall: syncing…", "oncall: ok, pulled 0, pushed 0", "synced 1 of 1 remotes"
        ]
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)


async def test_a_terminal_sees_every_pass(serve: Serve, tmp_path: Path) -> None:
    server = serve("revily", sample=2)
    emulator: Any = server.emulator
    settings = quick(settings_for(tmp_path, emulator.remote_config("oncall")))
    terminal = Terminal()
    listener = PrintListener(terminal, io.StringIO())
    running = asyncio.create_task(run_sync(settings, None, once=False, listener=listener))
    try:
        await until(lambda: lines(terminal).count("synced 1 of 1 remotes") >= 4)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
    assert lines(terminal).count("oncall: ok, pulled 0, pushed 0") >= 3


def lines(stream: io.StringIO) -> list[str]:
    """What was printed, line by line, without the time each pass took."""
    return [re.sub(r" \(\d+\.\ds\)$", "", line) for line in stream.getvalue().splitlines()]
