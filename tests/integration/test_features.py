"""What each system does best, through the command line against the emulators over HTTP:
attachments, exports, stale lists, delete previews, public notes, attributes, services."""

from __future__ import annotations

import csv
import io
import json
import re
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.domain.mapping import status_from_keywords
from incident_tui.domain.model import Status
from incident_tui.domain.query import ListQuery
from incident_tui.emulators.aoh_ims import DEFAULT_TENANT
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve, first_id


def test_kitehouse_upload_download_and_exports(
    serve: Serve, use: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=8)
    db = use(("school", kite))
    incident_id = first_id(db, "school")
    evidence = tmp_path / "photo.jpg"
    evidence.write_bytes(b"\xff\xd8 not really a jpeg")
    assert main(["attach", incident_id, str(evidence)]) == 0
    assert main(["sync", "--once"]) == 0
    blobs = kite.emulator.blobs.values()  # type: ignore[attr-defined]
    assert ("image/jpeg", b"\xff\xd8 not really a jpeg") in blobs
    capsys.readouterr()
    assert main(["download", incident_id, "photo.jpg"]) == 0
    saved = Path(capsys.readouterr().out.split("saved ", 1)[1].strip())
    assert saved.parent == tmp_path / "downloads" and saved.read_bytes().startswith(b"\xff\xd8")
    assert main(["download", incident_id, "photo.jpg"]) == 0  # never overwrites
    assert sorted(p.name for p in saved.parent.iterdir()) == ["photo (1).jpg", "photo.jpg"]
    assert main(["export-pdf", incident_id]) == 0
    pdf = next((tmp_path / "downloads").glob("*.pdf"))
    assert pdf.read_bytes().startswith(b"%PDF-")
    # Two open incidents nobody touched for 30 hours (stale), one closed as long ago (not).
    old = FIXED_NOW - timedelta(hours=30)
    for title, status in (
        ("Gate left open", "open"),
        ("Boiler noise", "in_progress"),
        ("Old leak", "closed"),
    ):
        remote_id = kite.emulator.add(title, status=status)["_id"]  # type: ignore[attr-defined]
        kite.emulator.touch(remote_id, updated_at=old)  # type: ignore[attr-defined]
    records = list(kite.emulator.incidents.values())  # type: ignore[attr-defined]

    assert main(["export-csv", "school", "--status", "open"]) == 0
    csv_path = next((tmp_path / "downloads").glob("*.csv"))
    header, *rows = list(csv.reader(io.StringIO(csv_path.read_text(encoding="utf-8-sig"))))
    assert header[:4] == ["URN", "Created", "Updated", "Status"]
    assert header[7] == "Short description"
    expected = {(str(r.urn), r.short_description) for r in records if r.status == "open"}
    assert len(expected) >= 2  # the sample's open incidents and "Gate left open"
    assert {(row[0], row[7]) for row in rows} == expected
    assert {row[3] for row in rows} == {"open"}

    capsys.readouterr()
    assert main(["stale", "school", "--json"]) == 0
    stale = json.loads(capsys.readouterr().out)
    cutoff = FIXED_NOW - timedelta(hours=kite.emulator.stale_hours)  # type: ignore[attr-defined]
    behind = sorted(
        (r for r in records
         if r.updated_at < cutoff and status_from_keywords(r.status) is not Status.RESOLVED),
        key=lambda r: r.updated_at,
    )  # fmt: skip
    assert [(i["id"], i["ref"], i["title"]) for i in stale] == [
        (f"school:{r.id}", str(r.urn), r.short_description) for r in behind
    ]
    by_title = {i["title"]: i for i in stale}
    assert {"Gate left open", "Boiler noise"} <= set(by_title) and "Old leak" not in by_title
    assert by_title["Gate left open"]["status"] == "triggered"
    assert by_title["Boiler noise"]["status"] == "acknowledged"
    assert by_title["Gate left open"]["updated_at"] == "2026-11-21T06:00:00Z"


def test_hostile_attachment_names_stay_inside_the_folder(
    serve: Serve, use: Any, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=8)
    db = use(("school", kite))
    reader = Reader.open(db)
    assert main(["sync", "--once"]) == 0
    downloads = tmp_path / "downloads"
    found = 0
    for row in reader.all_rows(ListQuery()):
        detail = reader.detail(row.id)
        assert detail is not None
        for attachment in detail.attachments:
            if any(part in attachment["name"] for part in ("..", "/etc", "con.", "\x00", "C:")):
                found += 1
                assert main(["download", row.id, attachment["remote_id"]]) == 0
    assert found >= 3
    written = list(downloads.iterdir())
    assert len(written) == found
    for path in written:
        assert path.parent == downloads and not path.name.startswith(".")
        assert "\x00" not in path.name and "/" not in path.name
    assert not (tmp_path / ".bashrc").exists()


def test_download_picks_an_attachment_as_show_lists_it(
    serve: Serve, use: Any, tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=8)
    db = use(("school", kite))
    reader = Reader.open(db)
    picks = [
        (row.id, attachment)
        for row in reader.all_rows(ListQuery())
        for attachment in reader.detail(row.id).attachments  # type: ignore[union-attr]
    ]
    incident_id, first = picks[0]
    assert main(["download", incident_id, str(first["seq"])]) == 0
    assert main(["download", incident_id, f"#{first['seq']}"]) == 0
    # A name with a control character, as show prints it (the character removed).
    hostile_id, hostile = next((i, a) for i, a in picks if "\x00" in a["name"])
    assert main(["download", hostile_id, hostile["name"].replace("\x00", "")]) == 0
    assert len(list((tmp_path / "downloads").iterdir())) == 3


def test_failed_download_leaves_nothing(
    serve: Serve, use: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=8)
    db = use(("school", kite))
    reader = Reader.open(db)
    target = next(
        (r.id, a["remote_id"])
        for r in reader.all_rows(ListQuery())
        for a in (reader.detail(r.id).attachments if reader.detail(r.id) else [])  # type: ignore[union-attr]
    )
    kite.emulator.faults.add("status", status=500, path="^/_blob/", times=-1)
    assert main(["download", target[0], target[1]]) == 1
    assert list((tmp_path / "downloads").glob("*")) == []
    kite.emulator.faults.clear()
    kite.emulator.faults.add("truncated", path="^/_blob/", times=-1)
    capsys.readouterr()
    assert main(["download", target[0], target[1]]) == 1
    assert list((tmp_path / "downloads").glob("*")) == []
    # How much had come, and from where: the storage's address, not its signed link.
    err = capsys.readouterr().err
    assert re.fullmatch(
        rf"incident-tui: attachment download from {re.escape(kite.url)} was cut short after "
        r"[0-9.]+ (B|KB) of [0-9.]+ (B|KB): peer closed connection .*\n",
        err,
    ), err


def test_fourhse_delete_shows_the_preview_then_deletes(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    plant = serve("fourhse", sample=20)
    db = use(("plant", plant))
    reader = Reader.open(db)
    with_children = [
        r.id
        for r in reader.all_rows(ListQuery())
        if (d := reader.detail(r.id)) is not None and d.incident["extra"].get("totInvolvedPerson")
    ]
    assert with_children
    target = with_children[0]
    capsys.readouterr()
    assert main(["delete", target, "--yes"]) == 0
    out = capsys.readouterr().out
    # --yes asks nothing, so the remote is not asked what else would go (that preview is
    # for a terminal: test_hanging_remote_waits).
    assert "also removes" not in out and "queued: delete" in out
    assert main(["sync", "--once"]) == 0
    assert not reader.exists(target)
    remote_id = target.split(":", 1)[1]
    with pytest.raises(KeyError):
        plant.emulator.incident(remote_id)  # type: ignore[attr-defined]


def test_oneuptime_public_note_is_marked(serve: Serve, use: Any) -> None:
    status = serve("oneuptime", sample=5)
    db = use(("status", status))
    incident_id = first_id(db, "status")
    assert main(["comment", incident_id, "-m", "We are investigating.", "--public"]) == 0
    assert main(["comment", incident_id, "-m", "internal only"]) == 0
    assert main(["sync", "--once"]) == 0
    detail = Reader.open(db).detail(incident_id)
    assert detail is not None
    marks = {c["body"]: c["visibility"] for c in detail.comments}
    assert marks["We are investigating."] == "public"
    assert marks["internal only"] == "internal"


def test_aoh_attribute_set_and_listed(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=5)
    db = use(("ops", ops))
    incident_id = first_id(db, "ops")
    capsys.readouterr()
    assert main(["attributes", "ops"]) == 0
    assert "count" in capsys.readouterr().out
    assert main(["attribute", incident_id, "count", "42"]) == 0
    assert main(["sync", "--once"]) == 0
    remote_id = incident_id.split(":", 1)[1]
    assert ops.emulator.row(remote_id)["attributes"]["count"] == 42  # type: ignore[attr-defined]
    detail = Reader.open(db).detail(incident_id)
    assert detail is not None and detail.incident["custom_fields"]["count"] == 42


def test_revily_services_and_create_in_chosen_service(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall = serve("revily", sample=3)
    use(("oncall", oncall))
    capsys.readouterr()
    assert main(["services", "oncall"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) >= 2
    chosen = lines[1].split()[0]
    assert (
        main(["create", "--remote", "oncall", "--title", "Into service", "--container", chosen])
        == 0
    )
    assert main(["sync", "--once"]) == 0
    made = [
        i
        for i in map(oncall.emulator.incident, oncall.emulator.incidents)  # type: ignore[attr-defined]
        if i["message"] == "Into service"
    ]
    assert len(made) == 1 and made[0]["service_id"] == chosen


def test_a_feature_its_kind_lacks_is_refused_naming_the_kind_as_people_know_it(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=2)
    db = use(("ops", ops))
    incident_id = first_id(db, "ops")
    capsys.readouterr()
    assert main(["export-pdf", incident_id]) == 1
    # "AOH IMS", as every other refusal and the TUI name it, not the config's "aoh_ims".
    assert "incident-tui: AOH IMS remotes have no PDF export\n" == capsys.readouterr().err


def test_unsupported_features_fail_clearly(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall = serve("revily", sample=2)
    db = use(("oncall", oncall))
    incident_id = first_id(db, "oncall")
    capsys.readouterr()
    assert main(["download", incident_id, "x"]) == 1
    assert "Revily remotes have no attachments" in capsys.readouterr().err
    assert main(["reopen", incident_id]) == 1
    assert "cannot reopen" in capsys.readouterr().err
    assert main(["stale", "nope"]) == 1
    assert "unknown remote 'nope'" in capsys.readouterr().err


def test_delete_attachment_and_comment_by_their_numbers(
    serve: Serve, use: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=4)
    ops = serve("aoh_ims", sample=4)
    db = use(("school", kite), ("ops", ops))
    kite_id = first_id(db, "school")
    evidence = tmp_path / "notes.txt"
    evidence.write_text("seen at 03:12")
    assert main(["attach", kite_id, str(evidence)]) == 0
    assert main(["sync", "--once"]) == 0
    assert ("text/plain", b"seen at 03:12") in kite.emulator.blobs.values()  # type: ignore[attr-defined]
    capsys.readouterr()
    assert main(["show", kite_id]) == 0
    shown = capsys.readouterr().out
    assert "Attachments:" in shown and "notes.txt" in shown
    # Without a terminal and without --yes nothing is deleted.
    assert main(["delete-attachment", kite_id, "notes.txt"]) == 1
    assert "pass --yes" in capsys.readouterr().err
    assert main(["delete-attachment", kite_id, "nothing.bin", "--yes"]) == 1
    assert "has no attachment 'nothing.bin'" in capsys.readouterr().err
    assert main(["delete-attachment", kite_id, "notes.txt", "--yes"]) == 0
    assert main(["sync", "--once"]) == 0
    assert ("text/plain", b"seen at 03:12") not in kite.emulator.blobs.values()  # type: ignore[attr-defined]

    ops_id = first_id(db, "ops")
    assert main(["comment", ops_id, "-m", "wrong incident, sorry"]) == 0
    assert main(["sync", "--once"]) == 0
    remote_id = ops_id.split(":", 1)[1]
    tenant = ops.emulator.tenant(ops.emulator.row(remote_id)["tenant_id"])  # type: ignore[attr-defined]

    def remote_texts(incident: str) -> list[str]:
        return [c["text"] for c in tenant.comments.get(incident, {}).values()]

    assert "wrong incident, sorry" in remote_texts(remote_id)
    detail = Reader.open(db).detail(ops_id)
    assert detail is not None
    number = next(c["seq"] for c in detail.comments if c["body"] == "wrong incident, sorry")
    capsys.readouterr()
    assert main(["show", ops_id]) == 0
    assert f"#{number}" in capsys.readouterr().out
    assert main(["delete-comment", ops_id, "999999", "--yes"]) == 1
    assert main(["delete-comment", ops_id, str(number), "--yes"]) == 0
    assert main(["sync", "--once"]) == 0
    assert "wrong incident, sorry" not in remote_texts(remote_id)


def test_fourhse_sync_brings_involved_people_resources_and_actions(
    serve: Serve, use: Any, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    plant = serve("fourhse", sample=20)
    db = use(("plant", plant))  # one `sync --once`: the listing, then the newest in full
    reader = Reader.open(db)
    details = [reader.detail(r.id) for r in reader.all_rows(ListQuery())]
    involved = [
        d for d in details
        if d is not None and d.incident["extra"].get("totInvolvedPerson")
    ]
    assert involved
    for detail in involved:
        extra = detail.incident["extra"]
        assert extra["people_count"] == len(extra["involved_people"]) > 0
    target = involved[0].incident["id"]
    capsys.readouterr()
    assert main(["show", target, "--json"]) == 0
    assert "involved_people" in capsys.readouterr().out
    # A second pass with nothing changed fetches nothing in full again.
    plant.emulator.log.clear()  # type: ignore[attr-defined]
    assert main(["sync", "--once"]) == 0
    assert not [e for e in plant.emulator.log if "/view/" in str(e)]  # type: ignore[attr-defined]
    # Changed elsewhere: the listing brings the row again, without the involved parties,
    # and a sync that reads nothing in full keeps them.
    plant.emulator.touch(involved[0].incident["remote_id"])  # type: ignore[attr-defined]
    monkeypatch.setenv("INCIDENT_TUI_HYDRATE_LIMIT", "0")
    assert main(["sync", "--once"]) == 0
    after = reader.detail(target)
    assert after is not None and after.incident["hydrated"] == 0
    assert after.incident["extra"]["involved_people"] == involved[0].incident["extra"][
        "involved_people"
    ]


def test_create_reads_a_long_description_from_stdin(
    serve: Serve, use: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=2)
    use(("ops", ops))
    text = "Pump 3 tripped twice.\nSecond line from the shift log.\n"
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    argv = ["create", "--remote", "ops", "--title", "From a script", "--description", "-"]
    assert main(argv) == 0
    assert main(["sync", "--once"]) == 0
    made = [
        row
        for row in ops.emulator.tenant(DEFAULT_TENANT).incidents.values()  # type: ignore[attr-defined]
        if row["name"] == "From a script"
    ]
    # The pipe's final newline is not part of the text (as with shell command substitution).
    assert len(made) == 1 and made[0]["description"] == text.removesuffix("\n")


def test_oneuptime_note_file_download_is_refused_without_asking_the_server(
    serve: Serve, use: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    status = serve("oneuptime", sample=0)
    emulator: Any = status.emulator
    row = emulator.add("Disk full on db-2")
    note = emulator.add_note(row["_id"], "see the log")
    emulator.attach_file(note["_id"], "error.log", b"boom\n", "text/plain")
    emulator.attach_file(row["_id"], "postmortem.pdf", b"%PDF-1.4 report", "application/pdf")
    db = use(("status", status))
    incident_id = f"status:{row['_id']}"
    detail = Reader.open(db).detail(incident_id)
    assert detail is not None
    [logged] = [a["name"] for a in detail.attachments if a["name"].startswith("error.log")]
    capsys.readouterr()
    emulator.log.clear()
    # Before, three requests went out and the refusal came from the remote's answers.
    assert main(["download", incident_id, logged, "--to", str(tmp_path / "dl")]) == 1
    err = capsys.readouterr().err
    assert "OneUptime has no download route for a note's files" in err, err
    assert emulator.log == []
    assert not (tmp_path / "dl").exists()
    assert main(["download", incident_id, "postmortem.pdf", "--to", str(tmp_path / "dl")]) == 0
    assert (tmp_path / "dl" / "postmortem.pdf").read_bytes() == b"%PDF-1.4 report"
