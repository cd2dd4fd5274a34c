"""What ``sync`` counts as removed: only incidents that left the cache. One the remote no
longer lists but that has a change queued on it is kept (flagged as deleted there), and one
flagged so and listed again loses its flag; neither was removed."""

from __future__ import annotations

from typing import Any

import pytest

from incident_tui.emulators.revily import RevilyEmulator
from tests.integration.conftest import Serve, cli


def removed_line(out: str) -> str:
    """The remote's line of a ``sync --once``."""
    [line] = [line for line in out.splitlines() if line.startswith("oncall: ok")]
    return line


def test_a_kept_or_returning_incident_is_not_counted_as_removed(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    srv = serve("revily", sample=0)
    emulator = srv.emulator
    assert isinstance(emulator, RevilyEmulator)
    target = emulator.add("Pager storm on edge-3")["id"]
    other = emulator.add("Disk full on db-7")["id"]
    use(("oncall", srv))
    cli(capsys, "ack", f"oncall:{target}")
    # The remote asks writes to wait, so the acknowledgement stays queued.
    emulator.faults.add("status", method="PUT", status=503, retry_after="300", times=-1)

    with emulator.lock:  # someone deletes it on the remote
        row = emulator.incidents.pop(target)
        emulator.order.remove(target)
    out, _ = cli(capsys, "sync", "--once")
    assert "removed" not in removed_line(out)

    with emulator.lock:  # and it is back (the listing had missed it)
        emulator.incidents[target] = row
        emulator.order.append(target)
    out, _ = cli(capsys, "sync", "--once")
    assert "removed" not in removed_line(out)

    with emulator.lock:  # one without a queued change is deleted: that one goes
        del emulator.incidents[other]
        emulator.order.remove(other)
    out, _ = cli(capsys, "sync", "--once")
    assert "removed 1" in removed_line(out)
