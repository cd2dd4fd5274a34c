"""Command-line options the README promises, through ``main`` against the emulators over HTTP:
``download``, ``export-pdf`` and ``export-csv`` with ``--to DIR`` (the file lands there, not in
``download_dir``), ``export-pdf --with-attachments``, ``attach --content-type``, and
``emulate KIND --host H --port N`` (serves there and prints that address)."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.emulators import EmulatorServer
from tests.child_lines import ChildLines
from tests.conftest import dead_port
from tests.integration.conftest import Serve, cli


@pytest.fixture
def kitehouse(
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[EmulatorServer, str]:
    """A Kitehouse emulator synced into a cache, ``download_dir`` at ``tmp_path/downloads``;
    the server and the id of an incident with one uploaded attachment, ``photo.jpg``."""
    kite = serve("kitehouse", sample=4)
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


def saved(out: str) -> Path:
    """The path a command printed as ``saved PATH``."""
    assert out.startswith("saved "), out
    return Path(out.removeprefix("saved ").strip())


def untouched(tmp_path: Path) -> bool:
    """Whether nothing was written into the configured download folder."""
    folder = tmp_path / "downloads"
    return not folder.exists() or not any(folder.iterdir())


def test_download_to_a_folder(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, incident_id = kitehouse
    target = tmp_path / "elsewhere" / "new"  # made as needed
    path = saved(cli(capsys, "download", incident_id, "photo.jpg", "--to", str(target))[0])
    assert path.parent == target and path.name == "photo.jpg"
    assert path.read_bytes() == b"\xff\xd8 photo bytes"
    assert untouched(tmp_path)


def test_download_to_a_file_says_the_file_is_in_the_way(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, incident_id = kitehouse
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    for target in (taken, taken / "sub"):
        _, err = cli(capsys, "download", incident_id, "photo.jpg", "--to", str(target), status=1)
        assert err == f"incident-tui: {taken} is a file, not a folder\n"
    assert taken.read_text() == "mine" and untouched(tmp_path)


def test_export_pdf_to_a_folder(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, incident_id = kitehouse
    target = tmp_path / "reports"
    path = saved(cli(capsys, "export-pdf", incident_id, "--to", str(target))[0])
    assert path.parent == target and path.suffix == ".pdf"
    assert path.read_bytes().startswith(b"%PDF-")
    assert untouched(tmp_path)


def test_export_csv_to_a_folder(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = tmp_path / "exports"
    path = saved(cli(capsys, "export-csv", "school", "--to", str(target))[0])
    assert path.parent == target and path.suffix == ".csv"
    text = path.read_text(encoding="utf-8-sig")
    assert text.startswith("URN,") and "Window broken in lab 2" in text
    assert untouched(tmp_path)


def pdf_text(data: bytes) -> str:
    """The page text of a PDF the emulator made (its content streams, inflated)."""
    parts = []
    for stream in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", data, re.S):
        try:
            parts.append(zlib.decompress(stream).decode("latin-1"))
        except zlib.error:
            parts.append(stream.decode("latin-1"))
    return "\n".join(parts)


def test_export_pdf_with_attachments_asks_the_remote_for_them(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite, incident_id = kitehouse
    kite.emulator.log.clear()
    plain = saved(cli(capsys, "export-pdf", incident_id)[0])
    full = saved(cli(capsys, "export-pdf", incident_id, "--with-attachments")[0])
    exports = [e.query for e in kite.emulator.log if e.path.endswith("/export")]
    assert exports == ["withAttachments=false", "withAttachments=true"]
    assert "Attachments:" not in pdf_text(plain.read_bytes())
    with_files = pdf_text(full.read_bytes())
    assert "Attachments:" in with_files and "photo.jpg" in with_files


def test_attach_sends_the_given_content_type(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite, incident_id = kitehouse
    report = tmp_path / "readings.dat"  # a name that says nothing of its type
    report.write_bytes(b"t,temp\n1,21.5\n")
    cli(capsys, "attach", incident_id, str(report), "--content-type", "text/csv")
    guessed = tmp_path / "notes.txt"
    guessed.write_bytes(b"guessed from the name")
    cli(capsys, "attach", incident_id, str(guessed))
    cli(capsys, "sync", "--once")
    blobs = list(kite.emulator.blobs.values())  # type: ignore[attr-defined]
    assert ("text/csv", b"t,temp\n1,21.5\n") in blobs
    assert ("text/plain", b"guessed from the name") in blobs  # without the flag: the name's
    shown = json.loads(cli(capsys, "show", incident_id, "--json")[0])
    assert shown["pending"] == 0


def test_emulate_serves_on_the_given_host_and_port() -> None:
    host = "127.0.0.2"  # another loopback address: only served if --host is taken
    try:
        with socket.socket() as probe:
            probe.bind((host, 0))
    except OSError:
        pytest.skip(f"{host} is not a local address here (Linux routes all of 127/8)")
    port = dead_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "emulate", "revily", "--sample", "3",
         "--host", host, "--port", str(port)],
        stdout=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = ChildLines(process.stdout, "incident-tui emulate")
        first = lines.wait_for(lambda line: " emulator on " in line, 30, "the address line")
        url = f"http://{host}:{port}"
        assert first.startswith(f"revily emulator on {url} ")
        base = lines.wait_for(lambda line: line.startswith("base_url = "), 30, "base_url")
        assert base.strip() == f'base_url = "{url}"'
        token = lines.wait_for(lambda line: line.startswith("token = "), 30, "the token")
        secret = token.strip().partition(" = ")[2].strip('"')
        response = httpx.get(
            f"{url}/incidents", headers={"Authorization": f'Token token="{secret}"'}
        )
        assert response.status_code == 200 and len(response.json()) == 3
        with pytest.raises(httpx.ConnectError):
            httpx.get(f"http://127.0.0.1:{port}/incidents")  # not on the default address
    finally:
        process.kill()
        process.wait()


def test_emulate_serves_on_an_ipv6_address_and_prints_it_in_brackets() -> None:
    # --host ::1 was refused ("Address family for hostname not supported"), and the address
    # printed for the config would have been http://::1:PORT, which is no address.
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        pytest.skip("no IPv6 loopback here")
    port = dead_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "emulate", "revily", "--sample", "3",
         "--host", "::1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        lines = ChildLines(process.stdout, "incident-tui emulate")
        url = f"http://[::1]:{port}"
        base = lines.wait_for(lambda line: line.startswith("base_url = "), 30, "base_url")
        assert base.strip() == f'base_url = "{url}"'
        token = lines.wait_for(lambda line: line.startswith("token = "), 30, "the token")
        secret = token.strip().partition(" = ")[2].strip('"')
        response = httpx.get(
            f"{url}/incidents", headers={"Authorization": f'Token token="{secret}"'}
        )
        assert response.status_code == 200 and len(response.json()) == 3
    finally:
        process.kill()
        process.wait()


def test_download_shows_its_progress_on_a_terminal_only(
    kitehouse: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    _, incident_id = kitehouse
    survey = tmp_path / "survey.bin"
    survey.write_bytes(bytes(range(256)) * 12 * 1024)  # 3.0 MB
    cli(capsys, "attach", incident_id, str(survey))
    cli(capsys, "sync", "--once")

    out, err = cli(capsys, "download", incident_id, "survey.bin", "--to", str(tmp_path / "a"))
    assert saved(out).read_bytes() == survey.read_bytes()
    assert err == ""  # not a terminal: no carriage returns in a log

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out, _ = cli(capsys, "download", incident_id, "survey.bin", "--to", str(tmp_path / "b"))
    assert saved(out).read_bytes() == survey.read_bytes()
    drawn = terminal.getvalue().split("\r")
    assert drawn[1] == "downloading survey.bin: 0 B of 3.0 MB (0%)\x1b[K"
    assert drawn[-2] == "downloading survey.bin: 3.0 MB of 3.0 MB (100%)\x1b[K"
    assert drawn[-1] == "\x1b[K"  # wiped before the result is printed


def test_the_progress_line_fits_the_terminal_stderr_is_on(
    kitehouse: tuple[EmulatorServer, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import fcntl
    import os
    import pty
    import struct
    import termios

    from rich.cells import cell_len

    from tests.terminal_output import read_all

    _, incident_id = kitehouse
    name = "数据库停机报告" * 8 + ".txt"  # 135 cells with its figures
    (tmp_path / name).write_bytes(b"x" * 200_000)
    cli(capsys, "attach", incident_id, str(tmp_path / name))
    cli(capsys, "sync", "--once")
    # As in `path=$(incident-tui download ...)`: stdout a pipe, stderr a 50-column terminal.
    # The environment is passed whole, without COLUMNS: a test runner may have set one.
    env = {key: value for key, value in os.environ.items() if key != "COLUMNS"}
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 50, 0, 0))
    try:
        child = subprocess.Popen(
            [sys.executable, "-m", "incident_tui", "download", incident_id, name,
             "--to", str(tmp_path / "got")],
            stdout=subprocess.PIPE, stderr=follower, env=env,
        )  # fmt: skip
        os.close(follower)
        follower = -1
        screen = read_all(leader).decode()
        out = child.communicate(timeout=60)[0].decode()
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)
    assert child.returncode == 0, screen
    assert saved(out).read_bytes() == b"x" * 200_000
    drawn = [text.removesuffix("\x1b[K") for text in screen.split("\r")[1:-1]]
    assert drawn and all(cell_len(text) <= 49 for text in drawn), drawn
    assert drawn[-1].startswith("downloading 数据")
    assert drawn[-1].endswith("txt: 195.3 KB of 195.3 KB (100%)")


def test_on_a_terminal_a_request_tried_again_is_said_rather_than_waited_out_in_silence(
    kitehouse: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    server, incident_id = kitehouse
    emulator: Any = server.emulator

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    # A remote that does not answer is given up on after four tries of `timeout` each, a
    # minute: each retry is said as it comes, as `sync` says it on a terminal.
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    emulator.faults.add("drop", path=r"/stale$", times=1)
    out, _ = cli(capsys, "stale", "school")
    assert out.strip()  # the list came all the same
    [said] = terminal.getvalue().splitlines()
    assert said.startswith("school: connection to "), said
    assert re.search(r"dropped.*; trying again in 0\.[2-5] s$", said), said

    # During a download the notice wipes the progress line first, which is drawn again.
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    emulator.faults.add("drop", path=r"/attachments/download$", times=1)
    out, _ = cli(capsys, "download", incident_id, "photo.jpg", "--to", str(tmp_path / "c"))
    assert saved(out).read_bytes() == b"\xff\xd8 photo bytes"
    lines = terminal.getvalue().split("\n")
    assert re.match(r"\r?(\x1b\[K)?school: connection to .*; trying again in ", lines[0]), lines
    assert "downloading photo.jpg: " in lines[-1]
    assert lines[-1].endswith("\r\x1b[K")  # wiped before the result is printed


def test_on_a_terminal_a_download_says_it_waits_for_the_remote_before_its_first_byte(
    kitehouse: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import io

    from incident_tui import cli_online

    server, incident_id = kitehouse
    emulator: Any = server.emulator

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    # The file's link is slow to come: the line began only with the file, seconds later.
    monkeypatch.setattr(cli_online, "WAITING_NOTE_AFTER", 0.2)
    emulator.faults.add("delay", delay=1.0, path=r"/attachments/download$")
    captured = sys.stderr
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    out, _ = cli(capsys, "download", incident_id, "photo.jpg", "--to", str(tmp_path / "d"))
    assert saved(out).read_bytes() == b"\xff\xd8 photo bytes"
    drawn = terminal.getvalue().split("\r")
    assert drawn[1] == "downloading photo.jpg: waiting for school…\x1b[K", drawn
    assert drawn[-2].startswith("downloading photo.jpg: "), drawn
    assert "waiting" not in drawn[-2]
    assert drawn[-1] == "\x1b[K"  # wiped before the result is printed

    # Not a terminal: nothing, as before.
    emulator.faults.add("delay", delay=1.0, path=r"/attachments/download$")
    monkeypatch.setattr(sys, "stderr", captured)
    out, err = cli(capsys, "download", incident_id, "photo.jpg", "--to", str(tmp_path / "e"))
    assert saved(out).read_bytes() == b"\xff\xd8 photo bytes"
    assert err == ""
