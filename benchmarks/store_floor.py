"""Store benchmark: prints figures, asserts nothing.

How long storing one pull's incidents takes, apart from fetching them, next to what SQLite
alone needs for the same rows with less of the cache's structure:

1. the real path (``store_page`` per 1,000 rows: row tuples built, upsert, indexes, full-text
   index, commit; the incidents come already mapped);
2. the same row tuples into the incident table with its indexes, without the full-text index;
3. the same row tuples into a copy of the table with no index at all (SQLite's floor here).

(2) and (3) reuse (1)'s row tuples, so they leave out the mapping and row building in Python.
Run: ``python benchmarks/store_floor.py [--kind aoh_ims] [--count 50000]``.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from sync_bench import remote_emulator  # noqa: E402

from incident_tui.clock import to_db  # noqa: E402
from incident_tui.config import Settings  # noqa: E402
from incident_tui.domain.model import KINDS, Incident  # noqa: E402
from incident_tui.remote.base import make_connector  # noqa: E402
from incident_tui.store import upsert  # noqa: E402
from incident_tui.store.engine import make_engine  # noqa: E402
from incident_tui.sync import pull_store  # noqa: E402

CHUNK = 1000
"""Rows per transaction, as a pull merges its pages."""


async def pulled(config: dict[str, Any]) -> list[Incident]:
    """Every incident of the remote, as the connector maps them."""
    settings = Settings(db=Path("unused.db"), remotes=[config])  # type: ignore[list-item]
    connector = make_connector(settings.remotes[0])
    try:
        return [i async for page in connector.pull(None, full=True) for i in page.incidents]
    finally:
        await connector.aclose()


def bare_insert(path: Path, rows: list[tuple[Any, ...]], *, indexes: bool) -> float:
    """Seconds to insert ``rows`` into the cache's incident table (``indexes``) or into a
    copy of it without any index, ``CHUNK`` rows per transaction."""
    make_engine(path).dispose()
    conn = sqlite3.connect(path, isolation_level=None)
    table = "incident"
    if not indexes:
        conn.execute("CREATE TABLE bare AS SELECT * FROM incident WHERE 0")
        table = "bare"
    insert = upsert.upsert_sql(1).split(" ON CONFLICT")[0]
    sql = insert.replace("INSERT INTO incident", f"INSERT INTO {table}")
    started = time.perf_counter()
    for start in range(0, len(rows), CHUNK):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(sql, rows[start : start + CHUNK])
        conn.execute("COMMIT")
    seconds = time.perf_counter() - started
    conn.close()
    return seconds


def main() -> None:
    """Pull once, then time the three ways of storing it."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--kind", default="aoh_ims", choices=KINDS)
    parser.add_argument("--count", type=int, default=50_000)
    args = parser.parse_args()
    server, process = remote_emulator(args.kind, args.count)
    try:
        incidents = asyncio.run(pulled(server.remote_config))
    finally:
        process.kill()
        process.wait()
    now = datetime.now(UTC)
    synced = to_db(now)
    rows = []
    for incident in incidents:
        raw = upsert.raw_text(incident)
        version = upsert.content_version(incident, raw)
        rows.append(upsert.row_values(incident, synced, raw, version))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        engine = make_engine(folder / "real.db")
        started = time.perf_counter()
        for start in range(0, len(incidents), CHUNK):
            chunk = incidents[start : start + CHUNK]
            pull_store.store_page(engine, "bench", args.kind, chunk, None, now)
        real = time.perf_counter() - started
        engine.dispose()
        indexed = bare_insert(folder / "indexed.db", rows, indexes=True)
        floor = bare_insert(folder / "floor.db", rows, indexes=False)
    print(f"storing {len(incidents)} {args.kind} incidents, {CHUNK} per transaction:")
    print(f"  the real path (rows built, upsert, indexes, full text)   {real:6.2f} s")
    print(f"  the rows into the table with its indexes, no full text   {indexed:6.2f} s")
    print(f"  the rows into a table with no index at all (the floor)   {floor:6.2f} s")


if __name__ == "__main__":
    main()
