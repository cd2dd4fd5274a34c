"""A remote that answered a queued change with a long ``Retry-After`` is synced, and the status
line and the remotes screen say until when its changes wait (the App's own sync loop over a
Kitehouse emulator on loopback), in the full line and in every shorter form."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import time_of_day, to_db
from incident_tui.store.reader import RemoteState
from incident_tui.ui.screens.remotes import RemotesScreen
from incident_tui.ui.widgets.status_line import RemoteLine, remote_lines, status_content
from tests.integration.conftest import Serve
from tests.ui.conftest import NOW
from tests.ui.helpers import cursor_to, live_app, screen_text, settle, until

UNTIL = NOW + timedelta(seconds=300)
WAIT = f"changes wait until {time_of_day(UNTIL)}"


def test_every_form_of_the_line_says_until_when_changes_wait() -> None:
    at = to_db(NOW)
    remotes = [
        RemoteLine("oncall", "failing", at, "HTTP 401: token expired"),
        RemoteLine("school", "ok", at, waits_until=UNTIL),
        RemoteLine("plant", "ok", at),
    ]
    full = status_content(remotes, 1).plain
    assert f"school ok at {time_of_day(NOW)[:5]}, {WAIT}" in full
    for width in (80, 70, 60):
        fitted = status_content(remotes, 1, width=width).plain
        assert f"school ok, {WAIT}" in fitted, (width, fitted)
    # Read from the cache: said while the time is ahead, no more once it is past.
    state = RemoteState("school", "kitehouse", "ok", at, None, 1, at, to_db(UNTIL))
    [line] = remote_lines([state], ["school"], now=NOW)
    assert line.waits_until == UNTIL
    [line] = remote_lines([state], ["school"], now=UNTIL)
    assert line.waits_until is None


async def test_the_status_line_says_the_changes_wait_while_the_remote_syncs(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("kitehouse", sample=0)
    kitehouse: Any = server.emulator
    incident_id = f"school:{kitehouse.add('Boiler pressure low')['_id']}"
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        await until(lambda: any(s.state == "ok" for s in app.services.reader.remotes()))
        await settle(pilot)
        kitehouse.faults.add("status", status=503, retry_after="300", method="PUT", times=-1)
        await cursor_to(pilot, incident_id)
        await pilot.press("a")  # queued and pushed at once: the remote asks for a wait
        await until(lambda: WAIT in screen_text(app))
        status = screen_text(app).splitlines()[-2]
        assert "1 queued" in status and "school ok at " in status, status
        assert "failing" not in status

        await pilot.press("S")
        await until(lambda: isinstance(app.screen, RemotesScreen) and WAIT in screen_text(app))
        assert f"Queued {WAIT} as the remote asked" in screen_text(app)
