"""Build (or reuse) a cache of many deterministic incidents for the UI benchmark.

Run ``python benchmarks/build_cache.py [--count N] [--db PATH]``. The same count always gives
the same incidents (seeded sample data over five remotes of the five kinds), and an existing
cache with the right count is reused, so the benchmark only pays for the build once.
"""

from __future__ import annotations

import argparse
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from incident_tui.domain.model import Comment, Incident, Severity, Status
from incident_tui.emulators.sample import SampleIncident, sample_incidents

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
"""The frozen 'now' of the benchmark data (and of the benchmark's clock)."""

REMOTES: tuple[tuple[str, str], ...] = (
    ("school", "kitehouse"),
    ("safety", "fourhse"),
    ("oncall", "revily"),
    ("status", "oneuptime"),
    ("ops", "aoh_ims"),
)
"""Remote name and kind; incidents are dealt to them in turn."""

CHUNK = 5_000


def default_db(count: int) -> Path:
    """Where the cache of ``count`` incidents lives: outside the checkout, reused across runs."""
    return Path(tempfile.gettempdir()) / "incident-tui-bench" / f"incidents-{count}.db"


def to_incident(sample: SampleIncident) -> Incident:
    """The domain incident for one sample, on the remote its number deals it to."""
    remote, kind = REMOTES[sample.number % len(REMOTES)]
    # Revily and 4HSE have no severity (contracts/README.md), so the cache mirrors that.
    severity = None if kind in ("revily", "fourhse") or not sample.severity else sample.severity
    return Incident(
        remote=remote,
        kind=kind,
        remote_id=f"{sample.number:08x}",
        ref=str(1000 + sample.number),
        title=sample.title,
        description=sample.description,
        status=Status(sample.status),
        status_raw=sample.status,
        severity=Severity(severity) if severity else None,
        severity_raw=severity,
        category=sample.category,
        created_at=sample.created_at,
        updated_at=sample.updated_at,
        acknowledged_at=sample.acknowledged_at,
        resolved_at=sample.resolved_at,
        reporter=sample.reporter,
        extra={"location": sample.location},
        comments=[
            Comment(f"c{sample.number}-{n}", c.body, created_at=c.at, author=c.author)
            for n, c in enumerate(sample.comments)
        ],
    )


def _chunks(count: int) -> Iterator[list[Incident]]:
    samples = sample_incidents(count, now=NOW, seed=11, days=730.0)
    for start in range(0, count, CHUNK):
        yield [to_incident(s) for s in samples[start : start + CHUNK]]


def cached_count(path: Path) -> int | None:
    """How many incidents an existing cache holds, or ``None`` if there is none."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(path)
        try:
            return int(conn.execute("SELECT COUNT(*) FROM incident").fetchone()[0])
        finally:
            conn.close()
    except sqlite3.DatabaseError:
        return None


def build(path: Path, count: int, *, quiet: bool = False) -> Path:
    """Make sure ``path`` holds exactly the ``count`` benchmark incidents; return it."""
    if cached_count(path) == count:
        return path
    # Writers only: the UI never pays for these imports.
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    engine = make_engine(path)
    done = 0
    for chunk in _chunks(count):
        with session(engine) as s, s.begin():
            upsert_incidents(s, chunk, NOW)
        done += len(chunk)
        if not quiet:
            print(f"\r{done:,}/{count:,} incidents", end="", file=sys.stderr, flush=True)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA optimize")
    engine.dispose()
    if not quiet:
        seconds = time.perf_counter() - started
        print(f"\rbuilt {count:,} incidents in {seconds:.1f} s: {path}", file=sys.stderr)
    return path


def main(argv: list[str] | None = None) -> int:
    """Command line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    args = parser.parse_args(argv)
    path = build(args.db or default_db(args.count), args.count)
    print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
