"""The emulators' ``slow`` fault: the real answer, its body sent in pieces with pauses
between them, as over a slow link, so progress shown while a body comes can be tested."""

from __future__ import annotations

import time

import httpx

from incident_tui.emulators.faults import SLOW_PIECES
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
