"""The copies of files queued for upload, through the command line against the Kitehouse
emulator over HTTP:

- a copy queued with a relative ``--db`` is found and sent when the sync runs from another
  working folder, and its folder goes once the remote has the file;
- a copy that is gone by the time of the sync fails that one change with a reason that says
  what to do, before the remote is asked anything about it; the pass goes on, and the
  change can be discarded;
- a copy that cannot be made (its folder in the way, the disk full) refuses the upload in
  one line naming the folder, and leaves no part of the file behind;
- a copy an ``attach`` killed before it queued its change left goes at a sync once it is a
  few minutes old, and the copies queued changes name stay; one an ``attach`` still holds
  (stopped with Ctrl-Z say, its change not queued yet) stays however old, and is sent;
- an ``attach`` clears such leftovers too, but not while another cache keeps its copies in
  the same folder (``cache.db`` and ``cache.sqlite``): they may be that one's;
- Ctrl-C while ``attach`` copies leaves no part of the copy (it was left, until a sweep).

The first two used to end the remote's every pass in "internal error: FileNotFoundError",
with the change left ``sending`` for ever; the next ended ``attach`` in a traceback; nothing
ever removed the copies of the last."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer
from tests.conftest import dead_port
from tests.integration.conftest import Serve, cli


@pytest.fixture
def school(
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> tuple[EmulatorServer, str]:
    """A Kitehouse emulator synced into ``tmp_path/work/cache.db``, the working folder
    ``tmp_path/work``; the server and the id of one of its incidents."""
    kite = serve("kitehouse", sample=4)
    emulator: Any = kite.emulator
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("school")]))
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    cli(capsys, "--db", "cache.db", "sync", "--once")
    made = emulator.add("Window broken in lab 2")
    cli(capsys, "--db", "cache.db", "sync", "--once")
    return kite, f"school:{made['_id']}"


def attachments(capsys: pytest.CaptureFixture[str], db: Path, incident_id: str) -> list[str]:
    out, _ = cli(capsys, "--db", str(db), "show", incident_id, "--json")
    return [a["name"] for a in json.loads(out).get("attachments", [])]


def queue_note(capsys: pytest.CaptureFixture[str], tmp_path: Path, incident_id: str) -> None:
    """Queue uploading ``note.txt`` to the incident, with the relative ``--db cache.db``."""
    note = tmp_path / "note.txt"
    note.write_text("boiler pressure log")
    cli(capsys, "--db", "cache.db", "attach", incident_id, str(note))


def test_a_copy_queued_with_a_relative_cache_path_is_sent_from_anywhere(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, incident_id = school
    queue_note(capsys, tmp_path, incident_id)
    kept = tmp_path / "work" / "cache.files"
    assert [p.name for p in kept.glob("*/*")] == ["note.txt"]

    monkeypatch.chdir(tmp_path)  # a service runs from elsewhere, with the whole path
    db = tmp_path / "work" / "cache.db"
    out, _ = cli(capsys, "--db", str(db), "sync", "--once")
    assert "pushed 1" in out, out
    assert "note.txt" in attachments(capsys, db, incident_id)
    assert list(kept.iterdir()) == []  # the remote has it: the copy went
    cli(capsys, "--db", str(db), "outbox")
    assert capsys.readouterr().out == ""


def test_a_copy_that_is_gone_fails_its_change_alone(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, incident_id = school
    emulator: Any = server.emulator
    queue_note(capsys, tmp_path, incident_id)
    [folder] = (tmp_path / "work" / "cache.files").iterdir()
    shutil.rmtree(folder)
    emulator.add("Boiler room flooded")  # something for the same pass to pull
    emulator.log.clear()

    out, _ = cli(capsys, "--db", "cache.db", "sync", "--once")
    reason = (
        f"the copy of note.txt kept for upload is gone ({folder / 'note.txt'}): "
        "discard this change and attach the file again"
    )
    assert f"refused: attach {incident_id}: {reason}" in out, out
    assert "internal error" not in out
    assert not [r for r in emulator.log if "attachment" in r.path]
    listed, _ = cli(capsys, "--db", "cache.db", "list", "--search", "Boiler room")
    assert "Boiler room flooded" in listed  # the pass went on and pulled

    shown, _ = cli(capsys, "--db", "cache.db", "outbox")
    assert "failed" in shown and reason in shown
    seq = shown.split()[0]
    cli(capsys, "--db", "cache.db", "discard", seq)
    out, _ = cli(capsys, "--db", "cache.db", "sync", "--once")
    assert "refused" not in out
    assert "note.txt" not in attachments(capsys, Path("cache.db"), incident_id)


def test_a_cache_moved_with_its_copies_still_sends_them(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, incident_id = school
    queue_note(capsys, tmp_path, incident_id)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "work").rename(tmp_path / "moved")  # the changes name the old place
    db = tmp_path / "moved" / "cache.db"
    out, _ = cli(capsys, "--db", str(db), "sync", "--once")
    assert "pushed 1" in out, out
    assert "note.txt" in attachments(capsys, db, incident_id)
    assert list((tmp_path / "moved" / "cache.files").iterdir()) == []


def test_a_copy_that_cannot_be_kept_is_refused_in_one_line(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, incident_id = school
    (tmp_path / "work" / "cache.files").write_text("not a folder")
    note = tmp_path / "note.txt"
    note.write_text("boiler pressure log")
    _, err = cli(capsys, "--db", "cache.db", "attach", incident_id, str(note), status=1)
    assert err == (
        f"incident-tui: cannot keep a copy of note.txt until it is sent: "
        f"{tmp_path / 'work' / 'cache.files'} is a file, not a folder\n"
    )
    out, _ = cli(capsys, "--db", "cache.db", "outbox")
    assert out == "no queued changes\n"


FILE_SIZE_LIMIT = (
    "import os, resource, sys; limit = int(sys.argv[1]); "
    "resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit)); "
    "os.execv(sys.argv[2], sys.argv[2:])"
)
"""A child that lowers its file-size limit, then becomes the command given after it."""


def test_a_copy_the_disk_cannot_take_is_refused_and_leaves_no_part_of_it(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, incident_id = school
    big = tmp_path / "site-photos.zip"
    big.write_bytes(b"\x00" * 1_000_000)
    # The kernel refuses the copy's writes past 64 KB (EFBIG), as a full disk refuses them.
    limit = 65536
    done = subprocess.run(
        [sys.executable, "-c", FILE_SIZE_LIMIT, str(limit), sys.executable, "-m",
         "incident_tui", "--db", "cache.db", "attach", incident_id, str(big)],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 1, (done.stdout, done.stderr)
    kept = tmp_path / "work" / "cache.files"
    assert done.stderr == (
        f"incident-tui: cannot keep a copy of site-photos.zip until it is sent: {kept}: "
        "File too large\n"
    )
    assert list(kept.glob("*/*")) == [] and list(kept.iterdir()) == []
    out, _ = cli(capsys, "--db", "cache.db", "outbox")
    assert out == "no queued changes\n"


@contextmanager
def cache_written_elsewhere(db: Path) -> Iterator[None]:
    """Another process's write to the cache under way (its write lock held) in the block."""
    conn = sqlite3.connect(db, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        yield
        conn.execute("ROLLBACK")
    finally:
        conn.close()


def attach_process(incident_id: str, file: Path) -> subprocess.Popen[str]:
    """``incident-tui attach`` of ``file``, in a process of its own."""
    return subprocess.Popen(
        [sys.executable, "-m", "incident_tui", "--db", "cache.db", "attach", incident_id,
         str(file)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def copy_made(kept: Path, file: Path, attach: subprocess.Popen[str]) -> Path:
    """The whole copy of ``file`` the ``attach`` process made in ``kept``, once it is there."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and attach.poll() is None:
        made = [p for p in kept.glob(f"*/{file.name}") if p.stat().st_size == file.stat().st_size]
        if made:
            return made[0]
        time.sleep(0.02)
    attach.kill()
    raise AssertionError(f"no copy of {file.name} made: {attach.communicate()}")


def age(folder: Path, seconds: float = 3600) -> None:
    """Make ``folder`` and what it holds look untouched for ``seconds``."""
    then = time.time() - seconds
    for path in (*folder.iterdir(), folder):
        os.utime(path, (then, then))


def test_a_copy_a_killed_attach_left_goes_at_a_sync_once_it_is_old(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, incident_id = school
    work = tmp_path / "work"
    kept = work / "cache.files"
    queue_note(capsys, tmp_path, incident_id)
    [queued] = kept.iterdir()
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8" * 100_000)
    with cache_written_elsewhere(work / "cache.db"):
        attach = attach_process(incident_id, photo)
        left = copy_made(kept, photo, attach).parent
        attach.send_signal(signal.SIGKILL)  # copied, its change not queued yet
        attach.communicate()
    out, _ = cli(capsys, "--db", "cache.db", "outbox")
    assert out.count("attach") == 1, out
    offline = {**server.emulator.remote_config("school"),
               "base_url": f"http://127.0.0.1:{dead_port()}"}  # fmt: skip
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([offline]))

    cli(capsys, "--db", "cache.db", "sync", "--once", status=1)
    assert sorted(kept.iterdir()) == sorted([queued, left])  # just made: it may be queued yet
    age(queued)
    age(left)
    cli(capsys, "--db", "cache.db", "sync", "--once", status=1)
    assert list(kept.iterdir()) == [queued]
    assert (queued / "note.txt").read_text() == "boiler pressure log"

    monkeypatch.setenv("INCIDENT_TUI_REMOTES",
                       json.dumps([server.emulator.remote_config("school")]))  # fmt: skip
    out, _ = cli(capsys, "--db", "cache.db", "sync", "--once")
    assert "pushed 1" in out, out
    assert attachments(capsys, work / "cache.db", incident_id) == ["note.txt"]
    assert list(kept.iterdir()) == []


def test_a_copy_an_attach_still_holds_stays_however_old_and_is_sent(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server, incident_id = school
    emulator: Any = server.emulator
    work = tmp_path / "work"
    kept = work / "cache.files"
    photo = tmp_path / "photo.jpg"
    photo.write_bytes(b"\xff\xd8" * 100_000)
    with cache_written_elsewhere(work / "cache.db"):
        attach = attach_process(incident_id, photo)
        copy = copy_made(kept, photo, attach)
        attach.send_signal(signal.SIGSTOP)  # Ctrl-Z before it could queue its change
    try:
        age(copy.parent)
        out, _ = cli(capsys, "--db", "cache.db", "sync", "--once")  # another process's sync
        assert "pushed 0" in out, out
        assert copy.read_bytes() == photo.read_bytes()
    finally:
        attach.send_signal(signal.SIGCONT)
    out, err = attach.communicate(timeout=120)
    assert attach.returncode == 0, (out, err)
    assert "queued: attach photo.jpg" in out

    out, _ = cli(capsys, "--db", "cache.db", "sync", "--once")
    assert "pushed 1" in out, out
    assert attachments(capsys, work / "cache.db", incident_id) == ["photo.jpg"]
    assert photo.read_bytes() in [data for _, data in emulator.blobs.values()]
    assert list(kept.iterdir()) == []


def test_an_attach_clears_old_leftovers_unless_another_cache_shares_their_folder(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, incident_id = school
    work = tmp_path / "work"
    kept = work / "cache.files"
    # What a process killed while it removed a sent file's copy leaves: nothing names it.
    left = kept / "0123456789abcdef0123456789abcdef"
    left.mkdir(parents=True)
    (left / "site-photos.zip").write_bytes(b"\x00" * 4096)
    age(left)
    mine = sqlite3.connect(work / "cache.db")
    other = sqlite3.connect(work / "cache.sqlite")  # its copies go in cache.files too
    with mine, other:
        mine.backup(other)
    mine.close()
    other.close()

    queue_note(capsys, tmp_path, incident_id)
    assert left.exists()  # the other cache may still queue it
    (work / "cache.sqlite").unlink()
    queue_note(capsys, tmp_path, incident_id)
    assert not left.exists()
    assert sorted(p.name for p in kept.glob("*/*")) == ["note.txt", "note.txt"]
    out, _ = cli(capsys, "--db", "cache.db", "outbox")
    assert out.count("attach") == 2, out


def test_ctrl_c_while_attach_copies_leaves_no_part_of_the_copy(
    school: tuple[EmulatorServer, str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, incident_id = school
    kept = tmp_path / "work" / "cache.files"
    big = tmp_path / "disk-image.raw"
    with big.open("wb") as file:
        file.truncate(2 << 30)  # sparse: takes no room here, only in its copy
    attach = attach_process(incident_id, big)
    try:
        deadline = time.monotonic() + 60
        while not list(kept.glob("*/disk-image.raw")) and time.monotonic() < deadline:
            time.sleep(0.01)
        attach.send_signal(signal.SIGSTOP)
        [part] = kept.glob("*/disk-image.raw")
        assert part.stat().st_size < big.stat().st_size  # stopped part way through
        attach.send_signal(signal.SIGINT)
    finally:
        attach.send_signal(signal.SIGCONT)
    out, err = attach.communicate(timeout=120)
    assert attach.returncode == 130, (out, err)
    assert list(kept.iterdir()) == []
    out, _ = cli(capsys, "--db", "cache.db", "outbox")
    assert out == "no queued changes\n"
