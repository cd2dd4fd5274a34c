"""The emulators' ``slow`` fault: the real answer, its body sent in pieces with pauses
between them, as over a slow link, so progress shown while a body comes can be tested; on a
streamed answer (server-sent events) its events come apart, and a ``truncated`` one stops
halfway, as a cut connection, which the client reads as one."""

from __future__ import annotations

import time

import httpx
import pytest

from incident_tui.config_remotes import KitehouseRemote
from incident_tui.emulators.faults import SLOW_PIECES
from incident_tui.remote.errors import Unavailable
from incident_tui.remote.kitehouse import KitehouseConnector
from tests.integration.conftest import Serve


def test_a_slow_answer_comes_whole_in_pieces_apart(serve: Serve) -> None:
    srv = serve("revily", sample=20)
    headers = {"Authorization": f'Token token="{srv.emulator.remote_config("x")["token"]}"'}
    with httpx.Client(base_url=srv.url, headers=headers, timeout=30) as client:
        whole = client.get("/incidents").content
        srv.emulator.faults.add("slow", delay=0.1, path="^/incidents$")
        arrivals: list[float] = []
        body = b""
        started = time.monotonic()
        with client.stream("GET", "/incidents") as response:
            assert response.status_code == 200
            assert response.headers["Content-Length"] == str(len(whole))
            for chunk in response.iter_raw():
                arrivals.append(time.monotonic() - started)
                body += chunk
        assert body == whole
        # Pieces came apart: the pauses between them are a lower bound, whatever the speed.
        assert len(arrivals) >= 2
        assert arrivals[-1] >= (SLOW_PIECES - 1) * 0.1
        assert client.get("/incidents").content == whole  # times=1: then answered as usual


async def test_a_slow_event_stream_comes_whole_its_events_apart(serve: Serve) -> None:
    # Kitehouse's handover is server-sent events: the fault paces the stream's own pieces
    # (it sent an empty body of length 0, and the e-mail read as empty).
    srv = serve("kitehouse", sample=5)
    connector = KitehouseConnector(KitehouseRemote(**srv.emulator.remote_config("school")))
    try:
        whole = "".join([chunk async for chunk in connector.handover_stream(48)])
        srv.emulator.faults.add("slow", delay=0.05, path="/handover$")
        arrivals: list[float] = []
        chunks: list[str] = []
        started = time.monotonic()
        async for chunk in connector.handover_stream(48):
            arrivals.append(time.monotonic() - started)
            chunks.append(chunk)
    finally:
        await connector.aclose()
    assert "".join(chunks) == whole
    assert len(chunks) >= 5
    assert arrivals[-1] >= (len(chunks) - 1) * 0.05


async def test_a_truncated_event_stream_is_a_dropped_connection(serve: Serve) -> None:
    srv = serve("kitehouse", sample=5)
    connector = KitehouseConnector(KitehouseRemote(**srv.emulator.remote_config("school")))
    srv.emulator.faults.add("truncated", path="/handover$")
    chunks: list[str] = []
    try:
        with pytest.raises(Unavailable, match="dropped"):
            async for chunk in connector.handover_stream(48):
                chunks.append(chunk)
        # Half of the e-mail came before the cut (not nothing, not all of it).
        assert chunks
        assert not "".join(chunks).rstrip().endswith("Kitehouse Assistant")
        whole = "".join([chunk async for chunk in connector.handover_stream(48)])
    finally:
        await connector.aclose()
    assert whole.startswith("".join(chunks))
