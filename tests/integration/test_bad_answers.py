"""Answers that are legal HTTP and legal JSON but not what was asked, from the emulators over
loopback, through the real command line and SQLite cache: a listing without its incident list
must fail the sync, not delete the cache; a lone UTF-16 surrogate must not stop a remote for
good; an incident answered under another id must not become a phantom incident."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.cli import main
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.aoh_ims import DEFAULT_TOKEN
from incident_tui.emulators.server import Request, Response
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve


def _configure(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, server: EmulatorServer, name: str
) -> Path:
    """Point the command line at ``server`` as remote ``name``; the cache file."""
    db = tmp_path / "cache.db"
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([server.emulator.remote_config(name)]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(db))
    return db


def _ids(db: Path, *, deleted: bool = False) -> set[str]:
    """Cached incident ids (those marked deleted on their remote only with ``deleted``)."""
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id FROM incident WHERE remote_deleted = ?", [int(deleted)])
        return {row[0] for row in rows}


def _state(db: Path, name: str) -> Any:
    reader = Reader.open(db)
    try:
        return next(r for r in reader.remotes() if r.name == name)
    finally:
        reader.close()


# A listing without its incident list ---------------------------------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {"message": "Service under maintenance"},
        {"data": {}},
        {"data": {"incidents": None}},
        {"data": {"incidents": None, "total": 0}},
    ],
)
def test_aoh_listing_without_incidents_fails_and_deletes_nothing(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], body: dict[str, Any],
) -> None:
    ops = serve("aoh_ims", sample=12)
    db = _configure(monkeypatch, tmp_path, ops, "ops")
    assert main(["sync", "--once"]) == 0
    cached = _ids(db)
    assert len(cached) == 12
    capsys.readouterr()

    ops.emulator.faults.add("status", status=200, body=body, path="^/v1/incident$", times=-1)
    assert main(["sync", "--once", "--remote", "ops"]) == 1
    out = capsys.readouterr().out
    assert "ops: failed: GET /v1/incident: no incident list in the answer" in out
    assert "removed" not in out
    assert _ids(db) == cached and _ids(db, deleted=True) == set()
    assert _state(db, "ops").state == "failing"


@pytest.mark.parametrize("answer", [b"", b"null"])
def test_fourhse_listing_with_no_array_fails_and_deletes_nothing(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], answer: bytes,
) -> None:
    hse = serve("fourhse", sample=6)
    db = _configure(monkeypatch, tmp_path, hse, "hse")
    assert main(["sync", "--once"]) == 0
    cached = _ids(db)
    assert len(cached) == 6
    capsys.readouterr()

    # The fault plan cannot send an empty or "null" 200, so the emulator's incident index
    # answers one in place of its array.
    handle = hse.emulator.handle

    def no_array(request: Request) -> Response:
        if request.path.endswith("/incident/index"):
            return Response(200, answer, {"Content-Type": "application/json"})
        return handle(request)

    monkeypatch.setattr(hse.emulator, "handle", no_array)
    assert main(["sync", "--once", "--remote", "hse"]) == 1
    out = capsys.readouterr().out
    assert "hse: failed: POST /v2/incident/index: expected a JSON array of objects" in out
    assert _ids(db) == cached and _ids(db, deleted=True) == set()


# A lone surrogate ------------------------------------------------------------------------------


def _post_raw(server: EmulatorServer, path: str, body: bytes) -> dict[str, Any]:
    """POST raw JSON bytes to the AOH emulator as another user would."""
    headers = {"Authorization": f"Bearer {DEFAULT_TOKEN}", "Content-Type": "application/json"}
    response = httpx.post(server.url + path, content=body, headers=headers)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_lone_surrogates_are_stored_replaced_and_block_nothing(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ops = serve("aoh_ims", sample=3)
    db = _configure(monkeypatch, tmp_path, ops, "ops")
    # Legal JSON escapes of lone surrogates, as raw bytes (a high one alone in the title, a
    # low one alone in the comment); a valid pair next to them must stay an emoji.
    incident = _post_raw(ops, "/v1/incident", (
        b'{"name":"title with lone \\ud800 surrogate \\ud83d\\ude00","status":"NEW",'
        b'"type":"OTHERS","date":"2026-11-22T10:00:00Z","description":"d","reported_by":"x"}'
    ))
    _post_raw(
        ops, f"/v1/incident/{incident['id']}/comments", b'{"text":"noted \\udc80 here"}'
    )
    incident_id = f"ops:{incident['id']}"

    assert main(["sync", "--once"]) == 0
    assert main(["show", incident_id, "--fresh"]) == 0
    out, err = capsys.readouterr()
    assert "ops: ok, pulled 4" in out and err == ""
    assert "title with lone \ufffd surrogate \U0001f600" in out
    assert "noted \ufffd here" in out

    reader = Reader.open(db)
    try:
        detail = reader.detail(incident_id)
    finally:
        reader.close()
    assert detail is not None
    assert detail.incident["title"] == "title with lone \ufffd surrogate \U0001f600"
    assert [c["body"] for c in detail.comments] == ["noted \ufffd here"]
    assert _state(db, "ops").state == "ok"


# An incident answered under another id ---------------------------------------------------------

GET_ONE = {
    "aoh_ims": (r"^/v1/incident/[^/]+$", {"data": {"id": "x"}}),
    "kitehouse": (r"^/incidents/[^/]+/[^/]+$", {"_id": "x"}),
    "revily": (r"^/incidents/[^/]+$", {"id": "x"}),
    "fourhse": (r"^/v2/incident/view/", {"office_incident_id": "x"}),
    "oneuptime": (r"/incident/[^/]+/get-item$", {"_id": "x"}),
}
"""Per kind: the get-one route and an answer carrying another incident's id."""


@pytest.mark.parametrize("kind", sorted(GET_ONE))
def test_an_incident_answered_under_another_id_is_refused(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], kind: str,
) -> None:
    server = serve(kind, sample=2)
    db = _configure(monkeypatch, tmp_path, server, "r")
    assert main(["sync", "--once"]) == 0
    cached = _ids(db)
    incident_id = sorted(cached)[0]
    capsys.readouterr()

    path, body = GET_ONE[kind]
    server.emulator.faults.add("status", status=200, body=body, path=path, times=-1)
    main(["show", incident_id, "--fresh"])  # the cached copy is shown: exits 0 either way
    err = capsys.readouterr().err
    assert f"cannot read {incident_id} from its remote" in err
    assert "the answer is incident 'x'" in err
    assert _ids(db) == cached
