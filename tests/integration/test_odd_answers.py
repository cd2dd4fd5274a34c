"""Whatever shape a remote's answer takes, a sync pass ends in the remote's own error or in
success, never in "internal error" (a Python exception from our mapping or from SQLite).

For each kind, a first sync over HTTP records every JSON answer its emulator gave (listings,
full records, comments, catalogs). Each answer is then served again with every value in it
replaced by an object, a list, a number, a boolean or null, ids kept (so the records are
still taken) or replaced too, and a sync into a fresh cache must not end in an internal
error. The same goes for the answers to changes (acknowledge, comment, resolve) queued on
an incident and pushed. Such answers used to end passes in "Error binding parameter",
"unhashable type" or "'int' object has no attribute 'casefold'"."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.cli import main
from incident_tui.config import Settings
from incident_tui.domain.model import KINDS
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Serve, cli, no_sleep

ID_KEYS = frozenset({"_id", "id", "office_incident_id"})
ODD_VALUES: list[Any] = [{"x": 1}, [1], 5, True, None]


def odd(value: Any, replacement: Any, *, keep_ids: bool) -> Any:
    """``value`` with each scalar inside it replaced (ids too unless ``keep_ids``)."""
    if isinstance(value, dict):
        return {
            key: item if keep_ids and key in ID_KEYS
            else odd(item, replacement, keep_ids=keep_ids) if isinstance(item, dict | list)
            else replacement
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [odd(item, replacement, keep_ids=keep_ids) for item in value]
    return value


async def first_sync(settings: Settings) -> list[tuple[str, str, Any]]:
    """A sync of the one remote; each JSON answer it got, as method, path and body."""
    answers: list[tuple[str, str, Any]] = []
    engine = SyncEngine(settings)
    http = engine.connector(settings.remotes[0].name).http  # type: ignore[attr-defined]
    send = http.client.send

    async def recording(request: httpx.Request, *args: Any, **kwargs: Any) -> httpx.Response:
        response = await send(request, *args, **kwargs)
        await response.aread()
        if "json" in response.headers.get("content-type", ""):
            answers.append((request.method, request.url.path, json.loads(response.content)))
        return response

    http.client.send = recording
    try:
        report = await engine.sync()
    finally:
        await engine.aclose()
    assert report.ok, report.results[0].error
    return answers


async def one_pass(settings: Settings) -> str:
    # The backoff between tries is waited out in no time: what counts is how the pass ends.
    engine = SyncEngine(settings, sleep=no_sleep)
    try:
        report = await engine.sync()
    finally:
        await engine.aclose()
    return report.results[0].error or ""


@pytest.mark.parametrize("kind", KINDS)
def test_no_answer_ends_a_pass_in_an_internal_error(
    serve: Serve, kind: str, tmp_path: Path
) -> None:
    server = serve(kind, sample=3)
    emulator: Any = server.emulator
    remote = emulator.remote_config("site")

    def settings(name: str) -> Settings:
        return Settings(db=tmp_path / f"{name}.db", remotes=[remote], hydrate_limit=3)  # type: ignore[list-item]

    answers = asyncio.run(first_sync(settings("first")))
    assert answers
    shapes: dict[tuple[str, str], Any] = {}
    for method, path, body in answers:
        # One of each endpoint: the same shape for another incident says nothing new.
        shapes.setdefault((method, re.sub(r"[0-9a-fA-F-]{8,}", "ID", path)), (path, body))
    failures = []
    for number, ((method, _), (path, body)) in enumerate(shapes.items()):
        for replacement in ODD_VALUES:
            for keep_ids in (True, False):
                emulator.faults.clear()
                emulator.faults.add("status", method=method, path=f"^{re.escape(path)}$",
                                    status=200, times=-1,
                                    body=odd(body, replacement, keep_ids=keep_ids))
                error = asyncio.run(one_pass(settings(f"odd-{number}-{len(failures)}")))
                if "internal error" in error:
                    failures.append((method, path, replacement, keep_ids, error))
    emulator.faults.clear()
    assert failures == []


WRITES = [("ack", []), ("comment", ["-m", "Pump 3 back on line"]), ("resolve", [])]
"""Changes queued on one open incident; kinds that cannot comment refuse that one alone."""


def queue_writes(capsys: pytest.CaptureFixture[str]) -> None:
    """Sync a fresh cache and queue :data:`WRITES` on its first open incident."""
    cli(capsys, "sync", "--once")
    listed = json.loads(cli(capsys, "list", "--json")[0])
    incident_id = next(i["id"] for i in listed if i["status"] != "resolved")
    for command, more in WRITES:
        capsys.readouterr()
        main([command, incident_id, *more])


# Revily answers its state changes with 204 and no body: nothing there to read wrong.
@pytest.mark.parametrize("kind", [kind for kind in KINDS if kind != "revily"])
def test_no_answer_to_a_change_ends_a_pass_in_an_internal_error(
    serve: Serve,
    kind: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve(kind, sample=60)  # each round acknowledges and resolves one
    emulator: Any = server.emulator
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("site")]))
    monkeypatch.setenv("INCIDENT_TUI_HYDRATE_LIMIT", "0")  # full records are the other test's
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "first.db"))
    queue_writes(capsys)
    answers: dict[tuple[str, str], tuple[str, Any]] = {}
    send = httpx.AsyncClient.send

    async def recording(
        client: httpx.AsyncClient, request: httpx.Request, *args: Any, **kwargs: Any
    ) -> httpx.Response:
        response = await send(client, request, *args, **kwargs)
        await response.aread()
        path = request.url.path
        if request.method != "GET" and "json" in response.headers.get("content-type", ""):
            shape = (request.method, re.sub(r"[0-9a-fA-F-]{8,}", "[^/]+", path))
            answers.setdefault(shape, (path, json.loads(response.content)))
        return response

    with monkeypatch.context() as patched:
        patched.setattr(httpx.AsyncClient, "send", recording)
        cli(capsys, "sync", "--once")
    writes = {shape: body for shape, (path, body) in answers.items()
              if not re.search(r"get-list|get-item|/token$", path)}
    failures = []
    for number, ((method, pattern), body) in enumerate(sorted(writes.items())):
        for replacement in ODD_VALUES[:3]:  # objects, lists, numbers: what broke before
            emulator.faults.clear()
            monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / f"odd-{number}-{replacement}.db"))
            queue_writes(capsys)  # on another incident: the pattern takes any id
            emulator.faults.add("status", method=method, path=f"^{pattern}$", status=200,
                                times=-1, body=odd(body, replacement, keep_ids=True))
            capsys.readouterr()
            main(["sync", "--once"])
            printed = "".join(capsys.readouterr())
            if "internal error" in printed:
                failures.append((method, pattern, replacement, printed))
    emulator.faults.clear()
    assert writes and failures == []
