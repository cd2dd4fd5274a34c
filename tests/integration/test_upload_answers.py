"""A Kitehouse upload whose presign or registration is answered 200 with an empty body or
``{}`` (a proxy, a flaky link), through the command line against the emulator over HTTP:
such an answer is asked again within the pass, as a garbled one is, and the file ends up on
the incident once, never counted as sent while the remote does not have it. A storage that
fails the bytes' PUT once (a 5xx, a 429, a dropped connection, no answer in time) gets them
again within the pass, at the same presigned link, and so does one that answers 200 without
storing them (a proxy in front of it), which the remote's refusal to register them shows;
a registration refused for another reason is not sent again."""

from __future__ import annotations

import json
import re
import time
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


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503, "retry_after": "1"},
        {"kind": "status", "status": 500},
        {"kind": "status", "status": 502, "body": "<html><h1>502 Bad Gateway</h1></html>"},
        {"kind": "status", "status": 429, "retry_after": "1"},
        {"kind": "drop"},
        {"kind": "delay", "delay": 2.5},
    ],
    ids=["503", "500", "502-html", "429", "drop", "past-the-timeout"],
)
def test_an_upload_the_storage_fails_once_is_sent_again_in_the_pass(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str],
    fault: dict[str, Any],
) -> None:
    # Storage answers a busy moment with 503 (S3's SlowDown) or drops a connection now and
    # then: the bytes go to the same presigned link again, as a download's are fetched again.
    kite: Any = serve("kitehouse", sample=0)
    emulator = kite.emulator
    made = emulator.add("Flooded basement")
    incident_id = f"school:{made['_id']}"
    point(emulator.remote_config("school") | {"timeout": 1.0})
    cli(capsys, "sync", "--once")
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("meter reading 4711")
    cli(capsys, "attach", incident_id, str(evidence))
    emulator.faults.add(method="PUT", path="^/_blob/", **fault)

    out, _ = cli(capsys, "sync", "--once")

    assert "school: ok, pulled 0, pushed 1 (" in out, out
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    (stored,) = emulator.incident(made["_id"])["attachments"]
    assert stored["name"] == "evidence.txt"
    assert emulator.blobs[stored["object_id"]][1] == b"meter reading 4711"
    # The request held past the timeout is logged once the server is done with it.
    deadline = time.monotonic() + 5
    while len(puts := _storage_puts(emulator)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(puts) == 2 and len(set(puts)) == 1, puts  # one presign, its link used again


def _storage_puts(emulator: Any) -> list[str]:
    """The paths of the PUTs the storage got (answered or not)."""
    with emulator.lock:
        return [r.path for r in emulator.log if r.method == "PUT" and r.path.startswith("/_blob/")]


def _registrations(emulator: Any) -> list[int]:
    """The statuses the registrations (``PUT .../attachments``) were answered with."""
    with emulator.lock:
        return [r.status for r in emulator.log
                if r.method == "PUT" and r.path.endswith("/attachments")]


def _queued_upload(serve: Serve, point: Point, tmp_path: Path,
                   capsys: pytest.CaptureFixture[str]) -> tuple[Any, str]:
    """A Kitehouse emulator synced into a cache, and an upload to its one incident queued;
    the emulator and the incident's remote id."""
    kite: Any = serve("kitehouse", sample=0)
    made = kite.emulator.add("Flooded basement")
    point(("school", kite))
    cli(capsys, "sync", "--once")
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("meter reading 4711")
    cli(capsys, "attach", f"school:{made['_id']}", str(evidence))
    return kite.emulator, made["_id"]


def test_an_upload_the_storage_answers_without_storing_is_sent_again_in_the_pass(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, remote_id = _queued_upload(serve, point, tmp_path, capsys)
    emulator.faults.add("status", status=200, body={}, method="PUT", path="^/_blob/")

    out, _ = cli(capsys, "sync", "--once")

    assert "school: ok, pulled 0, pushed 1 (" in out, out
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    (stored,) = emulator.incident(remote_id)["attachments"]
    assert emulator.blobs[stored["object_id"]][1] == b"meter reading 4711"
    puts = _storage_puts(emulator)
    assert len(puts) == 2 and len(set(puts)) == 1, puts  # one presign, its link used again
    assert _registrations(emulator) == [400, 200]


def test_an_upload_the_storage_never_stores_is_refused_naming_the_storage(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, remote_id = _queued_upload(serve, point, tmp_path, capsys)
    emulator.faults.add("status", status=200, body={}, method="PUT", path="^/_blob/", times=-1)

    out, _ = cli(capsys, "sync", "--once")

    storage = re.escape(f"attachment storage at {emulator.base_url}")
    assert re.search(
        r"refused: attach school:\w+: HTTP 400: Attachment has not been uploaded, though "
        rf"{storage} answered the file's upload as stored \(3 times\): it, or a proxy in front "
        r"of it, may answer without storing", out,
    ), out
    (change,) = json.loads(cli(capsys, "outbox", "--json")[0])
    assert change["state"] == "failed"
    assert emulator.incident(remote_id)["attachments"] == []
    assert len(_storage_puts(emulator)) == 3
    assert _registrations(emulator) == [400, 400, 400]


def test_a_registration_refused_for_another_reason_sends_the_bytes_once(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Any refusal sent the bytes twice more, then blamed the storage ("though attachment
    # storage at ... answered the file's upload as stored (3 times)") for the remote's own
    # word on the registration: its schema's 400 says nothing of the bytes.
    emulator, remote_id = _queued_upload(serve, point, tmp_path, capsys)
    refusal = "body/file_name must NOT have more than 8 characters"
    emulator.faults.add("status", status=400, method="PUT", path="/attachments$",
                        body={"statusCode": 400, "error": "Bad Request", "message": refusal},
                        times=-1)

    out, _ = cli(capsys, "sync", "--once")

    assert re.search(rf"refused: attach school:\w+: HTTP 400: {refusal}\n", out), out
    assert "attachment storage" not in out
    assert len(_storage_puts(emulator)) == 1
    assert _registrations(emulator) == [400]
    assert emulator.incident(remote_id)["attachments"] == []
