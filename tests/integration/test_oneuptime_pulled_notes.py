"""OneUptime notes someone else writes reach the cache with the next sync, through the command
line against the emulator over HTTP: a note moves no incident's ``updatedAt``, so the pull
lists the internal and the public notes written since its last pass, one request each when
none was, and stores them on their incidents (``show``, ``list --search``, the handover).
Ours are not stored twice, and an edited note keeps its number."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer
from tests.integration.conftest import Point, Serve, cli

NOTE_LISTS = ["/api/incident-internal-note/get-list", "/api/incident-public-note/get-list"]


def synced(serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
           ) -> tuple[EmulatorServer, Any, str]:
    """A OneUptime emulator on the real clock (so notes fall in the handover's shift) with
    three incidents, synced once: the server, its emulator and one incident's remote id."""
    server = serve("oneuptime", sample=3, clock=lambda: datetime.now(UTC))
    point(("uptime", server))
    cli(capsys, "sync", "--once")
    return server, server.emulator, next(iter(server.emulator.tables["incident"].rows))


def comments(capsys: pytest.CaptureFixture[str], remote_id: str) -> list[dict[str, Any]]:
    """The incident's comments as ``show --json`` gives them."""
    return list(json.loads(cli(capsys, "show", f"uptime:{remote_id}", "--json")[0])["comments"])


def test_a_colleagues_notes_arrive_with_the_next_sync(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server, emulator, remote_id = synced(serve, point, capsys)
    before = comments(capsys, remote_id)
    emulator.add_note(remote_id, "Disk swapped on db-7")
    emulator.add_note(remote_id, "Service restored for everyone", public=True)
    emulator.log.clear()

    cli(capsys, "sync", "--once")

    assert [e.path for e in emulator.log] == ["/api/incident/get-list", *NOTE_LISTS]
    bodies = [c["body"] for c in comments(capsys, remote_id)]
    assert bodies == [*(c["body"] for c in before), "Disk swapped on db-7",
                      "Service restored for everyone"]
    shown = cli(capsys, "show", f"uptime:{remote_id}")[0]
    assert "Service restored for everyone" in shown and "(public)" in shown
    found = json.loads(cli(capsys, "list", "--search", "swapped", "--json")[0])
    assert [row["id"] for row in found] == [f"uptime:{remote_id}"]
    handover = json.loads(cli(capsys, "handover", "--format", "json")[0])
    assert "Disk swapped on db-7" in json.dumps(handover["comments"])

    emulator.log.clear()
    cli(capsys, "sync", "--once")  # nothing new: a request a listing, nothing stored twice
    assert [e.path for e in emulator.log] == ["/api/incident/get-list", *NOTE_LISTS]
    assert [c["body"] for c in comments(capsys, remote_id)] == bodies


def test_our_own_note_is_stored_once_and_an_edited_one_keeps_its_number(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server, emulator, remote_id = synced(serve, point, capsys)
    cli(capsys, "comment", f"uptime:{remote_id}", "-m", "Rolled back release 42")
    cli(capsys, "sync", "--once")  # sent, then listed by the same pass
    cli(capsys, "sync", "--once")
    ours = [c for c in comments(capsys, remote_id) if c["body"] == "Rolled back release 42"]
    assert len(ours) == 1 and not ours[0]["pending"]

    note = emulator.add_note(remote_id, "Cause: a full disk")
    cli(capsys, "sync", "--once")
    [listed] = [c for c in comments(capsys, remote_id) if c["id"] == note["_id"]]
    with emulator.lock:
        emulator.update_row("incident-internal-note", note, {"note": "Cause: a full WAL disk"})
    cli(capsys, "sync", "--once")
    [edited] = [c for c in comments(capsys, remote_id) if c["id"] == note["_id"]]
    assert edited["body"] == "Cause: a full WAL disk"
    assert edited["number"] == listed["number"]


def test_notes_written_before_a_full_listing_are_not_skipped(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    import sqlite3

    server, emulator, remote_id = synced(serve, point, capsys)
    emulator.add_note(remote_id, "Written just before the quarter-hourly full listing")
    with sqlite3.connect(tmp_path / "cache.db") as conn:
        # The last full listing is long past: this pass lists every incident.
        conn.execute("UPDATE remote SET last_full_at = '2000-01-01T00:00:00.000000Z'")
    conn.close()
    emulator.log.clear()

    cli(capsys, "sync", "--once")

    assert [e.path for e in emulator.log][-2:] == NOTE_LISTS
    assert "Written just before the quarter-hourly full listing" in [
        c["body"] for c in comments(capsys, remote_id)
    ]
