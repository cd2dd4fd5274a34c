"""Answers whose body never ends, over real HTTP: the emulators' ``endless`` fault (a trickle
that beats every read timeout, or a flood), and the limits that end such an answer
(:mod:`incident_tui.remote.answer_limits`), so that no sync pass or download waits for ever
and no listing fills the memory."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.remote.base import Connector, make_connector
from incident_tui.remote.errors import TooLarge, Unavailable
from incident_tui.remote.http import Http
from incident_tui.remote.kitehouse import KitehouseConnector
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Serve, no_sleep
from tests.integration.test_sync import settings_for

WINDOW = 0.3
"""The pace window these tests set (seconds), so a trickle fails in a fraction of a second."""


def connector(tmp_path: Path, config: dict[str, Any]) -> Connector:
    """The connector of one emulator's config, retries without waiting."""
    return make_connector(settings_for(tmp_path, config).remotes[0], sleep=no_sleep)


def http_of(conn: Connector) -> Http:
    """The connector's HTTP client, whose limits a test narrows."""
    http = getattr(conn, "http", None)
    assert isinstance(http, Http)
    return http


async def pull_all(conn: Connector) -> int:
    """Incidents in a full listing."""
    return sum([len(page.incidents) async for page in conn.pull(None, full=True)])


def test_an_endless_answer_keeps_coming_until_the_client_hangs_up(serve: Serve) -> None:
    srv = serve("revily", sample=2)
    headers = {"Authorization": f'Token token="{srv.emulator.remote_config("x")["token"]}"'}
    srv.emulator.faults.add("endless", path="^/incidents$")
    srv.emulator.faults.add("endless", path="^/incidents$", delay=0.05)
    with httpx.Client(base_url=srv.url, headers=headers, timeout=30) as client:
        with client.stream("GET", "/incidents") as flood:
            assert flood.status_code == 200 and "Content-Length" not in flood.headers
            got = 0
            for chunk in flood.iter_raw():
                got += len(chunk)
                if got > 4 * 1024 * 1024:
                    break
        # A trickle: one byte at a time, each after the pause, for as long as it is read.
        # (How long the pauses took is not asserted: the client may hand over bytes that
        # arrived together in one piece, and a timed check only fails on a busy machine.)
        with client.stream("GET", "/incidents") as trickle:
            pieces = []
            for chunk in trickle.iter_raw():
                pieces.append(chunk)
                if len(pieces) == 4:
                    break
            assert b"".join(pieces).strip() == b""
        srv.emulator.faults.clear()
        assert client.get("/incidents").status_code == 200


@pytest.mark.parametrize(
    "fault",
    # A gzip body of about 64 KB, well under the limit over the wire: only once decoded
    # does it pass it.
    [{"kind": "endless"}, {"kind": "bomb", "size": 64 * 1024 * 1024}],
    ids=["endless", "expands-once-decoded"],
)
async def test_a_listing_past_the_memory_limit_fails_once(
    serve: Serve, tmp_path: Path, fault: dict[str, Any]
) -> None:
    srv = serve("revily", sample=3)
    conn = connector(tmp_path, srv.emulator.remote_config("oncall"))
    http_of(conn).most_held = 1024 * 1024
    srv.emulator.faults.add(**fault, path="^/incidents$", times=-1)
    try:
        with pytest.raises(TooLarge, match=r"more than 1\.0 MB.*is base_url the API's address"):
            await pull_all(conn)
        # Not sent again: the same answer would come back, as big.
        assert [e.path for e in srv.emulator.log].count("/incidents") == 1
        srv.emulator.faults.clear()
        assert await pull_all(conn) == 3
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()


async def test_a_trickled_listing_is_given_up_as_too_slow_like_a_timeout(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("revily", sample=3)
    conn = connector(tmp_path, srv.emulator.remote_config("oncall"))
    http = http_of(conn)
    http.speed_window = WINDOW
    # A byte every 20 ms: each well within the read timeout, the whole never done.
    srv.emulator.faults.add("endless", path="^/incidents$", delay=0.02, times=-1)
    try:
        with pytest.raises(Unavailable, match=r"too slowly \(\d+ B in 0 s, under 1\.0 KB a s"):
            await pull_all(conn)
        # Tried again as a timeout is: the link may only have been slow for a while.
        assert [e.path for e in srv.emulator.log].count("/incidents") == http.attempts
        srv.emulator.faults.clear()
        assert await pull_all(conn) == 3
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()


async def test_a_trickling_remote_fails_its_pass_and_the_others_sync(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=3)
    kitehouse = serve("kitehouse", sample=4)
    settings = settings_for(
        tmp_path,
        revily.emulator.remote_config("oncall"),
        kitehouse.emulator.remote_config("school"),
    )
    revily.emulator.faults.add("endless", path="^/incidents$", delay=0.02, times=-1)
    engine = SyncEngine(settings, sleep=no_sleep)
    http_of(engine.connector("oncall")).speed_window = WINDOW
    try:
        report = await engine.sync()
    finally:
        revily.emulator.faults.clear()
        await engine.aclose()
    trickled, school = report.results
    assert not trickled.ok and "too slowly" in (trickled.error or "")
    # The remote answers: it is failing, not offline.
    assert not trickled.offline
    assert school.ok and school.pulled == 4
    states = {r.name: r.state for r in Reader.open(settings.db_path()).remotes()}
    assert states == {"oncall": "failing", "school": "ok"}


async def test_a_file_may_be_larger_than_the_memory_limit_but_not_trickle(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("kitehouse", sample=2)
    conn = connector(tmp_path, srv.emulator.remote_config("school"))
    http = http_of(conn)
    http.most_held = 100  # streamed to disk, a file is not held in memory
    http.speed_window = WINDOW
    assert isinstance(conn, KitehouseConnector)
    try:
        csv = await conn.export_csv_to(tmp_path, "school.csv")
        assert csv.stat().st_size > 100 and csv.read_bytes().count(b"\n") == 3
        os.remove(csv)
        srv.emulator.faults.add("endless", path="/export-csv$", delay=0.02, times=-1)
        with pytest.raises(Unavailable, match="too slowly"):
            await conn.export_csv_to(tmp_path, "school.csv")
        assert [p for p in os.listdir(tmp_path) if p.startswith("school")] == []
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()


async def test_an_attachment_trickled_from_storage_is_given_up_and_leaves_nothing(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("kitehouse", sample=20)
    conn = connector(tmp_path, srv.emulator.remote_config("school"))
    assert isinstance(conn, KitehouseConnector)
    http_of(conn).speed_window = WINDOW
    rid, item = next(
        (r.id, r.attachments[0]) for r in srv.emulator.incidents.values() if r.attachments
    )
    # The presigned link points at the emulator's storage, which trickles the file.
    srv.emulator.faults.add("endless", path="^/_blob/", delay=0.02, times=-1)
    try:
        with pytest.raises(Unavailable, match="attachment storage at http://127.0.0.1:.* too slow"):
            await conn.download_attachment_to(rid, item["object_id"], tmp_path / "dl", "f")
        assert not (tmp_path / "dl").exists() or os.listdir(tmp_path / "dl") == []
        srv.emulator.faults.clear()
        saved = await conn.download_attachment_to(rid, item["object_id"], tmp_path / "dl", "f")
        assert saved.stat().st_size > 0
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()
