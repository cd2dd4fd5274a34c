"""While a remote's pass waits to send a failed request again, the status line says so and
why, rather than a bare "syncing…" that reads like a slow but healthy pass."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from incident_tui.emulators import EmulatorServer
from tests.ui.helpers import live_app, screen_text, settle, synced, until


async def test_a_pass_waiting_to_retry_says_so_on_the_status_line(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily", 4)
    emulator: Any = server.emulator
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        # The server asks for half a minute: the pass waits that long, saying why.
        emulator.faults.add("status", status=503, retry_after="30", path="^/incidents$")
        app.runner.sync_now()
        await until(lambda: "retrying" in screen_text(app).splitlines()[-2])
        await settle(pilot)
        status = screen_text(app).splitlines()[-2]
        assert "oncall syncing… retrying in 30 s: " in status and "503" in status, status
        emulator.faults.clear()


async def status_while_hanging(
    serve: Callable[..., EmulatorServer], tmp_path: Path, width: int, shows: str
) -> str:
    """The status line of a pass whose server stopped answering (every request times out
    after half a second and is sent again), once it shows ``shows``."""
    server = serve("revily", 4)
    emulator: Any = server.emulator
    remote = {**emulator.remote_config("oncall"), "timeout": 0.5}
    app = live_app(server, "oncall", tmp_path, remotes=[remote])
    async with app.run_test(size=(width, 24)) as pilot:
        await until(lambda: synced(app))
        emulator.faults.add("hang", times=-1)
        app.runner.sync_now()
        try:
            await until(lambda: shows in screen_text(app).splitlines()[-2])
            await settle(pilot)
            return screen_text(app).splitlines()[-2].rstrip()
        finally:
            emulator.faults.clear()


async def test_at_80_columns_a_retry_after_a_timeout_still_says_so(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # The server's address makes the reason too long for the line, so the reason goes and
    # the wait stays (or once it is over, the request out again).
    status = await status_while_hanging(serve, tmp_path, 80, "retrying")
    assert re.search(r"│ oncall syncing… retrying (in \d\.\d s|now)$", status), status


async def test_once_the_wait_is_over_the_line_says_the_request_is_out_again(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # The retried request hangs too: a countdown that ran out would be stale for the
    # whole timeout.
    status = await status_while_hanging(serve, tmp_path, 120, "retrying now")
    expected = r"│  oncall syncing… retrying now: http://\S+ did not answer"
    assert re.search(expected, status), status


async def test_a_retry_without_a_wait_says_now_at_once(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    from incident_tui.ui.messages import RemoteProgress

    server = serve("revily", 4)
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)):
        await until(lambda: synced(app))
        app.ctx.sync.syncing.add("oncall")
        app.on_remote_progress(
            RemoteProgress("oncall", "retrying in 0.0 s: x", then="retrying now: x", after=0.0)
        )
        # Shown straight away: no timer of no interval is left for the shutdown to trip on.
        assert app.ctx.sync.progress["oncall"] == "retrying now: x"
