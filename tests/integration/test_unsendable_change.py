"""A queued change this program cannot send (here: a comment whose payload lost its text, as
a bug or a hand-edited cache could leave it) holds back only its own incident: the remote's
other changes are pushed and its incidents pulled, the pass fails naming the change and how
to drop it, and the change stays queued until it is discarded. Through the command line
against the Kitehouse emulator over HTTP; it used to end every pass of the remote in
"internal error: KeyError" before anything was pulled."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Serve, cli


def test_a_change_that_cannot_be_sent_holds_back_only_its_incident(
    serve: Serve,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve("kitehouse", sample=6)
    emulator: Any = server.emulator
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("school")]))
    db = tmp_path / "cache.db"
    monkeypatch.setenv("INCIDENT_TUI_DB", str(db))
    cli(capsys, "sync", "--once")
    listed = json.loads(cli(capsys, "list", "--json", "--status", "triggered")[0])
    broken, fine = listed[0]["id"], listed[1]["id"]
    cli(capsys, "comment", broken, "-m", "checking the pumps")
    cli(capsys, "ack", broken)  # behind the comment: waits with it
    cli(capsys, "ack", fine)
    with sqlite3.connect(db) as conn:
        seq = conn.execute(
            "SELECT seq FROM outbox WHERE incident_id = ? AND op = 'comment'", (broken,)
        ).fetchone()[0]
        conn.execute("UPDATE outbox SET payload = '{}' WHERE seq = ?", (seq,))
    made = emulator.add("Boiler room flooded")

    out, err = cli(capsys, "sync", "--once", status=1)
    reason = (
        f"internal error: KeyError: 'body' (change {seq}, comment {broken}, stays queued; "
        f"incident-tui discard {seq} drops it)"
    )
    assert f"school: failed: {reason}" in out and reason in err
    assert emulator.incident(fine.split(":", 1)[1])["status"] == "in_progress"
    shown = {i["id"]: i for i in json.loads(cli(capsys, "list", "--json")[0])}
    assert shown[fine]["status"] == "acknowledged" and shown[fine]["pending"] == 0
    assert shown[broken]["pending"] == 2  # the comment and the ack behind it
    assert f"school:{made['_id']}" in shown  # the pull went ahead
    assert emulator.incident(broken.split(":", 1)[1])["status"] == "open"

    queued = cli(capsys, "outbox")[0].splitlines()
    # It failed before anything of it was sent: queued as never sent, so it can be discarded.
    assert [line.split()[:3] for line in queued] == [
        [str(seq), "queued", "comment"],
        [str(seq + 1), "queued", "acknowledge"],
    ]
    cli(capsys, "discard", str(seq))
    out, _ = cli(capsys, "sync", "--once")
    assert "pushed 1" in out, out
    assert emulator.incident(broken.split(":", 1)[1])["status"] == "in_progress"
