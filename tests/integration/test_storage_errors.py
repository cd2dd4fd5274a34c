"""Kitehouse's attachment storage answering an error status, from the emulator over loopback
through the real command line: the error names the storage and its address, as its timeouts
and cut-off transfers do (it is often another server than the API, down alone)."""

from __future__ import annotations

import json
import os
import re
import socket
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve, cli


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


def _attach(incident_id: str, path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path.write_bytes(b"\xff\xd8 photo bytes")
    cli(capsys, "attach", incident_id, str(path))


def test_a_pause_the_storage_asks_of_an_upload_holds_only_the_uploads(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite, first = kitehouse
    emulator: Any = kite.emulator
    second = f"school:{emulator.add('Door jammed in hall 3')['_id']}"
    third = f"school:{emulator.add('Leak by the gym')['_id']}"
    cli(capsys, "sync", "--once")
    _attach(first, tmp_path / "photo.jpg", capsys)
    cli(capsys, "comment", first, "-m", "photo attached")  # waits behind its upload
    cli(capsys, "comment", second, "-m", "locksmith called")
    _attach(second, tmp_path / "door.jpg", capsys)
    emulator.faults.add("status", status=503, method="PUT", path="^/_blob/", retry_after="3600",
                        times=-1)

    out, _ = cli(capsys, "sync", "--once")
    until = re.search(r"uploads wait until (\d\d:\d\d:\d\d) as school's attachment storage "
                      rf"asked: attachment storage at {re.escape(kite.url)} answered HTTP 503",
                      out)
    assert until, out
    # The other incident's comment went; the second upload was not tried.
    messages = [c["message"] for c in emulator.incident(second.split(":")[1])["comments"]]
    assert "locksmith called" in messages
    assert [r.method for r in emulator.log if r.path.startswith("/_blob/")] == ["PUT"]
    waiting, _ = cli(capsys, "outbox")
    assert [line.split()[2] for line in waiting.splitlines()] == ["attach", "comment", "attach"]

    # The next pass sends what came since, not the uploads, nor what waits behind one.
    cli(capsys, "comment", third, "-m", "bucket placed")
    out, _ = cli(capsys, "sync", "--once")
    assert f"2 uploads wait until {until[1]} as school's attachment storage asked" in out, out
    messages = [c["message"] for c in emulator.incident(third.split(":")[1])["comments"]]
    assert messages == ["bucket placed"]
    assert [r.method for r in emulator.log if r.path.startswith("/_blob/")] == ["PUT"]
    assert "photo attached" not in [
        c["message"] for c in emulator.incident(first.split(":")[1])["comments"]
    ]


def test_a_pause_the_storage_asks_of_an_upload_is_told_as_the_storage_s(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pass's summary said 'queued changes wait as the remote asked', outbox 'the remote
    # asked to wait', and the TUI's status line 'changes wait until ...', while the remote's
    # other changes went and only the uploads waited.
    kite, first = kitehouse
    emulator: Any = kite.emulator
    second = f"school:{emulator.add('Door jammed in hall 3')['_id']}"
    cli(capsys, "sync", "--once")
    _attach(first, tmp_path / "photo.jpg", capsys)
    cli(capsys, "comment", second, "-m", "locksmith called")
    emulator.faults.add("status", status=503, method="PUT", path="^/_blob/", retry_after="3600",
                        times=-1)

    out, _ = cli(capsys, "sync", "--once")

    summary = out.splitlines()[-1]
    assert re.fullmatch(
        r"synced 1 of 1 remotes; uploads wait as the attachment storage asked: school until "
        r"\d\d:\d\d:\d\d", summary,
    ), summary
    waiting, _ = cli(capsys, "outbox")
    assert re.search(r"; the attachment storage asked to wait until \d\d:\d\d:\d\d\)$",
                     waiting.strip()), waiting
    (remote,) = Reader.open(Path(os.environ["INCIDENT_TUI_DB"])).remotes()
    assert remote.waits_until is None  # what the TUI says "changes wait until" of


def test_a_pause_the_storage_asks_of_a_download_names_the_storage(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite, incident_id = kitehouse
    _attach(incident_id, tmp_path / "photo.jpg", capsys)
    cli(capsys, "sync", "--once")
    kite.emulator.faults.add("status", status=429, path="^/_blob/", retry_after="3600",
                             times=-1)
    _, err = cli(capsys, "download", incident_id, "photo.jpg", status=1)
    assert re.fullmatch(
        r"incident-tui: school's attachment storage asked for a pause until \d\d:\d\d:\d\d; "
        rf"try again then \(attachment storage at {re.escape(kite.url)} answered HTTP 429: "
        r"injected fault\)\n", err,
    ), err


def test_the_storage_at_an_ipv6_address_is_named_in_brackets(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Named 'attachment storage at http://::1:PORT', which is no address.
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    kite = EmulatorServer(make_emulator("kitehouse", sample=1, clock=lambda: FIXED_NOW), "::1")
    with kite:
        emulator: Any = kite.emulator
        made = emulator.add("Window broken in lab 2")
        config = emulator.remote_config("school")
        monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([config]))
        monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
        monkeypatch.setenv("INCIDENT_TUI_DOWNLOAD_DIR", str(tmp_path / "downloads"))
        incident_id = f"school:{made['_id']}"
        cli(capsys, "sync", "--once")
        photo = tmp_path / "photo.jpg"
        photo.write_bytes(b"\xff\xd8 photo bytes")
        cli(capsys, "attach", incident_id, str(photo))
        cli(capsys, "sync", "--once")
        emulator.faults.add("status", status=429, path="^/_blob/", retry_after="0", times=-1)
        _, err = cli(capsys, "download", incident_id, "photo.jpg", status=1)
    assert err == (
        f"incident-tui: attachment storage at http://[::1]:{kite.port} answered HTTP 429: "
        "injected fault\n"
    ), err
