"""An emulator's request log keeps only the latest requests: ``incident-tui emulate`` may run
for days."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from incident_tui.emulators import EmulatorServer
from incident_tui.emulators import server as emulator_server

Serve = Callable[..., EmulatorServer]


def test_the_log_keeps_the_latest_requests_only(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(emulator_server, "LOG_LIMIT", 20, raising=False)
    srv = serve("revily", sample=1)
    with httpx.Client(base_url=srv.url) as client:
        for n in range(100):
            client.get("/incidents", params={"probe": n})
        log = srv.emulator.log
        assert 20 <= len(log) <= 22
        assert log[-1].query == "probe=99"
        assert [int(e.query.removeprefix("probe=")) for e in log] == list(
            range(100 - len(log), 100)
        )
        # What another process reads over HTTP is the same bounded log.
        answer = client.get("/_emulator/requests").json()
        assert [entry["query"] for entry in answer] == [e.query for e in log]
        client.delete("/_emulator/requests")
        assert srv.emulator.log == []
