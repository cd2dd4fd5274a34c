"""Schema creation and step-by-step upgrades, each in one transaction, never dropping data.

A new cache is created straight from the SQLModel tables at the current version. An older one
is walked up through :data:`STEPS`; each step is SQL written against the schema it upgrades,
because the SQLModel classes only describe the newest schema.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from incident_tui.store import schema

_AUTOINCREMENT_TABLES = {
    "comment": (
        "seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, incident_id VARCHAR NOT NULL, "
        "remote_id VARCHAR, author VARCHAR, body VARCHAR NOT NULL, created_at VARCHAR, "
        "visibility VARCHAR, pending BOOLEAN NOT NULL, outbox_seq INTEGER"
    ),
    "attachment": (
        "seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, incident_id VARCHAR NOT NULL, "
        "remote_id VARCHAR, name VARCHAR NOT NULL, content_type VARCHAR, url VARCHAR, "
        "size INTEGER, pending BOOLEAN NOT NULL, local_path VARCHAR"
    ),
    "outbox": (
        "seq INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT, incident_id VARCHAR NOT NULL, "
        'remote VARCHAR NOT NULL, op VARCHAR NOT NULL, payload VARCHAR NOT NULL, "key" VARCHAR '
        "NOT NULL, created_at VARCHAR NOT NULL, state VARCHAR NOT NULL, attempts INTEGER NOT "
        "NULL, last_error VARCHAR, started_at VARCHAR, next_try_at VARCHAR"
    ),
}
"""The three numbered tables as schema version 8 defines them."""


def _renumbered(table: str, columns: str, indexes: tuple[str, ...], seed: str) -> tuple[str, ...]:
    """Rebuild ``table`` (same ``columns``, every row) with ``seq INTEGER PRIMARY KEY
    AUTOINCREMENT`` so a freed number is never handed out again; ``seed``: a query for the
    highest number taken so far, where new numbers continue from."""
    # SQLite cannot add AUTOINCREMENT to a table in place. The old table is renamed first so
    # the new one is created under its own name (its stored DDL then reads as in a new
    # cache); nothing refers to these tables (no foreign keys, triggers or views), so the
    # rename rewrites nothing else. Its indexes go with the old table and are made again.
    definition = _AUTOINCREMENT_TABLES[table]
    return (
        f"ALTER TABLE {table} RENAME TO {table}_v7",
        f"CREATE TABLE {table} ({definition})",
        f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {table}_v7",
        f"DROP TABLE {table}_v7",
        *indexes,
        # Copying the rows set the sequence to the highest copied seq; a seed can only raise
        # it. sqlite_sequence has no key on name, so its row is replaced, not upserted.
        f"DELETE FROM sqlite_sequence WHERE name = '{table}'",
        f"INSERT INTO sqlite_sequence (name, seq) SELECT '{table}', ({seed})",
    )


_FTS_REBUILD = (
    "DROP TABLE IF EXISTS incident_fts",
    schema.FTS_DDL,
    schema.FTS_MERGE,
    f"INSERT {schema.FTS_INSERT}{schema.FTS_ROWS} ORDER BY i.num",
)
"""The full-text index made again from the incidents and comments (a step that changes what
it holds); in ``num`` order, as :data:`schema.FTS_ROWS` asks."""


STEPS: dict[int, tuple[str, ...]] = {
    # 1 -> 2: remote-deletion marks on incidents, and outbox.next_try_at (the time a
    # remote's Retry-After holds a change back until).
    1: (
        "ALTER TABLE outbox ADD COLUMN next_try_at VARCHAR",
        "ALTER TABLE incident ADD COLUMN remote_deleted BOOLEAN NOT NULL DEFAULT 0",
        "ALTER TABLE incident ADD COLUMN deleted_locally BOOLEAN NOT NULL DEFAULT 0",
    ),
    # 2 -> 3: the handover reads the shift's comments by time.
    2: ("CREATE INDEX IF NOT EXISTS ix_comment_created_at ON comment (created_at)",),
    # 3 -> 4: two indexes that longer ones begin with (they only slowed down every write),
    # and fewer full-text segment merges while pulling.
    3: (
        "DROP INDEX IF EXISTS ix_incident_created_at",
        "DROP INDEX IF EXISTS ix_incident_remote",
        schema.FTS_MERGE,
    ),
    # 4 -> 5: the full-text index also holds each incident's number (reference or remote id).
    4: _FTS_REBUILD,
    # 5 -> 6: the remote's index without the remote id, which put every pulled row's entry
    # at a random place in it (ix_incident_remote comes with EXTRA_INDEXES after the steps).
    5: ("DROP INDEX IF EXISTS ix_incident_remote_remote_id",),
    # 6 -> 7: created incidents remember their local id.
    6: (
        "CREATE TABLE IF NOT EXISTS id_alias (old_id VARCHAR NOT NULL, new_id VARCHAR NOT NULL, "
        "PRIMARY KEY (old_id))",
    ),
    # 7 -> 8: comment, attachment and change numbers are never reused: a script's later
    # "discard 3" or "delete-comment X 12" must not hit another row that got the number.
    7: (
        *_renumbered(
            "comment",
            "seq, incident_id, remote_id, author, body, created_at, visibility, pending, "
            "outbox_seq",
            (
                "CREATE INDEX ix_comment_incident_id ON comment (incident_id)",
                "CREATE INDEX ix_comment_created_at ON comment (created_at)",
            ),
            "SELECT COALESCE(MAX(seq), 0) FROM comment",
        ),
        *_renumbered(
            "attachment",
            "seq, incident_id, remote_id, name, content_type, url, size, pending, local_path",
            ("CREATE INDEX ix_attachment_incident_id ON attachment (incident_id)",),
            "SELECT COALESCE(MAX(seq), 0) FROM attachment",
        ),
        *_renumbered(
            "outbox",
            'seq, incident_id, remote, op, payload, "key", created_at, state, attempts, '
            "last_error, started_at, next_try_at",
            (
                "CREATE INDEX ix_outbox_incident_id ON outbox (incident_id)",
                "CREATE INDEX ix_outbox_remote ON outbox (remote)",
                "CREATE INDEX ix_outbox_state ON outbox (state)",
                "CREATE INDEX ix_outbox_incident_seq ON outbox (incident_id, seq)",
            ),
            # Comments keep the number of the change that pushed them: those changes are
            # gone from the outbox, and their numbers were printed too.
            "SELECT MAX(COALESCE((SELECT MAX(seq) FROM outbox), 0), "
            "COALESCE((SELECT MAX(outbox_seq) FROM comment), 0))",
        ),
    ),
    # 8 -> 9: incidents a discarded change put back to the remote's last known view, which
    # the next sync reads again in full.
    8: (
        "CREATE TABLE IF NOT EXISTS reread (incident_id VARCHAR NOT NULL, "
        "PRIMARY KEY (incident_id))",
    ),
    # 9 -> 10: the full-text index holds both the reference and the remote id (it had the
    # reference alone where there was one: a Revily id the list shows was not found).
    9: _FTS_REBUILD,
    # 10 -> 11: the time a remote's Retry-After pauses its passes until.
    10: ("ALTER TABLE remote ADD COLUMN hold_until VARCHAR",),
    # 11 -> 12: the mapping settings the cached incidents of a remote were read with.
    11: ("ALTER TABLE remote ADD COLUMN mapping VARCHAR",),
    # 12 -> 13: which stored times stand for a day alone. An older cache cannot tell a 4HSE
    # resolve from here from a closing date: every 4HSE resolution time counts as a day's,
    # so none passes for exact in the dashboard's hours and means.
    # AOH IMS rows were read with the older mapping (the "(no description)" placeholder as
    # text, a resolved_date kept on an open incident). A pull rewrites a row only when its
    # token moves, so the tokens go (as for a changed status_map) and the next listing
    # writes every row again; the PUT's occ_lock comes from the payload, not the token. A
    # row with queued changes keeps its local view until they are sent, then is written
    # again; their conflict bases lose the placeholder as the new mapping reads it, or an
    # edit of the description would find the remote "changed" it.
    12: (
        "ALTER TABLE incident ADD COLUMN day_only VARCHAR",
        "UPDATE incident SET day_only = json_object('resolved_at', resolved_at) "
        "WHERE kind = 'fourhse' AND resolved_at > ''",
        "UPDATE incident SET version = NULL WHERE kind = 'aoh_ims'",
        "UPDATE incident SET base = json_set(base, '$.description', NULL) WHERE kind = "
        "'aoh_ims' AND trim(json_extract(base, '$.description')) = '(no description)'",
        # A queued edit's values as read, and a refused change's kept base.
        *(
            f"UPDATE outbox SET payload = json_set(payload, '$.{key}.description', NULL) "
            "WHERE incident_id IN (SELECT id FROM incident WHERE kind = 'aoh_ims') "
            f"AND trim(json_extract(payload, '$.{key}.description')) = '(no description)'"
            for key in ("read", "base")
        ),
    ),
    # 13 -> 14: which system (kind, server, scope) a remote's cached incidents came from.
    # Unknown for the remotes already there: noted at their next pass, which reads nothing
    # anew for it.
    13: ("ALTER TABLE remote ADD COLUMN identity VARCHAR",),
    # 14 -> 15: when an incident was last reopened. Unknown for the reopenings before.
    14: ("ALTER TABLE incident ADD COLUMN reopened_at VARCHAR",),
}
"""``STEPS[n]`` upgrades a schema of version ``n`` to ``n + 1``."""


def create_current(conn: sqlite3.Connection) -> None:
    """Create every table and index of the current schema in an empty database."""
    # The DDL is compiled from the SQLModel tables and run on our own connection, so it joins
    # the caller's transaction (SQLAlchemy's create_all would commit on its own).
    dialect = sqlite.dialect()
    statements: list[str] = []
    for table in schema.SQLModel.metadata.sorted_tables:
        statements.append(str(CreateTable(table, if_not_exists=True).compile(dialect=dialect)))
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            statements.append(str(CreateIndex(index, if_not_exists=True).compile(dialect=dialect)))
    for statement in (*statements, schema.FTS_DDL, schema.FTS_MERGE, *schema.EXTRA_INDEXES):
        conn.execute(statement)


@contextmanager
def _write(conn: sqlite3.Connection) -> Iterator[None]:
    """One write transaction, taken before reading (``BEGIN IMMEDIATE``): another process
    upgrading the same cache waits for it instead of failing half-way. Committed when the
    block ends, rolled back when it raises (a Ctrl-C too)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def migrate(conn: sqlite3.Connection) -> int:
    """Bring the schema to :data:`schema.SCHEMA_VERSION`; return the version found before."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found == 0:
        with _write(conn):
            # Another process may have created it while we waited for the lock.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) == 0:
                create_current(conn)
                conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
        return found
    version = found
    while version < schema.SCHEMA_VERSION:
        with _write(conn):
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current == version:
                for statement in STEPS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    # The steps never created the indexes that came with later versions of the schema: an
    # upgraded cache gets any it lacks here, so it lists as fast as a new one.
    with _write(conn):
        for statement in schema.EXTRA_INDEXES:
            conn.execute(statement)
    return found
