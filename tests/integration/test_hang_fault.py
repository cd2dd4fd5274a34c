"""The emulators' ``hang`` fault: a request that gets no answer at all, for as long as the
test needs, so a client's timeout is passed whatever the machine's speed; clearing the
faults (from Python or over HTTP) closes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import httpx
import pytest

from tests.integration.conftest import Serve

LONG = 30.0
"""A client timeout no hang in these tests comes near."""


def until(done: Callable[[], bool], what: str) -> None:
    """Wait until ``done()``; fail naming ``what`` after a limit against hanging (not a
    speed requirement)."""
    deadline = time.monotonic() + LONG
    while not done():
        assert time.monotonic() < deadline, f"still waiting: {what}"
        time.sleep(0.01)


def test_a_hung_request_gets_no_answer_until_the_faults_are_cleared(serve: Serve) -> None:
    srv = serve("revily", sample=1)
    srv.emulator.faults.add("hang", path="^/incidents$")
    outcome: list[BaseException | int] = []

    def ask() -> None:
        try:
            outcome.append(httpx.get(f"{srv.url}/incidents", timeout=LONG).status_code)
        except httpx.HTTPError as error:
            outcome.append(error)

    asker = threading.Thread(target=ask, daemon=True)
    asker.start()
    until(lambda: srv.emulator.faults.hung == 1, "the request held")
    with httpx.Client(base_url=srv.url, timeout=LONG) as client:
        assert client.get("/_emulator/requests").status_code == 200  # others are answered
        assert outcome == []
        client.delete("/_emulator/faults")  # as a test in another process clears them
        asker.join(LONG)
        [error] = outcome
        assert isinstance(error, httpx.RemoteProtocolError)  # closed, never answered
        assert srv.emulator.faults.hung == 0
        client.get("/incidents")  # times=1: the next one is answered
    # 0: closed unanswered; 401: answered (these requests carry no token).
    assert [e.status for e in srv.emulator.log if e.path == "/incidents"] == [0, 401]


def test_a_client_timeout_passes_while_the_request_hangs(serve: Serve) -> None:
    srv = serve("revily", sample=1)
    srv.emulator.faults.add("hang", times=-1)
    try:
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{srv.url}/incidents", timeout=0.2)
    finally:
        srv.emulator.faults.clear()
    until(lambda: srv.emulator.faults.hung == 0, "the request let go")


def test_a_hang_with_a_delay_ends_after_it_without_a_clear(serve: Serve) -> None:
    srv = serve("revily", sample=1)
    srv.emulator.faults.add("hang", delay=0.2)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(f"{srv.url}/incidents", timeout=LONG)
    assert srv.emulator.faults.hung == 0
