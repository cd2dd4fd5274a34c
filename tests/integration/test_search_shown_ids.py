"""What the list shows as an incident's number is what a search finds, through the real
command line over the Revily emulator: its incidents carry a long reference (the alert's
dedup key), so the list shows their short remote id, and ``list --search`` must find it."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from tests.integration.conftest import Point, Serve, cli


def test_list_search_finds_a_revily_incident_by_the_id_the_list_shows(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("revily", sample=5)
    point(("oncall", server))
    cli(capsys, "sync", "--once")
    with sqlite3.connect(os.environ["INCIDENT_TUI_DB"]) as conn:
        rows = conn.execute("SELECT id, remote_id, ref FROM incident ORDER BY id").fetchall()
    incident_id, remote_id, ref = next(row for row in rows if len(row[2] or "") > 12)
    listed, _ = cli(capsys, "list")
    assert remote_id in listed and ref not in listed  # the short id is what is shown

    for typed in (remote_id, remote_id[:5].lower()):
        out, _ = cli(capsys, "list", "--search", typed, "--json")
        assert incident_id in [row["id"] for row in json.loads(out)], typed
    # The whole id as the list prints it (remote name, colon, number), alone or with a word
    # of its title; or the reference after the remote's name.
    [title] = [row["title"] for row in json.loads(cli(capsys, "list", "--json")[0])
               if row["id"] == incident_id]
    for typed in (incident_id, f"{incident_id} {title.split()[0]}", f"oncall:{ref}",
                  incident_id[:-2]):
        out, _ = cli(capsys, "list", "--search", typed, "--json")
        assert incident_id in [row["id"] for row in json.loads(out)], typed
    # Another remote's name before the number finds nothing of this one.
    out, _ = cli(capsys, "list", "--search", f"school:{remote_id}", "--json")
    assert json.loads(out) == []
