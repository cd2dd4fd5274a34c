"""Files queued for upload and then taken back, through the command line against the
Kitehouse emulator over HTTP: deleting one not uploaded yet cancels its upload (nothing is
sent, nothing refused), discarding its queued upload removes its "pending upload" entry, and
neither, nor deleting a never-sent incident, leaves the kept copy beside the cache; an upload
the remote accepted leaves none either. ``delete-attachment`` takes a name as ``show`` lists it
(one that two files share is refused, naming their numbers, by ``download`` too),
a file whose name is not UTF-8 goes up under a readable one, and a content type no HTTP header
can carry is refused when attached, or, queued by an older version, ends as a refused change.
An upload whose registration answer was cut off is done once, not refused."""

from __future__ import annotations

import json
import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.emulators import kitehouse_data
from incident_tui.paths import outbox_files_dir
from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    """Run a command in process, check its exit status; what it printed."""
    capsys.readouterr()
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert code == status, (out, err)
    return out


def kept_copies(tmp_path: Path) -> list[str]:
    """The files kept beside the cache for upload, as ``folder/name``."""
    home = outbox_files_dir(tmp_path / "cache.db")
    if not home.exists():
        return []
    return sorted(f"{p.parent.name}/{p.name}" for p in home.glob("*/*"))


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    rows: list[dict[str, Any]] = json.loads(run(capsys, "outbox", "--json"))
    return rows


def attachments(capsys: pytest.CaptureFixture[str], incident_id: str) -> list[tuple[str, int]]:
    """The cached attachments of an incident (``show --json``): name and pending."""
    shown = json.loads(run(capsys, "show", incident_id, "--json"))
    return [(a["name"], a["pending"]) for a in shown["attachments"]]


@pytest.fixture
def school(serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]) -> tuple[Any, str]:
    """A Kitehouse emulator with one incident, synced into the cache: the emulator and the
    incident's id."""
    kite: Any = serve("kitehouse", sample=0)
    made = kite.emulator.add("Flooded basement")
    point(("school", kite))
    assert "school: ok" in run(capsys, "sync", "--once")
    return kite.emulator, f"school:{made['_id']}"


def remote_names(emulator: Any, incident_id: str) -> list[str]:
    """The names of the files the remote has on the incident."""
    return [a["name"] for a in emulator.incident(incident_id.split(":", 1)[1])["attachments"]]


def test_deleting_a_file_not_uploaded_yet_cancels_its_upload(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, incident_id = school
    note = tmp_path / "note.txt"
    note.write_text("meter reading 4711")
    run(capsys, "attach", incident_id, str(note))
    assert [name.split("/")[1] for name in kept_copies(tmp_path)] == ["note.txt"]

    said = run(capsys, "delete-attachment", incident_id, "note.txt", "--yes")
    assert said == (
        f"cancelled: the unsent attachment note.txt on {incident_id} (nothing was sent)\n"
    )
    assert outbox(capsys) == []
    assert attachments(capsys, incident_id) == []
    assert kept_copies(tmp_path) == []
    synced = run(capsys, "sync", "--once")
    assert "school: ok, pulled 0, pushed 0 (" in synced, synced
    assert remote_names(emulator, incident_id) == []


def test_discarding_a_queued_upload_leaves_no_pending_entry_nor_copy(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, incident_id = school
    for name in ("one.txt", "two.txt"):
        (tmp_path / name).write_text(f"evidence {name}")
        run(capsys, "attach", incident_id, str(tmp_path / name))
    [first, second] = outbox(capsys)
    run(capsys, "discard", str(second["seq"]))
    assert attachments(capsys, incident_id) == [("one.txt", 1)]
    assert [name.split("/")[1] for name in kept_copies(tmp_path)] == ["one.txt"]
    assert [row["seq"] for row in outbox(capsys)] == [first["seq"]]

    assert "school: ok" in run(capsys, "sync", "--once")
    assert remote_names(emulator, incident_id) == ["one.txt"]
    assert attachments(capsys, incident_id) == [("one.txt", 0)]
    assert kept_copies(tmp_path) == []  # uploaded: its copy is gone too


def test_a_never_sent_incident_takes_its_kept_files_along(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    evidence = tmp_path / "photo.jpg"
    evidence.write_bytes(b"\xff\xd8 not really a jpeg")
    made = run(capsys, "create", "--remote", "school", "--title", "Typo incident").split()[2]
    run(capsys, "attach", made, str(evidence))
    assert len(kept_copies(tmp_path)) == 1
    run(capsys, "delete", made, "--yes")
    assert kept_copies(tmp_path) == []
    assert outbox(capsys) == []

    # The same when its queued create is discarded.
    again = run(capsys, "create", "--remote", "school", "--title", "Another typo").split()[2]
    run(capsys, "attach", again, str(evidence))
    assert len(kept_copies(tmp_path)) == 1
    create = next(row for row in outbox(capsys) if row["op"] == "create")
    run(capsys, "discard", str(create["seq"]))
    assert kept_copies(tmp_path) == []
    assert outbox(capsys) == []


def test_delete_attachment_takes_a_name_as_show_lists_it(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite: Any = serve("kitehouse", sample=0)
    emulator = kite.emulator
    made = emulator.add("Tampered evidence")
    record = emulator.incidents[made["_id"]]
    for name in ("evil\nname.txt", "\x1b[2Jclear.txt"):
        oid = emulator.ids.new(emulator.clock())
        record.attachments.append(
            kitehouse_data.attachment(oid, name, "text/plain", emulator.site_id, record.id)
        )
        emulator.blobs[oid] = ("text/plain", b"evidence")
    point(("school", kite))
    assert "school: ok" in run(capsys, "sync", "--once")
    incident_id = f"school:{made['_id']}"
    shown = run(capsys, "show", incident_id)
    assert "evil name.txt" in shown and "  clear.txt" in shown

    for name in ("evil name.txt", "clear.txt"):
        said = run(capsys, "delete-attachment", incident_id, name, "--yes")
        assert said.startswith(f"queued: delete attachment {name} of {incident_id}"), said
    assert "school: ok" in run(capsys, "sync", "--once")
    assert remote_names(emulator, incident_id) == []


def test_a_name_two_files_share_is_refused_saying_how_to_pick_one(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, incident_id = school
    photo = tmp_path / "photo.txt"
    for text in ("before", "after the repair"):
        photo.write_text(text)
        run(capsys, "attach", incident_id, str(photo))
    assert "school: ok" in run(capsys, "sync", "--once")
    detail = Reader.open(tmp_path / "cache.db").detail(incident_id)
    assert detail is not None
    numbers = [a["seq"] for a in detail.attachments]
    assert len(numbers) == 2

    capsys.readouterr()
    assert main(["delete-attachment", incident_id, "photo.txt", "--yes"]) == 1
    out, err = capsys.readouterr()
    first, second = numbers
    assert (out, err) == (
        "",
        f"incident-tui: {incident_id} has 2 attachments named 'photo.txt' (#{first} "
        f"text/plain 6 bytes, #{second} text/plain 16 bytes); give the number of the one to "
        "delete "
        f"(incident-tui delete-attachment {incident_id} {first})\n",
    )
    assert outbox(capsys) == []
    # The number the refusal names is taken: that one goes, the other stays.
    said = run(capsys, "delete-attachment", incident_id, str(second), "--yes")
    assert said.startswith(f"queued: delete attachment photo.txt of {incident_id}"), said
    assert "school: ok" in run(capsys, "sync", "--once")
    remote = emulator.incident(incident_id.split(":", 1)[1])["attachments"]
    assert [a["name"] for a in remote] == ["photo.txt"]
    assert [emulator.blobs[a["object_id"]][1] for a in remote] == [b"before"]


def test_download_of_a_name_two_files_share_is_refused_and_takes_the_number(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, incident_id = school
    photo = tmp_path / "photo.txt"
    for text in ("before", "after the repair"):
        photo.write_text(text)
        run(capsys, "attach", incident_id, str(photo))
    capsys.readouterr()
    assert main(["download", incident_id, "photo.txt"]) == 1
    assert "photo.txt' is not uploaded yet (the next sync sends it)" in capsys.readouterr().err
    assert "school: ok" in run(capsys, "sync", "--once")
    detail = Reader.open(tmp_path / "cache.db").detail(incident_id)
    assert detail is not None
    first, second = (a["seq"] for a in detail.attachments)
    downloads = tmp_path / "got"

    assert main(["download", incident_id, "photo.txt", "--to", str(downloads)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == (
        f"incident-tui: {incident_id} has 2 attachments named 'photo.txt' (#{first} "
        f"text/plain 6 bytes, #{second} text/plain 16 bytes); give the number of the one to "
        "download\n"
    )
    assert not downloads.exists() or not list(downloads.iterdir())
    run(capsys, "download", incident_id, str(second), "--to", str(downloads))
    assert [p.read_text() for p in downloads.iterdir()] == ["after the repair"]


def test_a_file_whose_name_is_not_utf8_is_uploaded_under_a_readable_name(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator, incident_id = school
    latin1 = tmp_path / os.fsdecode(b"caf\xe9.txt")  # as a Latin-1 system names it
    latin1.write_bytes(b"menu of the day")
    said = run(capsys, "attach", incident_id, str(latin1))
    assert said.startswith(f"queued: attach caf\ufffd.txt to {incident_id} (change ")
    assert attachments(capsys, incident_id) == [("caf\ufffd.txt", 1)]

    assert "school: ok, pulled 0, pushed 1" in run(capsys, "sync", "--once")
    assert remote_names(emulator, incident_id) == ["caf\ufffd.txt"]
    assert ("text/plain", b"menu of the day") in emulator.blobs.values()
    assert attachments(capsys, incident_id) == [("caf\ufffd.txt", 0)]


@pytest.mark.parametrize("content_type", ["t\u00ebxt/plain", "text/plain\r\nX-Note: 1"])
def test_attach_refuses_a_content_type_no_header_can_carry(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    content_type: str,
) -> None:
    _, incident_id = school
    note = tmp_path / "note.txt"
    note.write_text("meter reading 4711")
    capsys.readouterr()
    assert main(["attach", incident_id, str(note), "--content-type", content_type]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err == (
        f"incident-tui: content type {content_type!r} is not a MIME type: give it as "
        "type/subtype in plain ASCII, such as text/plain or application/pdf\n"
    )
    assert outbox(capsys) == [] and attachments(capsys, incident_id) == []
    assert kept_copies(tmp_path) == []
    run(capsys, "attach", incident_id, str(note), "--content-type", "text/plain; charset=utf-8")
    assert [row["op"] for row in outbox(capsys)] == ["attach"]


@pytest.mark.parametrize("content_type", ["t\u00ebxt/plain", "text/plain\r\nX-Note: 1"])
def test_a_queued_content_type_no_header_can_carry_is_refused_not_the_remote_failing(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str],
    content_type: str,
) -> None:
    # Queued by a version that took any content type.
    emulator, incident_id = school
    note = tmp_path / "note.txt"
    note.write_text("meter reading 4711")
    run(capsys, "attach", incident_id, str(note))
    [queued] = outbox(capsys)
    with sqlite3.connect(tmp_path / "cache.db") as conn:
        payload = json.loads(
            conn.execute("SELECT payload FROM outbox WHERE seq = ?", (queued["seq"],)).fetchone()[0]
        )
        payload["content_type"] = content_type
        conn.execute(
            "UPDATE outbox SET payload = ? WHERE seq = ?", (json.dumps(payload), queued["seq"])
        )
    made = emulator.add("Boiler room flooded")

    synced = run(capsys, "sync", "--once")
    assert "school: ok, pulled 1, pushed 0, 1 refused" in synced, synced
    [refused] = outbox(capsys)
    assert refused["state"] == "failed"
    assert f"content type {content_type!r} is not a MIME type" in refused["last_error"]
    assert f"school:{made['_id']}" in run(capsys, "list")  # the pull went ahead
    assert remote_names(emulator, incident_id) == []
    run(capsys, "discard", str(refused["seq"]))
    assert outbox(capsys) == [] and attachments(capsys, incident_id) == []


def test_an_upload_whose_registration_answer_was_cut_off_is_done_once(
    school: tuple[Any, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The remote registers the file, its answer is cut off, and the repeat is refused as
    # already registered: the file is there, so the change is done, not refused.
    emulator, incident_id = school
    evidence = tmp_path / "evidence.txt"
    evidence.write_text("evidence")
    run(capsys, "attach", incident_id, str(evidence))
    emulator.faults.add("truncated", method="PUT", path="/attachments$")

    synced = run(capsys, "sync", "--once")
    assert "school: ok, pulled 0, pushed 1 (" in synced, synced
    assert outbox(capsys) == []
    assert remote_names(emulator, incident_id) == ["evidence.txt"]
    assert attachments(capsys, incident_id) == [("evidence.txt", 0)]
    assert kept_copies(tmp_path) == []
    run(capsys, "show", incident_id, "--fresh")  # the remote's copy read in: still once
    assert attachments(capsys, incident_id) == [("evidence.txt", 0)]
