"""Answers that are small over the wire and huge once decoded, over real HTTP: the emulators'
``bomb`` fault (a gzip body of blank space), and the size limit that counts decoded bytes
(:func:`incident_tui.remote.answer_limits.read_whole`), so no answer read whole fills the
memory. Also the storage's answer to an upload, which keeps the limits as every other answer
does, and Kitehouse's handover stream, which keeps the size limit but no pace."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.emulators.server import EmulatorServer
from incident_tui.remote.errors import AuthFailed, NotFound, TooLarge, Unavailable
from incident_tui.remote.kitehouse import KitehouseConnector
from tests.integration.conftest import Serve
from tests.integration.test_endless_answers import WINDOW, connector, http_of

MB = 1024 * 1024


def kitehouse(srv: EmulatorServer, tmp_path: Path, **config: Any) -> KitehouseConnector:
    """A connector of the Kitehouse emulator ``srv`` (its config changed by ``config``) that
    holds at most a megabyte of an answer."""
    conn = connector(tmp_path, {**srv.emulator.remote_config("school"), **config})
    assert isinstance(conn, KitehouseConnector)
    http_of(conn).most_held = MB
    return conn


def test_a_bomb_is_small_on_the_wire_and_huge_once_decoded(serve: Serve) -> None:
    srv = serve("revily", sample=2)
    headers = {"Authorization": f'Token token="{srv.emulator.remote_config("x")["token"]}"'}
    srv.emulator.faults.add("bomb", path="^/incidents$", size=8 * MB)
    with httpx.Client(base_url=srv.url, headers=headers, timeout=30) as client:
        with client.stream("GET", "/incidents") as answer:
            assert answer.status_code == 200
            assert answer.headers["Content-Encoding"] == "gzip"
            wire = int(answer.headers["Content-Length"])
            body = answer.read()
        assert wire < 64 * 1024
        assert len(body) == 8 * MB and body.strip() == b""
        assert client.get("/incidents").headers.get("Content-Encoding") is None


def test_a_bomb_size_out_of_range_is_refused_with_the_reason(serve: Serve) -> None:
    srv = serve("revily", sample=1)
    with httpx.Client(base_url=srv.url, timeout=30) as client:
        answer = client.post("/_emulator/faults", json={"kind": "bomb", "size": 0})
    assert answer.status_code == 400
    assert "size must be 1 to" in answer.text


async def test_an_error_text_from_storage_that_expands_is_given_up(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("kitehouse", sample=2)
    conn = kitehouse(srv, tmp_path)
    missing = f"{srv.url}/_blob/no-such-object"
    srv.emulator.faults.add("bomb", path="^/_blob/", size=64 * MB)
    try:
        with pytest.raises(TooLarge, match=r"attachment storage at http://127\.0\.0\.1:\d+ sent"):
            await conn.fetch_bytes(missing, io.BytesIO())
        # The storage's own answer, once it is an ordinary one.
        with pytest.raises(NotFound, match="does not exist"):
            await conn.fetch_bytes(missing, io.BytesIO())
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()


async def test_the_storage_answer_to_an_upload_keeps_the_limits(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("kitehouse", sample=2)
    conn = kitehouse(srv, tmp_path)
    http_of(conn).speed_window = WINDOW
    source = tmp_path / "plan.txt"
    source.write_text("evacuation plan\n")
    rid = next(iter(srv.emulator.incidents))
    try:
        current = await conn.get(rid)
        # A byte every 20 ms: before, the upload waited on it until the server gave up.
        # (Every time: one such answer is tried again, as any dropped one is.)
        srv.emulator.faults.add("endless", method="PUT", path="^/_blob/", delay=0.02,
                                times=-1)
        with pytest.raises(Unavailable, match="attachment storage at .* too slowly"):
            await conn.upload_attachment(current, source)
        srv.emulator.faults.clear()
        srv.emulator.faults.add("bomb", method="PUT", path="^/_blob/", size=64 * MB)
        with pytest.raises(TooLarge, match=r"more than 1\.0 MB"):
            await conn.upload_attachment(current, source)
        attachment = await conn.upload_attachment(current, source)
        assert attachment.name == "plan.txt"
        assert [a.name for a in (await conn.get(rid)).attachments or []] == ["plan.txt"]
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()


async def test_a_handover_stream_without_end_is_given_up_at_the_size_limit(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("kitehouse", sample=2)
    conn = kitehouse(srv, tmp_path)
    try:
        # A flood that never ends: before, it was held for ever, in a line with no end.
        srv.emulator.faults.add("endless", path="/handover$")
        with pytest.raises(TooLarge, match=r"more than 1\.0 MB"):
            [chunk async for chunk in conn.handover_stream(1)]
        # No pace here, as there is for every other answer: the e-mail is written as it
        # streams, and may come slower than any pace an answer from a store must keep.
        http_of(conn).speed_window = WINDOW
        http_of(conn).speed_floor = MB
        srv.emulator.handover_delay = 0.05
        text = "".join([chunk async for chunk in conn.handover_stream(48)])
        assert text.rstrip().endswith("Kitehouse Assistant")
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()


async def test_a_handover_refusal_whose_text_expands_is_given_up(
    serve: Serve, tmp_path: Path
) -> None:
    srv = serve("kitehouse", sample=2)
    conn = kitehouse(srv, tmp_path, token="nope")
    srv.emulator.faults.add("bomb", path="/handover$", size=64 * MB)
    try:
        with pytest.raises(TooLarge, match=r"more than 1\.0 MB"):
            [chunk async for chunk in conn.handover_stream(1)]
        with pytest.raises(AuthFailed):
            [chunk async for chunk in conn.handover_stream(1)]
    finally:
        srv.emulator.faults.clear()
        await conn.aclose()
