"""Discarding a queued change (``discard``, the detail screen's ``x``) against the emulators
over HTTP: the cache shows the remote's view as last pulled again at once, offline too, with
what the changes still queued show kept; and the next sync, in whatever process runs it,
reads the incident again in full, so what the remote changed meanwhile arrives even where its
incremental listing does not show it again."""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import FIXED_NOW, Point, Serve, cli, no_sleep
from tests.integration.test_sync import settings_for, sync


class Clock:
    """An emulator's clock, moved on by the test: an incident another one was updated after
    is not in the next incremental listing (Kitehouse lists from the newest update seen)."""

    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now

    def advance(self) -> None:
        self.now += timedelta(minutes=10)


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    """What the command line printed on stdout."""
    return cli(capsys, *argv, status=status)[0]


def show(capsys: pytest.CaptureFixture[str], incident_id: str) -> dict[str, Any]:
    """``show ID --json``, parsed."""
    return json.loads(run(capsys, "show", incident_id, "--json"))


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    return json.loads(run(capsys, "outbox", "--json"))


def reads_of(server: EmulatorServer, address: str) -> list[str]:
    """The requests the emulator answered at addresses that contain ``address`` (an
    incident's id, a path of a full read), as ``METHOD path``; nothing but reads are sent
    after a discard."""
    return [f"{e.method} {e.path}" for e in server.emulator.log if address in e.path]


def kitehouse_site(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], clock: Clock
) -> tuple[EmulatorServer, dict[str, Any], dict[str, Any]]:
    """A Kitehouse emulator with its own config (``updated_sort``: syncs are incremental)
    holding an open incident and one updated after it, synced by the command line: the
    server and the two incidents."""
    school = serve("kitehouse", clock=clock)
    assert school.emulator.remote_config("school")["updated_sort"] == "-updated_at"
    fell = school.emulator.add("Fell in the playground", description="By the swings")
    clock.advance()
    window = school.emulator.add("Broken window")
    point(("school", school))
    run(capsys, "sync", "--once")
    return school, fell, window


def test_a_discarded_refused_resolve_shows_the_remote_view_and_the_next_sync_reads_it(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    school, fell, window = kitehouse_site(serve, point, capsys, clock)
    fell_id = f"school:{fell['_id']}"
    before = show(capsys, fell_id)
    assert (before["status"], before["status_raw"]) == ("triggered", "open")

    # The resolve is refused; while it waits, someone renames the incident on the site. The
    # sync that lists the rename stores it (a refused change alone keeps no local view: it
    # never happened on the remote), and a later one lists from a newer update on.
    school.emulator.faults.add(
        "status", method="PUT", path=fell["_id"], status=422,
        body={"statusCode": 422, "error": "Unprocessable Entity", "message": "Locked"},
    )  # fmt: skip
    run(capsys, "resolve", fell_id)
    clock.advance()
    school.emulator.touch(fell["_id"], short_description="Fell off the swing")
    run(capsys, "sync", "--once")
    [change] = outbox(capsys)
    assert change["state"] == "failed"
    clock.advance()
    school.emulator.touch(window["_id"], short_description="Broken window, room 4")
    run(capsys, "sync", "--once")
    waiting = show(capsys, fell_id)
    assert (waiting["title"], waiting["status"]) == ("Fell off the swing", "triggered")
    assert waiting["failed"] and waiting["pending"] == 1

    out = run(capsys, "discard", str(change["seq"]))

    assert out == f"change {change['seq']} of {fell_id} discarded\n"
    shown = show(capsys, fell_id)
    assert (shown["status"], shown["status_raw"]) == ("triggered", "open")
    assert (shown["resolved_at"], shown["acknowledged_at"]) == (None, None)
    assert (shown["pending"], shown["failed"], shown["changes"]) == (0, None, [])

    school.emulator.log.clear()
    out = run(capsys, "sync", "--once", "--remote", "school")

    assert "school: ok" in out
    shown = show(capsys, fell_id)
    assert (shown["title"], shown["status"], shown["status_raw"]) == (
        "Fell off the swing", "triggered", "open",
    )  # fmt: skip
    assert reads_of(school, fell["_id"])  # read again in full, not only listed
    assert school.emulator.incident(fell["_id"])["status"] == "open"  # nothing was sent
    # Read once: the sync after is the listing alone again.
    school.emulator.log.clear()
    run(capsys, "sync", "--once")
    assert reads_of(school, fell["_id"]) == []


def test_on_oneuptime_a_discarded_resolve_leaves_status_and_state_name_agreeing(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    uptime = serve("oneuptime")
    row = uptime.emulator.add("Checkout is slow")
    point(("uptime", uptime))
    run(capsys, "sync", "--once")
    incident_id = f"uptime:{row['_id']}"
    before = show(capsys, incident_id)
    assert before["status"] != "resolved"
    run(capsys, "resolve", incident_id)
    [change] = outbox(capsys)

    run(capsys, "discard", str(change["seq"]))

    after = show(capsys, incident_id)
    assert (after["status"], after["status_raw"], after["pending"]) == (
        before["status"], before["status_raw"], 0,
    )  # fmt: skip
    assert after["resolved_at"] is None
    uptime.emulator.log.clear()
    run(capsys, "sync", "--once")
    after = show(capsys, incident_id)
    assert (after["status"], after["status_raw"]) == (before["status"], before["status_raw"])
    assert reads_of(uptime, f"/incident/{row['_id']}/get-item")


def test_a_discarded_comment_deletion_brings_the_comment_back_with_the_next_sync(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clock = Clock()
    school, fell, window = kitehouse_site(serve, point, capsys, clock)
    fell_id = f"school:{fell['_id']}"
    run(capsys, "comment", fell_id, "-m", "Ice pack applied")
    run(capsys, "sync", "--once")
    clock.advance()
    school.emulator.touch(window["_id"], short_description="Broken window, room 4")
    run(capsys, "sync", "--once")  # the listing now starts after the commented incident
    reader = Reader.open(tmp_path / "cache.db")
    [comment] = reader.detail(fell_id).comments  # type: ignore[union-attr]
    run(capsys, "delete-comment", fell_id, str(comment["seq"]), "--yes")
    assert reader.detail(fell_id).comments == []  # type: ignore[union-attr]
    [change] = outbox(capsys)

    run(capsys, "discard", str(change["seq"]))
    run(capsys, "sync", "--once")

    [back] = reader.detail(fell_id).comments  # type: ignore[union-attr]
    assert (back["remote_id"], back["body"]) == (comment["remote_id"], "Ice pack applied")
    assert [c["body"] for c in show(capsys, fell_id)["comments"]] == ["Ice pack applied"]
    assert len(school.emulator.incidents[fell["_id"]].comments) == 1  # never deleted there


def test_a_discarded_deletion_shows_the_comment_or_file_at_once_under_its_number(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clock = Clock()
    school, fell, _ = kitehouse_site(serve, point, capsys, clock)
    fell_id = f"school:{fell['_id']}"
    run(capsys, "comment", fell_id, "-m", "Ice pack applied")
    (tmp_path / "report.txt").write_text("first aid given")
    run(capsys, "attach", fell_id, str(tmp_path / "report.txt"))
    run(capsys, "sync", "--once")
    reader = Reader.open(tmp_path / "cache.db")
    detail = reader.detail(fell_id)
    assert detail is not None
    [comment], [file] = detail.comments, detail.attachments
    run(capsys, "delete-comment", fell_id, str(comment["seq"]), "--yes")
    run(capsys, "delete-attachment", fell_id, str(file["seq"]), "--yes")
    point(("school", school), offline=True)

    for change in outbox(capsys):
        run(capsys, "discard", str(change["seq"]))

    detail = reader.detail(fell_id)
    assert detail is not None
    assert detail.comments == [comment]
    assert detail.attachments == [file]


def test_discarding_one_of_two_queued_changes_keeps_what_the_other_shows(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clock = Clock()
    school, fell, window = kitehouse_site(serve, point, capsys, clock)
    fell_id, window_id = f"school:{fell['_id']}", f"school:{window['_id']}"
    actions = Actions.open(tmp_path / "cache.db")
    engine = actions.engine
    # An edit, then a resolve: discarding the resolve keeps the edit.
    actions.edit(fell_id, {"title": "Fell from the climbing frame", "severity": "minor"})
    resolve = actions.resolve([fell_id])[0]
    outbox_answers.discard(engine, resolve.seq)
    shown = show(capsys, fell_id)
    assert (shown["title"], shown["severity"], shown["status"], shown["pending"]) == (
        "Fell from the climbing frame", "minor", "triggered", 1,
    )  # fmt: skip
    assert shown["resolved_at"] is None
    # Discarding the edit instead (of an edit and an acknowledge) keeps the acknowledge.
    edit_window = actions.edit(window_id, {"title": "Window smashed"})
    actions.acknowledge([window_id])
    outbox_answers.discard(engine, edit_window.seq)
    shown = show(capsys, window_id)
    assert (shown["title"], shown["status"], shown["pending"]) == (
        "Broken window", "acknowledged", 1,
    )  # fmt: skip
    assert shown["acknowledged_at"] is not None

    run(capsys, "sync", "--once")

    assert outbox(capsys) == []
    there = school.emulator.incident(fell["_id"])
    assert (there["short_description"], there["status"]) == ("Fell from the climbing frame", "open")
    assert school.emulator.incident(window["_id"])["short_description"] == "Broken window"
    assert school.emulator.incident(window["_id"])["status"] == "in_progress"
    shown = show(capsys, fell_id)
    assert (shown["title"], shown["severity"], shown["status"]) == (
        "Fell from the climbing frame", "minor", "triggered",
    )  # fmt: skip
    assert show(capsys, window_id)["status"] == "acknowledged"


def test_an_offline_discard_shows_the_last_pulled_view_at_once(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    clock = Clock()
    school, fell, _ = kitehouse_site(serve, point, capsys, clock)
    fell_id = f"school:{fell['_id']}"
    point(("school", school), offline=True)
    actions = Actions.open(tmp_path / "cache.db")
    run(capsys, "ack", fell_id)
    run(capsys, "resolve", fell_id)
    edit = actions.edit(fell_id, {"title": "Fell off the swing", "description": "Grazed knee"})
    run(capsys, "sync", "--once", status=1)  # nobody answers: all of it stays queued
    ack, resolve, _ = outbox(capsys)

    run(capsys, "discard", str(resolve["seq"]))
    shown = show(capsys, fell_id)
    assert (shown["status"], shown["resolved_at"], shown["title"]) == (
        "acknowledged", None, "Fell off the swing",
    )  # fmt: skip
    run(capsys, "discard", str(edit.seq))
    shown = show(capsys, fell_id)
    assert (shown["title"], shown["description"], shown["status"]) == (
        "Fell in the playground", "By the swings", "acknowledged",
    )  # fmt: skip
    run(capsys, "discard", str(ack["seq"]))
    shown = show(capsys, fell_id)
    assert (shown["status"], shown["status_raw"], shown["acknowledged_at"], shown["pending"]) == (
        "triggered", "open", None, 0,
    )  # fmt: skip
    assert run(capsys, "list", "--search", "playground").count(fell_id) == 1

    point(("school", school))
    school.emulator.log.clear()
    run(capsys, "sync", "--once")
    assert reads_of(school, fell["_id"])
    assert school.emulator.incident(fell["_id"])["status"] == "open"
    assert show(capsys, fell_id)["title"] == "Fell in the playground"


def test_a_discarded_reopen_shows_the_resolution_time_again_at_once(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    clock = Clock()
    school, fell, _ = kitehouse_site(serve, point, capsys, clock)
    fell_id = f"school:{fell['_id']}"
    run(capsys, "resolve", fell_id)
    run(capsys, "sync", "--once")
    resolved = show(capsys, fell_id)
    assert resolved["status"] == "resolved" and resolved["resolved_at"]
    assert resolved["acknowledged_at"]

    point(("school", school), offline=True)
    run(capsys, "reopen", fell_id)
    assert show(capsys, fell_id)["resolved_at"] is None
    [reopen] = outbox(capsys)
    run(capsys, "discard", str(reopen["seq"]))
    shown = show(capsys, fell_id)
    assert (shown["status"], shown["resolved_at"], shown["acknowledged_at"]) == (
        "resolved", resolved["resolved_at"], resolved["acknowledged_at"],
    )  # fmt: skip


async def test_the_mark_to_read_again_outlives_the_process_that_discarded(
    serve: Serve, tmp_path: Path
) -> None:
    uptime = serve("oneuptime")
    row = uptime.emulator.add("Checkout is slow")
    settings = settings_for(tmp_path, uptime.emulator.remote_config("uptime"))
    assert (await sync(settings)).ok
    incident_id = f"uptime:{row['_id']}"
    queued = Actions.open(settings.db_path()).acknowledge([incident_id])[0]
    first = SyncEngine(settings, sleep=no_sleep)
    outbox_answers.discard(first.engine, queued.seq)
    await first.aclose()
    marks = sqlite3.connect(settings.db_path()).execute("SELECT incident_id FROM reread")
    assert marks.fetchall() == [(incident_id,)]
    # A note moves nothing the incident listing shows: only a full read brings it.
    uptime.emulator.add_note(row["_id"], "Rolled back the deploy")
    uptime.emulator.log.clear()

    report = await sync(settings)  # a new engine, as after a restart

    assert report.ok
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None
    assert [c["body"] for c in detail.comments] == ["Rolled back the deploy"]
    assert reads_of(uptime, f"/incident/{row['_id']}/get-item")
    marks = sqlite3.connect(settings.db_path()).execute("SELECT incident_id FROM reread")
    assert marks.fetchall() == []


async def test_a_marked_incident_the_remote_no_longer_has_goes_as_a_listing_would_drop_it(
    serve: Serve, tmp_path: Path
) -> None:
    clock = Clock()
    school = serve("kitehouse", clock=clock)
    fell = school.emulator.add("Fell in the playground")
    clock.advance()
    school.emulator.add("Broken window")
    settings = settings_for(tmp_path, school.emulator.remote_config("school"))
    assert (await sync(settings)).ok
    fell_id = f"school:{fell['_id']}"
    queued = Actions.open(settings.db_path()).resolve([fell_id])[0]
    outbox_answers.discard(SyncEngine(settings).engine, queued.seq)
    with school.emulator.lock:
        del school.emulator.incidents[fell["_id"]]

    report = await sync(settings)

    assert report.ok and report.results[0].removed == 1
    assert Reader.open(settings.db_path()).detail(fell_id) is None
