"""What an answer leaves in memory once read, over real HTTP: a listing page's body must go
when its caller drops the answer, not wait for Python's cycle collector, which at a big
sync's pace lets hundreds of pages pile up between its full collections."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui.remote.base import make_connector
from incident_tui.remote.http import Http
from tests.integration.conftest import Serve, no_sleep
from tests.integration.test_sync import settings_for


@pytest.fixture
def no_cycle_collector() -> Iterator[None]:
    """Only reference counting frees objects during the test: what a cycle holds stays."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def http_for(serve: Serve, tmp_path: Path) -> Http:
    """The HTTP client of a Revily connector over an emulator of a few incidents."""
    srv = serve("revily", sample=3)
    conn = make_connector(
        settings_for(tmp_path, srv.emulator.remote_config("oncall")).remotes[0],
        sleep=no_sleep,
    )
    http = getattr(conn, "http", None)
    assert isinstance(http, Http)
    return http


@pytest.mark.usefixtures("no_cycle_collector")
async def test_a_read_answer_is_freed_as_soon_as_it_is_dropped(
    serve: Serve, tmp_path: Path
) -> None:
    http = http_for(serve, tmp_path)
    try:
        response = await http.request("GET", "/incidents")
        assert len(response.json()) == 3
        held = weakref.ref(response)
        del response
        assert held() is None
    finally:
        await http.aclose()

