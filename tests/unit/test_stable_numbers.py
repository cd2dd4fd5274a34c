"""Numbers of comments, attachments and queued changes, on real SQLite files: a pulled row
keeps its number while the remote keeps it, a freed number is never handed out again, and a
cache of schema version 7 is upgraded to that without losing a row or a number."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Attachment, Comment, Incident
from incident_tui.store import db
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.upsert import upsert_incidents
from incident_tui.sync import outbox_answers
from tests.conftest import NOW, make_incident


def _full(version: str, comments: list[Comment], files: list[Attachment]) -> Incident:
    incident = make_incident(1, comments=comments)
    incident.version, incident.attachments = version, files
    return incident


def _rows(path: Path, table: str, columns: str) -> list[tuple[object, ...]]:
    return sqlite3.connect(path).execute(f"SELECT {columns} FROM {table} ORDER BY seq").fetchall()


def test_a_pulled_record_updates_its_comments_and_files_in_place(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    actions = Actions.open(path, clock=fixed_clock(NOW))
    first = _full(
        "v1",
        [Comment("a", "first"), Comment("b", "second"), Comment("c", "third", author="Ann")],
        [Attachment("x", "x.log"), Attachment("y", "y.png", size=10)],
    )
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [first], NOW)
    actions.comment("ops:r1", "mine, not pushed yet")  # queued: the pull leaves it alone
    before = {row[1]: row[0] for row in _rows(path, "comment", "seq, remote_id")}
    files = {row[1]: row[0] for row in _rows(path, "attachment", "seq, remote_id")}

    again = _full(
        "v2",
        [Comment("a", "first, edited"), Comment("c", "third", author="Ann"), Comment("d", "new")],
        [Attachment("y", "y.png", size=10), Attachment("z", "z.txt")],
    )
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [again], NOW)

    assert _rows(path, "comment", "seq, remote_id, body, pending") == [
        (before["a"], "a", "first, edited", 0),
        (before["c"], "c", "third", 0),
        (before[None], None, "mine, not pushed yet", 1),
        (before[None] + 1, "d", "new", 0),
    ]
    assert _rows(path, "attachment", "seq, remote_id, name") == [
        (files["y"], "y", "y.png"),
        (files["y"] + 1, "z", "z.txt"),
    ]


def test_an_unchanged_record_writes_no_comment_or_file(tmp_path: Path) -> None:
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    incident = _full("v1", [Comment("a", "first")], [Attachment("x", "x.log")])
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [incident], NOW)
    statements: list[str] = []
    with session(actions.engine) as s, s.begin():
        driver = s.connection().connection.driver_connection
        assert driver is not None
        driver.set_trace_callback(statements.append)
        upsert_incidents(s, [incident], NOW, reread=True)
        driver.set_trace_callback(None)
    write = re.compile(r"(INSERT INTO|UPDATE|DELETE FROM) (comment|attachment)\b")
    assert statements and not [x for x in statements if write.match(x)]


def test_a_freed_number_is_never_handed_out_again(tmp_path: Path) -> None:
    path = tmp_path / "cache.db"
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [_full("v1", [Comment("a", "first")], [Attachment("x", "x")])], NOW)
    first = actions.comment("ops:r1", "one")
    outbox_answers.discard(actions.engine, first.seq)  # the newest change and comment go
    second = actions.comment("ops:r1", "two")
    assert second.seq > first.seq
    comments = _rows(path, "comment", "seq, body")
    assert comments[-1][1] == "two" and comments[-1][0] == comments[0][0] + 2
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [_full("v2", [Comment("a", "first")], [])], NOW)
        upsert_incidents(s, [_full("v3", [Comment("a", "first")], [Attachment("w", "w")])], NOW)
    assert _rows(path, "attachment", "seq, remote_id") == [(2, "w")]


V7_DDL = """
CREATE TABLE attachment (seq INTEGER NOT NULL, incident_id VARCHAR NOT NULL, remote_id VARCHAR,
 name VARCHAR NOT NULL, content_type VARCHAR, url VARCHAR, size INTEGER,
 pending BOOLEAN NOT NULL, local_path VARCHAR, PRIMARY KEY (seq));
CREATE INDEX ix_attachment_incident_id ON attachment (incident_id);
CREATE TABLE comment (seq INTEGER NOT NULL, incident_id VARCHAR NOT NULL, remote_id VARCHAR,
 author VARCHAR, body VARCHAR NOT NULL, created_at VARCHAR, visibility VARCHAR,
 pending BOOLEAN NOT NULL, outbox_seq INTEGER, PRIMARY KEY (seq));
CREATE INDEX ix_comment_incident_id ON comment (incident_id);
CREATE TABLE id_alias (old_id VARCHAR NOT NULL, new_id VARCHAR NOT NULL, PRIMARY KEY (old_id));
CREATE TABLE incident (num INTEGER NOT NULL, id VARCHAR NOT NULL, remote VARCHAR NOT NULL,
 kind VARCHAR NOT NULL, remote_id VARCHAR NOT NULL, ref VARCHAR, container VARCHAR,
 title VARCHAR NOT NULL, description VARCHAR, status VARCHAR NOT NULL,
 status_raw VARCHAR NOT NULL, severity VARCHAR, severity_raw VARCHAR, category VARCHAR,
 occurred_at VARCHAR, created_at VARCHAR NOT NULL, updated_at VARCHAR, acknowledged_at VARCHAR,
 resolved_at VARCHAR, reporter VARCHAR, assignees VARCHAR NOT NULL,
 custom_fields VARCHAR NOT NULL, extra VARCHAR NOT NULL, version VARCHAR, raw VARCHAR NOT NULL,
 base VARCHAR NOT NULL, synced_at VARCHAR, hydrated BOOLEAN NOT NULL,
 local_only BOOLEAN NOT NULL, pending INTEGER NOT NULL, failed VARCHAR, "conflict" VARCHAR,
 remote_deleted BOOLEAN NOT NULL, deleted_locally BOOLEAN NOT NULL, PRIMARY KEY (num),
 UNIQUE (id));
CREATE INDEX ix_incident_severity ON incident (severity);
CREATE INDEX ix_incident_status ON incident (status);
CREATE INDEX ix_incident_updated_at ON incident (updated_at);
CREATE TABLE outbox (seq INTEGER NOT NULL, incident_id VARCHAR NOT NULL, remote VARCHAR NOT NULL,
 op VARCHAR NOT NULL, payload VARCHAR NOT NULL, "key" VARCHAR NOT NULL,
 created_at VARCHAR NOT NULL, state VARCHAR NOT NULL, attempts INTEGER NOT NULL,
 last_error VARCHAR, started_at VARCHAR, next_try_at VARCHAR, PRIMARY KEY (seq));
CREATE INDEX ix_outbox_incident_id ON outbox (incident_id);
CREATE INDEX ix_outbox_remote ON outbox (remote);
CREATE INDEX ix_outbox_state ON outbox (state);
CREATE TABLE remote (name VARCHAR NOT NULL, kind VARCHAR NOT NULL, cursor VARCHAR,
 last_ok_at VARCHAR, last_attempt_at VARCHAR, last_full_at VARCHAR, last_error VARCHAR,
 state VARCHAR NOT NULL, PRIMARY KEY (name));
CREATE VIRTUAL TABLE incident_fts USING fts5(title, description, comments, ids,
 tokenize = 'unicode61 remove_diacritics 2');
INSERT INTO incident_fts (incident_fts, rank) VALUES ('automerge', 8);
CREATE INDEX ix_incident_created_id ON incident (created_at DESC, id DESC);
CREATE INDEX ix_incident_remote ON incident (remote);
CREATE INDEX ix_outbox_incident_seq ON outbox (incident_id, seq);
CREATE INDEX ix_comment_created_at ON comment (created_at);
INSERT INTO incident VALUES (1, 'ops:r1', 'ops', 'aoh_ims', 'r1', NULL, NULL, 'Pump 7', NULL,
 'acknowledged', 'OPEN', NULL, NULL, NULL, NULL, '2026-01-01T00:00:00.000000Z', NULL, NULL,
 NULL, NULL, '[]', '{}', '{}', '1', '{}', '{}', NULL, 1, 0, 2, NULL, NULL, 0, 0);
INSERT INTO comment VALUES (3, 'ops:r1', 'c3', 'Ann', 'pulled', '2026-01-01T00:01:00.000000Z',
 NULL, 0, NULL);
INSERT INTO comment VALUES (9, 'ops:r1', 'c9', 'Bo', 'pushed', NULL, NULL, 0, 12);
INSERT INTO comment VALUES (10, 'ops:r1', NULL, NULL, 'queued', NULL, NULL, 1, 7);
INSERT INTO attachment VALUES (5, 'ops:r1', 'f5', 'log.txt', 'text/plain', 'https://x/f5', 42,
 0, NULL);
INSERT INTO outbox VALUES (4, 'ops:r1', 'ops', 'acknowledge', '{"from": "triggered"}', 'k4',
 '2026-01-01T00:00:00.000000Z', 'failed', 3, 'refused', NULL, NULL);
INSERT INTO outbox VALUES (7, 'ops:r1', 'ops', 'comment',
 '{"body": "queued", "comment_seq": 10, "public": false}', 'k7',
 '2026-01-01T00:02:00.000000Z', 'queued', 0, NULL, NULL, '2026-01-01T00:03:00.000000Z');
PRAGMA user_version = 7;
"""
"""A cache as version 7 made it (its DDL as SQLModel wrote it then), with rows whose
numbers have gaps: comment 9 remembers change 12, already pushed and gone."""

TABLES = ("comment", "attachment", "outbox")


def _v7(path: Path) -> None:
    old = sqlite3.connect(path)
    old.executescript(V7_DDL)
    old.close()


def _snapshot(conn: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    return {t: conn.execute(f"SELECT * FROM {t} ORDER BY seq").fetchall() for t in TABLES}


def _shape(conn: sqlite3.Connection, table: str) -> tuple[object, ...]:
    """What a table is made of: columns and indexes (with their SQL)."""
    columns = conn.execute(f"PRAGMA table_info({table})").fetchall()
    indexes = conn.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ? ORDER BY name",
        (table,),
    ).fetchall()
    return columns, indexes


def test_upgrade_from_version_7_keeps_every_row_and_number(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _v7(path)
    before = _snapshot(sqlite3.connect(path))

    actions = Actions.open(path, clock=fixed_clock(NOW))

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
    assert _snapshot(conn) == before
    db.open_db(tmp_path / "new.db").close()
    fresh = sqlite3.connect(tmp_path / "new.db")
    for table in TABLES:
        assert _shape(conn, table) == _shape(fresh, table)
        sql = conn.execute("SELECT sql FROM sqlite_master WHERE name = ?", (table,)).fetchone()
        assert "AUTOINCREMENT" in sql[0]
    assert not conn.execute("SELECT name FROM sqlite_master WHERE name LIKE '%_v7'").fetchall()
    # New numbers continue above every number in use, and above change 12 (gone, but printed).
    sequence = dict(conn.execute("SELECT name, seq FROM sqlite_sequence").fetchall())
    assert sequence == {"comment": 10, "attachment": 5, "outbox": 12}
    outbox_answers.discard(actions.engine, 7)  # the top change and comment 10 go
    queued = actions.comment("ops:r1", "after the upgrade")
    assert queued.seq == 13
    assert _rows(path, "comment", "seq, body")[-1] == (11, "after the upgrade")


def test_a_failed_upgrade_leaves_the_cache_as_it_was(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    _v7(path)
    conn = sqlite3.connect(path)
    # The outbox, rebuilt last, cannot be renamed out of the way: the whole step must undo.
    conn.execute("CREATE TABLE outbox_v7 (x INTEGER)")
    conn.commit()
    before = _snapshot(conn)
    schema_before = conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()

    with pytest.raises(db.StoreError, match="cannot upgrade the cache"):
        db.open_db(path)

    assert conn.execute("PRAGMA user_version").fetchone()[0] == 7
    assert _snapshot(conn) == before
    assert conn.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall() == (
        schema_before
    )
