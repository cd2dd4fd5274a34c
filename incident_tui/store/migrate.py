"""Schema creation and step-by-step upgrades, each in one transaction, never dropping data.

A new cache is created straight from the SQLModel tables at the current version. An older one
is walked up through :data:`STEPS`; each step is SQL written against the schema it upgrades,
because the SQLModel classes only describe the newest schema.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.dialects import sqlite
from sqlalchemy.schema import CreateIndex, CreateTable

from incident_tui.store import schema

STEPS: dict[int, tuple[str, ...]] = {
    # 1 -> 2: retry scheduling for the outbox and remote-deletion marks on incidents.
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
    4: (
        "DROP TABLE IF EXISTS incident_fts",
        schema.FTS_DDL,
        schema.FTS_MERGE,
        f"INSERT {schema.FTS_INSERT}{schema.FTS_ROWS} ORDER BY i.num",
    ),
    # 5 -> 6: the remote's index without the remote id, which put every pulled row's entry
    # at a random place in it (ix_incident_remote comes with EXTRA_INDEXES after the steps).
    5: ("DROP INDEX IF EXISTS ix_incident_remote_remote_id",),
    # 6 -> 7: created incidents remember their local id.
    6: (
        "CREATE TABLE IF NOT EXISTS id_alias (old_id VARCHAR NOT NULL, new_id VARCHAR NOT NULL, "
        "PRIMARY KEY (old_id))",
    ),
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


def migrate(conn: sqlite3.Connection, path: Path | None = None) -> int:
    """Bring the schema to :data:`schema.SCHEMA_VERSION`; return the version found before."""
    found = int(conn.execute("PRAGMA user_version").fetchone()[0])
    if found == 0:
        conn.execute("BEGIN IMMEDIATE")
        try:
            # Another process may have created it while we waited for the lock.
            if int(conn.execute("PRAGMA user_version").fetchone()[0]) == 0:
                create_current(conn)
                conn.execute(f"PRAGMA user_version = {schema.SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return found
    version = found
    while version < schema.SCHEMA_VERSION:
        conn.execute("BEGIN IMMEDIATE")
        try:
            current = int(conn.execute("PRAGMA user_version").fetchone()[0])
            if current == version:
                for statement in STEPS[version]:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {version + 1}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
    # The steps never created the indexes that came with later versions of the schema: an
    # upgraded cache gets any it lacks here, so it lists as fast as a new one.
    conn.execute("BEGIN IMMEDIATE")
    try:
        for statement in schema.EXTRA_INDEXES:
            conn.execute(statement)
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    return found
