"""Kitehouse's download-link request (``GET .../attachments/download``) answered 200 with
something other than ``{"url"}`` (an empty body, a proxy's HTML or text page, ``{}``, a
garbled one) is asked again like any garbled read, over loopback to the emulator; a
redirect is followed whatever its body says."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

from incident_tui.config_remotes import KitehouseRemote
from incident_tui.emulators.server import Request, Response
from incident_tui.remote.errors import BadResponse
from incident_tui.remote.kitehouse import KitehouseConnector
from tests.integration.conftest import Serve, no_sleep

pytestmark = pytest.mark.integration

LINK = r"/attachments/download$"

ANSWERS = [
    (b"", "application/json"),
    (b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
    (b"upstream connect error", "text/plain"),
    (b"{}", "application/json"),
    (b'{"url": ', "application/json"),
]


def _answer(monkeypatch: pytest.MonkeyPatch, emulator: Any, body: bytes, ctype: str,
            times: int) -> list[str]:
    """Have the first ``times`` download-link requests answered 200 with ``body``; the
    paths of all of them, as they come."""
    handle = emulator.handle
    seen: list[str] = []

    def odd(request: Request) -> Response:
        if re.search(LINK, request.path):
            seen.append(request.path)
            if len(seen) <= times:
                return Response(200, body, {"Content-Type": ctype})
        return handle(request)

    monkeypatch.setattr(emulator, "handle", odd)
    return seen


def _connector(emulator: Any) -> KitehouseConnector:
    return KitehouseConnector(KitehouseRemote(**emulator.remote_config("kh")), sleep=no_sleep)


@pytest.mark.parametrize(("body", "ctype"), ANSWERS,
                         ids=["empty", "html", "text", "empty-object", "garbled"])
async def test_a_download_link_answered_without_a_url_is_asked_again(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, body: bytes, ctype: str
) -> None:
    emulator: Any = serve("kitehouse", sample=30).emulator
    rid, item = next((r.id, r.attachments[0]) for r in emulator.incidents.values()
                     if r.attachments)
    seen = _answer(monkeypatch, emulator, body, ctype, times=1)
    conn = _connector(emulator)
    try:
        saved = await conn.download_attachment_to(rid, item["object_id"], tmp_path, "copy")
    finally:
        await conn.aclose()
    assert len(seen) == 2
    assert saved.read_bytes() == emulator.blobs[item["object_id"]][1]


async def test_a_download_link_never_answered_with_a_url_names_the_request(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    emulator: Any = serve("kitehouse", sample=30).emulator
    rid, item = next((r.id, r.attachments[0]) for r in emulator.incidents.values()
                     if r.attachments)
    seen = _answer(monkeypatch, emulator, b"", "application/json", times=99)
    conn = _connector(emulator)
    try:
        with pytest.raises(BadResponse, match=r"GET /incidents/.*/attachments/download: "
                                              r"expected \{url\}, got an empty body"):
            await conn.download_attachment_to(rid, item["object_id"], tmp_path, "copy")
    finally:
        await conn.aclose()
    assert len(seen) == conn.http.attempts
    assert os.listdir(tmp_path) == []


async def test_a_redirect_with_a_page_for_a_body_is_followed(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Express and Rails answer a redirect with a short text or HTML page: only the
    # Location counts.
    emulator: Any = serve("kitehouse", sample=30).emulator
    rid, item = next((r.id, r.attachments[0]) for r in emulator.incidents.values()
                     if r.attachments)
    handle = emulator.handle

    def redirect(request: Request) -> Response:
        if re.search(LINK, request.path):
            blob = f"/_blob/{request.arg('objectId')}"
            return Response(302, f"Found. Redirecting to {blob}".encode(),
                            {"Location": blob, "Content-Type": "text/plain"})
        return handle(request)

    monkeypatch.setattr(emulator, "handle", redirect)
    conn = _connector(emulator)
    try:
        saved = await conn.download_attachment_to(rid, item["object_id"], tmp_path, "copy")
    finally:
        await conn.aclose()
    assert saved.read_bytes() == emulator.blobs[item["object_id"]][1]
