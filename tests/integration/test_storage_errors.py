"""Kitehouse's attachment storage answering an error status, from the emulator over loopback
through the real command line: the error names the storage and its address, as its timeouts
and cut-off transfers do (it is often another server than the API, down alone)."""

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
    serve: Serve, monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[EmulatorServer, str]:
    """A Kitehouse emulator synced into a cache; the server and the id of an incident."""
    kite = serve("kitehouse", sample=1)
    emulator: Any = kite.emulator
    made = emulator.add("Window broken in lab 2")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("school")]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    monkeypatch.setenv("INCIDENT_TUI_DOWNLOAD_DIR", str(tmp_path / "downloads"))
    cli(capsys, "sync", "--once")
    return kite, f"school:{made['_id']}"


def test_a_download_the_storage_refuses_names_the_storage(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite, incident_id = kitehouse
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 photo bytes")
    cli(capsys, "attach", incident_id, str(photo))
    cli(capsys, "sync", "--once")
    kite.emulator.faults.add("status", status=429, path="^/_blob/", retry_after="0", times=-1)
    _, err = cli(capsys, "download", incident_id, "photo.jpg", status=1)
    assert err == (
        f"incident-tui: attachment storage at {kite.url} answered HTTP 429: injected fault\n"
    ), err


def test_an_upload_the_storage_refuses_names_the_storage(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite, incident_id = kitehouse
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8 photo bytes")
    cli(capsys, "attach", incident_id, str(photo))
    kite.emulator.faults.add("status", status=503, method="PUT", path="^/_blob/", times=-1)
    out, _ = cli(capsys, "sync", "--once", status=1)
    assert re.search(
        rf"attachment storage at {re.escape(kite.url)} answered HTTP 503: injected fault", out
    ), out
