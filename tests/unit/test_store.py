"""The cache: upserts, search, the outbox, conflicts and schema upgrades, on real SQLite files."""

from __future__ import annotations

import json
import sqlite3
import threading
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Comment, Draft, Severity, Status, SummaryGaps
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.store import db
from incident_tui.store.actions import ActionError, Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import remove_missing, upsert_incidents
from incident_tui.sync import outbox, outbox_answers
from tests.conftest import NOW, make_incident


@pytest.fixture
def cache(tmp_path: Path) -> tuple[Actions, Reader]:
    path = tmp_path / "cache.db"
    actions = Actions.open(path, clock=fixed_clock(NOW))
    incidents = [make_incident(n) for n in range(1, 31)]
    incidents[0].title = "Packet loss eu-west-1 reported by O'Brien"
    incidents[1].comments = [Comment("c1", "the [/] bracket and o'brien again")]
    incidents[2].severity = Severity.CRITICAL
    incidents[3].status = Status.RESOLVED
    incidents[5].ref = "INC-0042"
    incidents.append(make_incident(99, remote="plant", kind="fourhse", severity=None))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    return actions, Reader.open(path)


def test_a_page_is_indexed_in_rowid_order(tmp_path: Path) -> None:
    # FTS5 writes its pending terms out whenever a rowid is lower than the one before; fed in
    # id order ("ops:r10" < "ops:r9"), a 500-incident page became many small segments and
    # cost a full pull about a second per 50,000 incidents.
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [make_incident(n) for n in range(1, 501)], NOW)
    conn = sqlite3.connect(tmp_path / "cache.db")
    assert conn.execute("SELECT count(*) FROM incident_fts_data").fetchone()[0] <= 10
    assert Reader.open(tmp_path / "cache.db").count(ListQuery(search="number 25")) == 11


@pytest.mark.parametrize(
    "title",
    [
        "Pump 7 \u202e\u2066 🚒 \"quoted\" back\\slash",
        "NUL\x00inside",
    ],
)
@pytest.mark.parametrize("count", [3, 1201])  # 1,201: several statements and a remainder
def test_a_page_is_stored_exactly_as_its_fields(tmp_path: Path, title: str, count: int) -> None:
    from incident_tui.clock import to_db
    from incident_tui.store.upsert import (
        ROWS_PER_STATEMENT,
        UPSERT_COLUMNS,
        base_of,
        content_version,
        raw_text,
        row_values,
    )

    per = ROWS_PER_STATEMENT
    assert count < per or count > 2 * per and count % per
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    incidents = [make_incident(n) for n in range(1, count + 1)]
    incidents[0].title = incidents[-1].description = title
    incidents[1].severity = None
    incidents[1].custom_fields = {"big": 2**40, "ratio": 0.5, "flag": True}
    incidents[2].comments = []  # a full record: hydrated
    incidents[-1].version = None  # no version from the remote: the store hashes ``raw``
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    conn = sqlite3.connect(tmp_path / "cache.db")
    stored = conn.execute(
        f"SELECT {', '.join(UPSERT_COLUMNS)} FROM incident ORDER BY num"
    ).fetchall()
    expected = [row_values(i, to_db(NOW), raw_text(i), content_version(i)) for i in incidents]
    assert stored == expected  # also by type: 1 == True, but "1" != 1 and "true" != True
    first = dict(zip(UPSERT_COLUMNS, stored[0], strict=True))
    assert json.loads(first["raw"]) == incidents[0].raw
    # The remote's own last update beside the fields: what a later copy must not predate.
    assert json.loads(first["base"]) == {
        **base_of(incidents[0]), "updated_at": to_db(incidents[0].updated_at)
    }


def test_without_a_version_from_the_remote_the_payload_is_hashed() -> None:
    from dataclasses import replace

    from incident_tui.store.upsert import content_version

    plain = replace(make_incident(1), version=None, raw={"a": 1, "b": [1, {"c": None}]})
    reordered = replace(plain, raw={"b": [1, {"c": None}], "a": 1})
    changed = replace(plain, raw={"a": 1, "b": [1, {"c": 0}]})
    assert content_version(plain) == content_version(reordered) != content_version(changed)
    assert content_version(plain).startswith("sha1:")
    assert content_version(make_incident(1)) == "v1"  # the remote's own token wins


def test_wal_mode_and_schema_version(tmp_path: Path) -> None:
    conn = db.open_db(tmp_path / "x.db")
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    from incident_tui.store.schema import SCHEMA_VERSION

    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == db.CURRENT_VERSION
    assert _fts_automerge(conn) == 8
    assert conn.execute("PRAGMA page_size").fetchone()[0] == db.PAGE_SIZE  # a new cache


def _fts_automerge(conn: sqlite3.Connection) -> int:
    row = conn.execute("SELECT v FROM incident_fts_config WHERE k = 'automerge'").fetchone()
    return int(row[0])


def test_list_filters_sort_and_position(cache: tuple[Actions, Reader]) -> None:
    _, reader = cache
    everything = ListQuery()
    assert reader.count(everything) == 31
    page = reader.page(everything, 0, 3)
    assert [r.id for r in page] == ["ops:r1", "ops:r2", "ops:r3"]
    assert reader.count(ListQuery(statuses=frozenset({Status.RESOLVED}))) == 1
    assert reader.count(ListQuery(remotes=frozenset({"plant"}))) == 1
    assert reader.count(ListQuery(severities=frozenset({None}))) == 1
    assert reader.page(ListQuery(sort=Sort.SEVERITY), 0, 1)[0].id == "ops:r3"
    assert reader.page(ListQuery(sort=Sort.OLDEST), 0, 1)[0].id == "plant:r99"
    assert reader.position(everything, "ops:r5") == 4
    assert reader.position(ListQuery(sort=Sort.SEVERITY), "ops:r3") == 0
    assert reader.position(ListQuery(statuses=frozenset({Status.RESOLVED})), "ops:r5") is None


@pytest.mark.parametrize("sort", list(Sort))
def test_search_pages_follow_the_sort(cache: tuple[Actions, Reader], sort: Sort) -> None:
    # Search pages are picked through the covering index first: they must be exactly the
    # slices of the whole ordered result, at every offset and in every order.
    _, reader = cache
    query = ListQuery(search="incident", sort=sort)
    whole = [r.id for r in reader.all_rows(query)]
    assert len(whole) == reader.count(query) > 10
    everything = [r.id for r in reader.all_rows(ListQuery(sort=sort))]
    assert whole == [i for i in everything if i in set(whole)]
    for offset in (0, 3, 7, len(whole) - 2):
        assert [r.id for r in reader.page(query, offset, 4)] == whole[offset : offset + 4]


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("eu-west", 1),
        ("o'brien", 2),
        ("O'Bri", 2),
        ("bracket [/]", 1),
        ("[/]", 0),  # punctuation alone holds no word: nothing matches, nothing breaks
        ('"', 0),
        ("number 1", 10),  # prefix search: 10..19 (incident 1 was renamed)
        ("INC-0042", 1),  # the reference the list shows
        ("inc-004", 1),
        ("r99", 1),  # the remote id
        ("", 31),
    ],
)
def test_search_quotes_user_input(cache: tuple[Actions, Reader], text: str, count: int) -> None:
    _, reader = cache
    assert reader.count(ListQuery(search=text)) == count


def test_actions_queue_and_show_pending(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    queued = actions.acknowledge(["ops:r1", "ops:r2"])
    assert [q.incident_id for q in queued] == ["ops:r1", "ops:r2"]
    row = reader.page(ListQuery(), 0, 1)[0]
    assert row.status == "acknowledged" and row.pending == 1
    actions.comment("ops:r1", "on it")
    detail = reader.detail("ops:r1")
    assert detail is not None
    assert detail.incident["pending"] == 2
    assert [c["body"] for c in detail.comments if c["pending"]] == ["on it"]
    assert [c["op"] for c in detail.changes] == ["acknowledge", "comment"]
    assert reader.count(ListQuery(search="on it")) == 1
    created = actions.create("ops", "aoh_ims", Draft("Brand new", "desc", Severity.MINOR))
    assert reader.exists(created.incident_id)
    assert reader.queue_counts()[0] == 4


def test_actions_refuse_bad_input(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    with pytest.raises(ActionError, match="cannot be empty"):
        actions.comment("ops:r1", "   \n")
    with pytest.raises(ActionError, match="no incident 'ops:nope'"):
        actions.acknowledge(["ops:r1", "ops:nope"])
    with pytest.raises(ActionError, match="^4HSE incidents take no comments.$"):
        actions.comment("plant:r99", "hi")
    with pytest.raises(ActionError, match="needs a title"):
        actions.create("ops", "aoh_ims", Draft("  "))
    assert reader.queue_counts()[0] == 0  # the failed bulk ack queued nothing at all


def test_delete_hides_and_discard_restores(cache: tuple[Actions, Reader], tmp_path: Path) -> None:
    actions, reader = cache
    queued = actions.delete("ops:r7")
    assert not reader.exists("ops:r7")
    outbox_answers.discard(actions.engine, queued.seq)
    assert reader.exists("ops:r7")
    local = actions.create("ops", "aoh_ims", Draft("temp"))
    actions.delete(local.incident_id)
    assert not reader.exists(local.incident_id) and reader.queue_counts()[0] == 0


def test_pull_keeps_local_view_while_pending(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    actions.resolve(["ops:r5"])
    changed = make_incident(5, title="Renamed remotely")
    changed.version = "v5-new"
    with session(actions.engine) as s, s.begin():
        result = upsert_incidents(s, [changed], NOW)
    assert result.skipped_pending == ["ops:r5"]
    detail = reader.detail("ops:r5")
    assert detail is not None and detail.incident["status"] == "resolved"


def test_pull_stores_the_remote_over_refused_changes_alone(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    [refused] = actions.resolve(["ops:r5"])
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422: locked")
    [blocked] = actions.resolve(["ops:r6"])
    outbox.mark_failed(actions.engine, blocked.seq, "HTTP 422: locked")
    actions.comment("ops:r6", "waits behind the refused resolve")
    pulled = [
        replace(make_incident(n, title="Renamed remotely"), version=f"v{n}-new") for n in (5, 6)
    ]
    with session(actions.engine) as s, s.begin():
        result = upsert_incidents(s, pulled, NOW)
    assert (result.changed, result.skipped_pending) == (["ops:r5"], ["ops:r6"])
    r5, r6 = reader.detail("ops:r5"), reader.detail("ops:r6")
    assert r5 is not None and r6 is not None
    assert (r5.incident["title"], r5.incident["status"], r5.incident["pending"]) == (
        "Renamed remotely", "triggered", 1,
    )  # fmt: skip
    assert r5.incident["failed"] == "HTTP 422: locked"
    [change] = r5.changes
    assert change["state"] == "failed"
    assert change["payload"]["base"]["title"] == make_incident(5).title  # checked at a retry
    assert r6.incident["status"] == "resolved" and r6.incident["title"] != "Renamed remotely"


GAPS = SummaryGaps(
    frozenset({"description", "acknowledged_at", "resolved_at", "custom_fields"}),
    frozenset({"chargeable"}),
)


@pytest.mark.parametrize(
    ("status", "acknowledged", "resolved"),
    [
        (Status.RESOLVED, True, True),
        (Status.ACKNOWLEDGED, True, False),  # reopened to acknowledged: not resolved any more
        (Status.TRIGGERED, False, False),  # reopened: neither time fits the status
    ],
)
def test_a_summary_keeps_what_only_the_full_record_has(
    tmp_path: Path, status: Status, acknowledged: bool, resolved: bool
) -> None:
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    full = make_incident(1, status=Status.RESOLVED, comments=[Comment("c1", "first note")])
    full.acknowledged_at, full.resolved_at = NOW - timedelta(hours=2), NOW - timedelta(hours=1)
    full.custom_fields = {"form.location": "kitchen"}
    full.extra = {"chargeable": True, "urn": "7"}
    summary = make_incident(1, title="Renamed", status=status)
    summary.description, summary.version = None, "v1-new"
    summary.extra = {"urn": "8"}
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [full], NOW)
    with session(actions.engine) as s, s.begin():
        result = upsert_incidents(s, [summary], NOW, GAPS)
    assert result.changed == ["ops:r1"]
    detail = Reader.open(tmp_path / "cache.db").detail("ops:r1")
    assert detail is not None
    stored = detail.incident
    assert (stored["title"], stored["status"], stored["hydrated"]) == ("Renamed", status, 0)
    assert stored["description"] == "Description of 1"
    assert stored["custom_fields"] == {"form.location": "kitchen"}
    assert stored["extra"] == {"urn": "8", "chargeable": True}
    assert (stored["acknowledged_at"] is not None) is acknowledged
    assert (stored["resolved_at"] is not None) is resolved
    assert [c["body"] for c in detail.comments] == ["first note"]
    assert Reader.open(tmp_path / "cache.db").count(ListQuery(search="Description")) == 1


def test_a_summary_value_wins_and_kinds_without_gaps_store_the_summary(tmp_path: Path) -> None:
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [make_incident(1), make_incident(2)], NOW)
    told = make_incident(1)
    told.description, told.version = "Told by the summary", "v1-new"
    bare = make_incident(2)
    bare.description, bare.version = None, "v2-new"
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [told], NOW, GAPS)
        upsert_incidents(s, [bare], NOW)
    reader = Reader.open(tmp_path / "cache.db")
    assert [(d.incident["description"]) for d in map(reader.detail, ["ops:r1", "ops:r2"]) if d] == [
        "Told by the summary",
        None,
    ]


def test_summary_gaps_name_only_fields_a_summary_can_lack() -> None:
    with pytest.raises(ValueError, match="title"):
        SummaryGaps(frozenset({"title"}))


def test_remove_missing_keeps_incidents_with_queued_changes(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    actions.acknowledge(["ops:r2"])
    keep = [f"ops:r{n}" for n in range(3, 31)]
    with session(actions.engine) as s, s.begin():
        result = remove_missing(s, "ops", keep)
    assert result.removed == ["ops:r1"]
    detail = reader.detail("ops:r2")
    assert detail is not None and detail.incident["conflict"]["reason"] == "deleted on the remote"
    assert reader.count(ListQuery(remotes=frozenset({"plant"}))) == 1
    # Listed again after all (the listing that missed it was wrong): no longer deleted there,
    # so taking the remote's side could not delete it from the cache.
    with session(actions.engine) as s, s.begin():
        result = remove_missing(s, "ops", ["ops:r2", *keep])
    assert result.removed == [] and result.changed == ["ops:r2"]
    detail = reader.detail("ops:r2")
    assert detail is not None and not detail.incident["remote_deleted"]
    assert detail.incident["conflict"] is None and detail.incident["pending"] == 1


V1_DDL = """
CREATE TABLE incident (num INTEGER PRIMARY KEY, id VARCHAR NOT NULL UNIQUE, remote VARCHAR NOT NULL,
 kind VARCHAR NOT NULL, remote_id VARCHAR NOT NULL, ref VARCHAR, container VARCHAR,
 title VARCHAR NOT NULL,
 description VARCHAR, status VARCHAR NOT NULL, status_raw VARCHAR NOT NULL, severity VARCHAR,
 severity_raw VARCHAR, category VARCHAR, occurred_at VARCHAR, created_at VARCHAR NOT NULL,
 updated_at VARCHAR, acknowledged_at VARCHAR, resolved_at VARCHAR, reporter VARCHAR,
 assignees VARCHAR NOT NULL, custom_fields VARCHAR NOT NULL, extra VARCHAR NOT NULL,
 version VARCHAR,
 raw VARCHAR NOT NULL, base VARCHAR NOT NULL, synced_at VARCHAR, hydrated BOOLEAN NOT NULL,
 local_only BOOLEAN NOT NULL, pending INTEGER NOT NULL, failed VARCHAR, conflict VARCHAR);
CREATE TABLE comment (seq INTEGER PRIMARY KEY, incident_id VARCHAR NOT NULL, remote_id VARCHAR,
 author VARCHAR, body VARCHAR NOT NULL, created_at VARCHAR, visibility VARCHAR,
 pending BOOLEAN NOT NULL, outbox_seq INTEGER);
CREATE TABLE attachment (seq INTEGER PRIMARY KEY, incident_id VARCHAR NOT NULL, remote_id VARCHAR,
 name VARCHAR NOT NULL, content_type VARCHAR, url VARCHAR, size INTEGER, pending BOOLEAN NOT NULL,
 local_path VARCHAR);
CREATE TABLE remote (name VARCHAR PRIMARY KEY, kind VARCHAR NOT NULL, cursor VARCHAR,
 last_ok_at VARCHAR, last_attempt_at VARCHAR, last_full_at VARCHAR, last_error VARCHAR,
 state VARCHAR NOT NULL);
CREATE TABLE outbox (seq INTEGER PRIMARY KEY, incident_id VARCHAR NOT NULL, remote VARCHAR NOT NULL,
 op VARCHAR NOT NULL, payload VARCHAR NOT NULL, key VARCHAR NOT NULL, created_at VARCHAR NOT NULL,
 state VARCHAR NOT NULL, attempts INTEGER NOT NULL, last_error VARCHAR, started_at VARCHAR);
CREATE VIRTUAL TABLE incident_fts USING fts5(title, description, comments);
INSERT INTO incident VALUES (1, 'ops:r1', 'ops', 'aoh_ims', 'r1', NULL, NULL, 'Old one', NULL,
 'acknowledged', 'OPEN', NULL, NULL, NULL, NULL, '2026-01-01T00:00:00.000000Z', NULL, NULL, NULL,
 NULL, '[]', '{}', '{}', '1', '{}', '{}', NULL, 1, 0, 1, NULL, NULL);
INSERT INTO outbox VALUES (7, 'ops:r1', 'ops', 'acknowledge', '{"from": "triggered"}', 'k1',
 '2026-01-01T00:00:00.000000Z', 'queued', 0, NULL, NULL);
PRAGMA user_version = 1;
"""


def test_upgrade_from_version_1_keeps_the_outbox(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    old = sqlite3.connect(path)
    old.executescript(V1_DDL)
    old.close()
    reader = Reader.open(path)
    assert reader.outbox()[0]["seq"] == 7
    assert reader.outbox()[0]["next_try_at"] is None
    detail = reader.detail("ops:r1")
    assert detail is not None and detail.changes[0]["payload"] == {"from": "triggered"}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION
    index_query = "SELECT name, sql FROM sqlite_master WHERE type='index' ORDER BY name"
    indexes = dict(conn.execute(index_query).fetchall())
    assert "ix_comment_created_at" in indexes
    assert "ix_incident_created_at" not in indexes and "ix_incident_remote_remote_id" not in indexes
    # The indexes the steps manage end as in a cache created new (this test's version 1
    # leaves out the column indexes, so only those are compared).
    Reader.open(tmp_path / "new.db")
    fresh = dict(sqlite3.connect(tmp_path / "new.db").execute(index_query).fetchall())
    for name in ("ix_incident_remote", "ix_incident_created_id", "ix_comment_created_at"):
        assert indexes[name] == fresh[name]
    # Tables the steps add end as in a new cache, too.
    columns = "PRAGMA table_info(id_alias)"
    assert conn.execute(columns).fetchall() == sqlite3.connect(tmp_path / "new.db").execute(
        columns).fetchall() != []
    assert _fts_automerge(conn) == 8
    # Pages keep the size the file was made with (changing it means rewriting the file).
    assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096 != db.PAGE_SIZE
    # The full-text index was rebuilt from the incidents, numbers included.
    assert reader.count(ListQuery(search="old")) == reader.count(ListQuery(search="r1")) == 1


def test_newer_or_foreign_file_is_refused(tmp_path: Path) -> None:
    newer = tmp_path / "newer.db"
    conn = sqlite3.connect(newer)
    conn.execute("PRAGMA user_version = 99")
    conn.close()
    with pytest.raises(db.StoreError, match="newer incident-tui"):
        db.open_db(newer)
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(db.StoreError, match="junk.db"):
        db.open_db(junk)


def test_conflict_keep_mine_and_take_theirs(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    queued = actions.edit("ops:r3", {"title": "Mine"})
    theirs = make_incident(3, title="Theirs")
    outbox.mark_conflict(actions.engine, queued.seq, ["title"], {"title": "Mine"}, theirs, "x")
    assert reader.page(ListQuery(search="Mine"), 0, 1)[0].conflict
    outbox_answers.keep_mine(actions.engine, "ops:r3")
    detail = reader.detail("ops:r3")
    assert detail is not None and detail.incident["conflict"] is None
    assert detail.incident["base"]["title"] == "Theirs"
    # Checked again over what the user saw: a later remote change is a new conflict.
    assert "force" not in json.loads(reader.outbox()[0]["payload"])
    # The remote's side unknown (it could not be read): sent over whatever it has.
    outbox.mark_conflict(actions.engine, queued.seq, ["title"], {"title": "Mine"}, None, "x")
    outbox_answers.keep_mine(actions.engine, "ops:r3")
    assert json.loads(reader.outbox()[0]["payload"])["force"] is True
    outbox.mark_conflict(actions.engine, queued.seq, ["title"], {"title": "Mine"}, theirs, "x")
    outbox_answers.take_theirs(actions.engine, "ops:r3")
    detail = reader.detail("ops:r3")
    assert detail is not None and detail.incident["title"] == "Theirs"
    assert detail.incident["pending"] == 0 and reader.queue_counts()[0] == 0


def test_many_threads_write_through_one_engine(tmp_path: Path) -> None:
    """More writer threads than the pool's base size, as when five remotes sync at once."""
    from concurrent.futures import ThreadPoolExecutor

    from incident_tui.store.engine import make_engine
    from incident_tui.sync.pull_store import store_page

    engine = make_engine(tmp_path / "threads.db")

    def write(worker: int) -> int:
        for round_no in range(5):
            batch = [
                make_incident(n, remote=f"w{worker}")
                for n in range(round_no * 20, round_no * 20 + 20)
            ]
            store_page(engine, f"w{worker}", "aoh_ims", batch, f"c{round_no}", NOW)
        return worker

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert sorted(pool.map(write, range(12))) == list(range(12))
    assert Reader.open(tmp_path / "threads.db").count(ListQuery()) == 12 * 100


def test_reads_can_be_time_boxed_without_waiting_for_the_connection(
    cache: tuple[Actions, Reader],
) -> None:
    _, reader = cache
    slow = (
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000000) "
        "SELECT count(*) FROM n"
    )
    with reader.within(0.01) as free:
        assert free
        with pytest.raises(sqlite3.OperationalError, match="interrupted"):
            reader.query(slow)
        assert reader.count(ListQuery()) == 31  # quick reads inside the box still work
    assert reader.query("SELECT count(*) FROM incident")[0][0] == 31  # and no box after it

    holding = threading.Event()
    release = threading.Event()

    def hold() -> None:
        with reader._lock:
            holding.set()
            release.wait(5)

    worker = threading.Thread(target=hold)
    worker.start()
    holding.wait(5)
    try:
        with reader.within(0.01) as free:
            assert not free  # another thread reads: never wait for it
    finally:
        release.set()
        worker.join()


@pytest.mark.parametrize("sort", list(Sort))
def test_position_is_the_index_in_the_sorted_list(tmp_path: Path, sort: Sort) -> None:
    # Counted from the sort key rather than read off the sorted list: every incident of
    # every order must land exactly where the page shows it, with ties, no severity and no
    # update time among them.
    actions = Actions.open(tmp_path / "cache.db", clock=fixed_clock(NOW))
    severities = [Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, None]
    incidents = [
        replace(
            make_incident(n, severity=severities[n % 4], minutes_ago=n // 3),
            updated_at=None if n % 5 == 0 else NOW - timedelta(minutes=(n * 7) % 11),
        )
        for n in range(1, 41)
    ]
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    reader = Reader.open(tmp_path / "cache.db")
    for query in (ListQuery(sort=sort), ListQuery(sort=sort, severities=frozenset({None}))):
        whole = [r.id for r in reader.all_rows(query)]
        assert [reader.position(query, incident_id) for incident_id in whole] == list(
            range(len(whole))
        )


def test_upgrade_marks_4hse_resolution_times_as_days(tmp_path: Path) -> None:
    """A cache from before the marks cannot tell a resolve from here from a closing day:
    every 4HSE resolution time counts as a day's, the others' stay exact."""
    path = tmp_path / "old.db"
    Reader.open(path)
    conn = sqlite3.connect(path)
    row = (
        "INSERT INTO incident (id, remote, kind, remote_id, title, status, status_raw, "
        "created_at, resolved_at, assignees, custom_fields, extra, raw, base, hydrated, "
        "local_only, pending, remote_deleted, deleted_locally) VALUES (?, ?, ?, ?, 'T', "
        "'resolved', 'closed', '2026-11-01T00:00:00.000000Z', ?, '[]', '{}', '{}', '{}', "
        "'{}', 0, 0, 0, 0, 0)"
    )
    day = "2026-11-02T23:59:59.999999Z"
    conn.execute(row, ("plant:1", "plant", "fourhse", "1", day))
    conn.execute(row, ("ops:1", "ops", "revily", "1", "2026-11-02T10:00:00.000000Z"))
    conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # version 15's
    conn.execute("ALTER TABLE remote DROP COLUMN identity")  # version 14's
    conn.execute("ALTER TABLE incident DROP COLUMN day_only")
    conn.execute("PRAGMA user_version = 12")
    conn.commit()
    conn.close()
    Reader.open(path)
    conn = sqlite3.connect(path)
    marks = dict(conn.execute("SELECT id, day_only FROM incident ORDER BY id").fetchall())
    assert marks["ops:1"] is None and json.loads(marks["plant:1"]) == {"resolved_at": day}
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION
