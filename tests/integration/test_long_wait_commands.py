"""What needs the remote now (``stale``, ``export-csv``, ``export-pdf``, ``download``,
``services``) answered a 429 or 503 with a ``Retry-After`` longer than a request waits,
from the emulators over loopback through the real command line: it is not sent again, and
the command says until when and to try again then, with the remote's reason."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer
from tests.integration.conftest import Serve, cli


@pytest.fixture
def kitehouse(
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[EmulatorServer, str]:
    """A Kitehouse emulator synced into a cache; the server and the id of an incident with
    one uploaded attachment, ``photo.jpg``."""
    kite = serve("kitehouse", sample=2)
    emulator: Any = kite.emulator
    made = emulator.add("Window broken in lab 2")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("school")]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    monkeypatch.setenv("INCIDENT_TUI_DOWNLOAD_DIR", str(tmp_path / "downloads"))
    cli(capsys, "sync", "--once")
    incident_id = f"school:{made['_id']}"
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 photo bytes")
    cli(capsys, "attach", incident_id, str(photo))
    cli(capsys, "sync", "--once")
    return kite, incident_id


def said_until(err: str, remote: str, status: int) -> bool:
    """Whether ``err`` is the one line saying until when and to try again then."""
    return re.fullmatch(
        rf"incident-tui: {remote} asked for a pause until \d\d:\d\d:\d\d; try again then "
        rf"\(HTTP {status}: injected fault\)",
        err.strip(),
    ) is not None


@pytest.mark.parametrize("status", [429, 503])
@pytest.mark.parametrize(
    "argv",
    [
        ["stale", "school"],
        ["export-csv", "school"],
        ["export-pdf", "ID"],
        ["download", "ID", "photo.jpg"],
    ],
    ids=lambda argv: argv[0],
)
def test_a_kitehouse_command_says_until_when(
    kitehouse: tuple[EmulatorServer, str], capsys: pytest.CaptureFixture[str],
    argv: list[str], status: int,
) -> None:
    server, incident_id = kitehouse
    server.emulator.faults.add(
        "status", status=status, retry_after="99999", method="GET", times=-1
    )
    server.emulator.log.clear()
    _, err = cli(capsys, *[incident_id if a == "ID" else a for a in argv], status=1)
    assert said_until(err, "school", status), err
    assert len(server.emulator.log) == 1  # far off: not sent again


def test_services_says_until_when(
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve("revily", sample=1)
    config = server.emulator.remote_config("oncall")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([config]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    when = "Wed, 21 Oct 2099 07:28:00 GMT"  # an HTTP date, years away
    server.emulator.faults.add("status", status=503, retry_after=when, method="GET", times=-1)
    _, err = cli(capsys, "services", "oncall", status=1)
    assert said_until(err, "oncall", 503), err


def test_a_short_wait_that_outlasts_the_tries_is_no_pause(
    kitehouse: tuple[EmulatorServer, str], capsys: pytest.CaptureFixture[str],
) -> None:
    # A short wait is waited out before each try; once the tries are spent, a pause
    # "until" a moment from now would tell nothing: the remote's answer is said as it is.
    server, incident_id = kitehouse
    server.emulator.faults.add("status", status=503, retry_after="0.2", method="GET",
                               path="/attachments/download$", times=-1)
    _, err = cli(capsys, "download", incident_id, "photo.jpg", status=1)
    assert "pause" not in err and err.strip().endswith("HTTP 503: injected fault"), err
