"""Paged pulls request the next page while the caller still works on the current one, over
real HTTP: the remote's time to answer overlaps with mapping and storing."""

from __future__ import annotations

import time

import pytest

from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer
from incident_tui.remote.base import make_connector
from tests.integration.conftest import Serve, no_sleep

LIST_PATHS = {
    "fourhse": "/v2/incident/index",
    "oneuptime": "/api/incident/get-list",
    "kitehouse": "/incidents/",
}
"""The path (prefix) of each paged kind's incident listing."""

PLAIN_LOOP = {"fourhse": 1, "oneuptime": 1, "kitehouse": 4}
"""List requests a plain page loop has sent when it hands over its first page (Kitehouse's
pull first asks pages 0 and 1 to learn where pages start, and holds a page back until it has
read the next)."""


def list_requests(srv: EmulatorServer, kind: str) -> int:
    with srv.emulator.lock:
        return sum(1 for entry in srv.emulator.log if entry.path.startswith(LIST_PATHS[kind]))


def wait_for_requests(srv: EmulatorServer, kind: str, count: int, limit: float = 30.0) -> int:
    """Block (the event loop too, as CPU work would) until ``count`` list requests arrived.
    The limit is for a request that never comes: one sent comes at once, but to an emulator
    thread that a loaded machine may leave waiting for seconds."""
    deadline = time.monotonic() + limit
    while list_requests(srv, kind) < count and time.monotonic() < deadline:
        time.sleep(0.005)
    return list_requests(srv, kind)


@pytest.mark.parametrize("kind", sorted(LIST_PATHS))
async def test_the_next_page_is_requested_before_the_current_one_is_done(
    serve: Serve, kind: str
) -> None:
    srv = serve(kind, sample=250)
    config = Settings(remotes=[srv.emulator.remote_config("r")]).remote("r")  # type: ignore[attr-defined, list-item]
    connector = make_connector(config, sleep=no_sleep)
    srv.emulator.log.clear()
    try:
        pages = aiter(connector.pull(None, full=True))
        await anext(pages)
        # Holding the first page without giving the event loop a turn, as mapping and storing
        # it would: the next request must already be out, or it could not arrive meanwhile.
        arrived = wait_for_requests(srv, kind, PLAIN_LOOP[kind] + 1)
        rest = [page async for page in pages]
    finally:
        await connector.aclose()
    assert arrived == PLAIN_LOOP[kind] + 1
    assert rest and rest[-1].complete  # and the pull still ends as before
