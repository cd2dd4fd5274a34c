"""``outbox --json`` prints each change's payload as the JSON value it is, not as a string
holding JSON, so a script reads it in one go; a payload a damaged cache holds as text that is
no JSON is printed as that text, and nothing breaks. In process over a real cache file."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import make_incident
from tests.integration.conftest import cli
from tests.unit.test_cli_outside import build


def outbox(capsys: pytest.CaptureFixture[str], db: Path) -> list[dict[str, Any]]:
    """``outbox --json``, parsed once."""
    return json.loads(cli(capsys, "--db", str(db), "outbox", "--json")[0])  # type: ignore[no-any-return]


def test_payloads_are_json_objects(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "cache.db"
    build(db, [make_incident(1), make_incident(2)])
    cli(capsys, "--db", str(db), "comment", "ops:r1", "-m", 'audit note, "quoted"\nsecond line')
    cli(capsys, "--db", str(db), "ack", "ops:r2")
    comment, ack = outbox(capsys, db)
    assert comment["op"] == "comment" and ack["op"] == "acknowledge"
    assert isinstance(comment["payload"], dict)
    assert comment["payload"]["body"] == 'audit note, "quoted"\nsecond line'
    assert comment["payload"]["public"] is False
    assert ack["payload"] == {
        "from": "triggered", "times": {"acknowledged_at": None, "resolved_at": None},
    }  # fmt: skip
    # The same object the cache holds as text.
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT seq, payload FROM outbox").fetchall())
    assert comment["payload"] == json.loads(stored[comment["seq"]])


def test_a_payload_that_is_no_json_stays_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    build(db, [make_incident(1), make_incident(2)])
    cli(capsys, "--db", str(db), "comment", "ops:r1", "-m", "audit note")
    cli(capsys, "--db", str(db), "comment", "ops:r2", "-m", "kept whole")
    damaged = '{"body": "audit no'
    with sqlite3.connect(db) as conn:
        conn.execute("UPDATE outbox SET payload = ? WHERE incident_id = 'ops:r1'", [damaged])
    cut, whole = outbox(capsys, db)
    assert cut["payload"] == damaged
    assert whole["payload"]["body"] == "kept whole"
    out = cli(capsys, "--db", str(db), "outbox")[0]
    assert [line.split()[2:] for line in out.splitlines()] == [
        ["comment", "ops:r1"], ["comment", "ops:r2"],
    ]  # fmt: skip
