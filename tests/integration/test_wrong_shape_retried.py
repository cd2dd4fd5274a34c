"""A read answered 200 with a body of the wrong shape (an empty body, a proxy's ``{}``) is
asked again like a garbled one, from the emulators over loopback through the real command
line: one such answer must not fail a sync, ``show --fresh``, ``stale`` or ``services``, nor
pass for an incident deleted on the remote."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.server import Request, Response
from tests.integration.conftest import Serve, cli, first_id

READS = [
    ("revily", ["sync", "--once"], r"^/incidents$"),
    ("revily", ["services", "r"], r"^/services$"),
    ("revily", ["show", "ID", "--fresh"], r"^/incidents/[^/]+$"),
    ("kitehouse", ["sync", "--once"], r"^/incidents/[^/]+$"),
    ("kitehouse", ["stale", "r"], r"^/incidents/[^/]+/stale$"),
    ("kitehouse", ["show", "ID", "--fresh"], r"^/incidents/[^/]+/[0-9a-f]{24}$"),
    ("aoh_ims", ["sync", "--once"], r"^/v1/incident$"),
    ("aoh_ims", ["show", "ID", "--fresh"], r"^/v1/incident/[^/]+$"),
    ("fourhse", ["sync", "--once"], r"/incident/index$"),
    ("fourhse", ["show", "ID", "--fresh"], r"/incident/view/"),
    ("oneuptime", ["sync", "--once"], r"^/api/incident/get-list$"),
]


def _answer_once(
    monkeypatch: pytest.MonkeyPatch, server: EmulatorServer, path: str, body: bytes
) -> list[str]:
    """Have the first request whose path matches ``path`` answered 200 with ``body``, the
    others as usual; the matching requests' paths, as they come."""
    handle = server.emulator.handle
    seen: list[str] = []

    def wrong_once(request: Request) -> Response:
        if re.search(path, request.path):
            seen.append(request.path)
            if len(seen) == 1:
                return Response(200, body, {"Content-Type": "application/json"})
        return handle(request)

    monkeypatch.setattr(server.emulator, "handle", wrong_once)
    return seen


@pytest.mark.parametrize("body", [b"", b"{}"], ids=["empty", "empty-object"])
@pytest.mark.parametrize(("kind", "argv", "path"), READS, ids=lambda v: str(v)[:24])
def test_a_wrong_shaped_answer_to_a_read_is_asked_again(
    serve: Serve, use: object, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str], kind: str, argv: list[str], path: str, body: bytes,
) -> None:
    server = serve(kind, sample=3)
    db: Path = use(("r", server))  # type: ignore[operator]
    argv = [first_id(db, "r") if arg == "ID" else arg for arg in argv]
    seen = _answer_once(monkeypatch, server, path, body)

    out, err = cli(capsys, *argv)

    assert len(seen) >= 2, seen
    assert "failed" not in out and "cached copy" not in err and not err.strip(), (out, err)


def test_an_empty_answer_to_oneuptime_get_item_is_no_deletion(
    serve: Serve, use: object, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # OneUptime answers {} for an incident it has no row for; an empty body is no answer.
    server = serve("oneuptime", sample=0)
    made = server.emulator.add("Disk full")
    use(("r", server))  # type: ignore[operator]
    incident_id = f"r:{made['_id']}"
    cli(capsys, "ack", incident_id)
    seen = _answer_once(monkeypatch, server, r"/get-item$", b"")

    out, _ = cli(capsys, "sync", "--once")

    assert len(seen) >= 2, seen
    assert "no longer exists" not in out, out
    out, _ = cli(capsys, "show", incident_id, "--json")
    assert json.loads(out)["status"] == "acknowledged" and not json.loads(out)["pending"]
