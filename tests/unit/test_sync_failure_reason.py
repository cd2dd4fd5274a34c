"""The one line a failing ``sync --once`` leaves on stderr names each failing remote with its
reason; remotes failing for the same reason (a cache another process holds) share it, so a
long reason is not repeated once per remote."""

from __future__ import annotations

from incident_tui.sync.cli_listener import failure_reason
from incident_tui.sync.events import RemoteResult, SyncReport

BUSY = "the cache is busy: another incident-tui is writing to it"


def test_remotes_failing_for_one_reason_share_it() -> None:
    report = SyncReport([
        RemoteResult("school", ok=False, error=BUSY),
        RemoteResult("oncall", ok=True),
        RemoteResult("ops", ok=False, error=BUSY),
        RemoteResult("hse", ok=False, error="HTTP 401: token expired"),
        RemoteResult("ou", ok=False, offline=True, error=BUSY),
    ])

    assert failure_reason(report) == (
        f"synced 1 of 5 remotes; failing: school, ops (failed: {BUSY}), "
        f"hse (failed: HTTP 401: token expired), ou (offline: {BUSY})"
    )
