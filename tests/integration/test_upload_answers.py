"""A Kitehouse upload whose presign or registration is answered 200 with an empty body or
``{}`` (a proxy, a flaky link), through the command line against the emulator over HTTP:
such an answer is asked again within the pass, as a garbled one is, and the file ends up on
the incident once, never counted as sent while the remote does not have it."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators.server import Request, Response
from tests.integration.conftest import Point, Serve, cli

PRESIGN = ("POST", r"/attachments$")
REGISTER = ("PUT", r"/attachments$")

CASES = [
    (PRESIGN, b"", True),
    (PRESIGN, b"{}", True),
    (REGISTER, b"", True),
    (REGISTER, b"{}", True),
    (REGISTER, b"", False),
    (REGISTER, b"{}", False),
]
"""Which request, the body its first answer comes with, and whether the remote did what
was asked before that answer (a proxy that lost the body) or not (one that never passed the
request on)."""


def _answer_once(monkeypatch: pytest.MonkeyPatch, emulator: Any, request_of: tuple[str, str],
                 body: bytes, handled: bool) -> list[str]:
    """Have the first request of ``request_of`` (method, path pattern) answered 200 with
    ``body``; the paths of all such requests, as they come."""
    handle = emulator.handle
    method, pattern = request_of
    seen: list[str] = []

    def odd(request: Request) -> Response:
        if request.method == method and re.search(pattern, request.path):
            seen.append(request.path)
            if len(seen) == 1:
                if handled:
                    handle(request)
                return Response(200, body, {"Content-Type": "application/json"})
        return handle(request)

    monkeypatch.setattr(emulator, "handle", odd)
    return seen


@pytest.mark.parametrize(
    ("request_of", "body", "handled"), CASES,
    ids=["presign-empty", "presign-empty-object", "register-empty", "register-empty-object",
         "register-empty-unsent", "register-empty-object-unsent"],
)
def test_an_upload_answered_without_its_object_is_asked_again(
    serve: Serve, point: Point, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], request_of: tuple[str, str], body: bytes,
    handled: bool,
) -> None:
    kite: Any = serve("kitehouse", sample=0)
    emulator = kite.emulator
    made = emulator.add("Flooded basement")
    incident_id = f"school:{made['_id']}"
    point(("school", kite))
    cli(capsys, "sync", "--once")
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("meter reading 4711")
    cli(capsys, "attach", incident_id, str(evidence))
    seen = _answer_once(monkeypatch, emulator, request_of, body, handled)

    out, _ = cli(capsys, "sync", "--once")

    assert "school: ok, pulled 0, pushed 1 (" in out, out
    assert len(seen) == 2
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    assert [a["name"] for a in emulator.incident(made["_id"])["attachments"]] == [
        "evidence.txt"
    ]
    cli(capsys, "show", incident_id, "--fresh")
    shown = json.loads(cli(capsys, "show", incident_id, "--json")[0])
    assert [(a["name"], a["pending"]) for a in shown["attachments"]] == [("evidence.txt", 0)]
