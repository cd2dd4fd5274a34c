"""Sync benchmark: prints figures, asserts nothing.

1. Pull N incidents (default 50,000) from one emulator into an empty cache with the real sync
   engine, next to a bare httpx loop fetching (and decoding) the same pages without storing
   them, in the same run. Target: at most 2x the bare loop. Each run also says when the first
   page was stored (for a remote that lists everything in one answer, the bare loop's time is
   spent before it), how long storing took in all, beside the fetching, and the CPU floor:
   the least wall time our CPU seconds and the emulator's allow on this machine's cores.
2. An incremental sync with nothing changed, against all five emulators: list requests per
   remote. Target: one; three for OneUptime, whose notes move no incident's ``updatedAt``
   and are listed apart, internal and public.

Run: ``python benchmarks/sync_bench.py [--count 50000] [--kind fourhse|...|all]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from incident_tui.config import Settings  # noqa: E402
from incident_tui.demo import DEMO_NAMES  # noqa: E402
from incident_tui.domain.model import KINDS  # noqa: E402
from incident_tui.emulators import EmulatorServer, make_emulator  # noqa: E402
from incident_tui.remote.oneuptime_mapping import INCIDENT_SELECT  # noqa: E402
from incident_tui.sync import pull_store  # noqa: E402
from incident_tui.sync.engine import SyncEngine  # noqa: E402

SERVE = """
import json, sys
from incident_tui.emulators import EmulatorServer, make_emulator
server = EmulatorServer(make_emulator(sys.argv[1], sample=int(sys.argv[2])))
print(json.dumps(server.emulator.remote_config("bench")), flush=True)
server.serve_forever()
"""


@dataclass
class Remote:
    """An emulator running in another process, as a real remote would."""

    url: str
    remote_config: dict[str, Any]


def process_cpu(pid: int) -> float | None:
    """CPU seconds (user + system) another process has used so far; ``None`` where
    ``/proc`` cannot tell (not Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    # utime and stime: fields 14 and 15 of proc(5), counted after the command name.
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_used(pid: int, since: float | None) -> str:
    """The emulator's CPU seconds since ``since`` as text, or ``?`` where unknown."""
    now = process_cpu(pid)
    return "?" if now is None or since is None else f"{now - since:.2f}s"


def cpu_floor(ours: float, pid: int, since: float | None, bare: float) -> str:
    """The least wall time the pull's CPU seconds and the emulator's allow on this machine's
    cores, as text, next to the bare loop: with the emulator on the same few cores, a ratio
    to the bare loop below this one cannot be reached by overlapping work, only by less of it."""
    server = process_cpu(pid)
    if server is None or since is None:
        return "CPU floor: ? (the emulator's CPU time is unknown here)"
    cores = os.cpu_count() or 1
    floor = (ours + server - since) / cores
    return (
        f"CPU floor: ours + emulator over {cores} cores = {floor:.2f}s, "
        f"{floor / bare:.2f}x the bare loop"
    )


def remote_emulator(kind: str, count: int) -> tuple[Remote, subprocess.Popen[str]]:
    """Start an emulator in a child process (so its CPU time is not ours, as with a real
    server) and return where it listens."""
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, kind, str(count)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    assert process.stdout is not None
    config = json.loads(process.stdout.readline())
    return Remote(config["base_url"], config), process


async def bare_loop(server: Remote | EmulatorServer, config: dict[str, Any], kind: str) -> float:
    """Fetch every page the connector would, with plain httpx, and only decode them."""
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=server.url, timeout=60) as client:
        if kind == "fourhse":
            response = await client.post(
                "/token",
                data={
                    "grant_type": "password",
                    "client_id": config["client_id"],
                    "username": config["username"],
                    "password": config["password"],
                },
            )
            headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
            page = 1
            while True:
                body = {
                    "filter": {
                        "subtenant_id": config["subtenant_id"],
                        "tenant_id": config["tenant_id"],
                    },
                    "per-page": 100,
                    "page": page,
                    "sort": "created_at",
                }
                response = await client.post("/v2/incident/index", json=body, headers=headers)
                rows = response.json()
                if page >= int(response.headers.get("X-Pagination-Page-Count", page)) or not rows:
                    break
                page += 1
        elif kind == "oneuptime":
            headers = {"ApiKey": config["token"]}
            skip = 0
            while True:
                # The same fields and order as the connector asks for, so the pages weigh
                # the same.
                response = await client.post(
                    "/api/incident/get-list",
                    params={"skip": skip, "limit": 100},
                    json={
                        "query": {},
                        "select": INCIDENT_SELECT,
                        "sort": {"updatedAt": "ASC", "_id": "ASC"},
                    },
                    headers=headers,
                )
                data = response.json()
                skip += 100
                if skip >= data["count"]:
                    break
        elif kind == "kitehouse":
            headers = {"Authorization": f"Bearer {config['token']}"}
            page, limit = 1, config["page_size"]
            while True:
                response = await client.get(
                    f"/incidents/{config['site_id']}",
                    params={"page": page, "limit": limit, "sortBy": config["updated_sort"]},
                    headers=headers,
                )
                if len(response.json()) < limit:
                    break
                page += 1
        elif kind == "revily":
            headers = {"Authorization": f'Token token="{config["token"]}"'}
            (await client.get("/incidents", headers=headers)).json()
        else:
            headers = {"Authorization": f"Bearer {config['token']}"}
            (await client.get("/v1/incident", headers=headers)).json()
    return time.perf_counter() - started


@dataclass
class Pull:
    """How one first sync went: its time, what it stored, and where the time went."""

    seconds: float
    pulled: int
    first_stored: float
    """Seconds from the start until the first page was stored: mostly the wait for the
    remote's first answer (all of it, for a remote that lists everything in one)."""
    storing: float
    """Seconds the pages spent being stored, in all (beside the fetching, not after it)."""


@contextmanager
def store_spans() -> Iterator[list[tuple[float, float]]]:
    """Start and end of each page stored during the block."""
    spans: list[tuple[float, float]] = []
    real = pull_store.store_page

    def timed(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        try:
            return real(*args, **kwargs)
        finally:
            spans.append((started, time.perf_counter()))

    pull_store.store_page = timed
    try:
        yield spans
    finally:
        pull_store.store_page = real


async def engine_pull(config: dict[str, Any], folder: Path) -> Pull:
    """A first sync of one remote into an empty cache."""
    settings = Settings(db=folder / "bench.db", remotes=[config], hydrate_limit=0)  # type: ignore[list-item]
    engine = SyncEngine(settings)
    with store_spans() as spans:
        started = time.perf_counter()
        report = await engine.sync()
        seconds = time.perf_counter() - started
    await engine.aclose()
    result = report.results[0]
    if not result.ok:
        raise SystemExit(f"sync failed: {result.error}")
    first = spans[0][1] - started if spans else seconds
    return Pull(seconds, result.pulled, first, sum(end - start for start, end in spans))


async def incremental(folder: Path) -> dict[str, int]:
    """List requests per remote for a second sync with nothing changed."""
    servers = [EmulatorServer(make_emulator(kind, sample=150)).start() for kind in KINDS]
    try:
        remotes = [
            s.emulator.remote_config(DEMO_NAMES[s.emulator.kind])  # type: ignore[attr-defined]
            for s in servers
        ]
        settings = Settings(db=folder / "incremental.db", remotes=remotes)  # type: ignore[arg-type]
        engine = SyncEngine(settings)
        await engine.sync()
        await engine.aclose()
        for server in servers:
            server.emulator.log.clear()
        engine = SyncEngine(settings)
        report = await engine.sync()
        await engine.aclose()
        assert report.ok, [r.error for r in report.results]
        return {DEMO_NAMES[s.emulator.kind]: len(s.emulator.log) for s in servers}
    finally:
        for server in servers:
            server.stop()


def full_pull(kind: str, count: int, runs: int) -> tuple[float, float]:
    """Median seconds of the bare loop and of our pull for one kind, printing each run."""
    print(f"starting a {kind} emulator with {count} incidents in its own process…", flush=True)
    started = time.perf_counter()
    server, process = remote_emulator(kind, count)
    print(f"  ready in {time.perf_counter() - started:.1f}s at {server.url}")
    config = server.remote_config
    bare: list[float] = []
    ours: list[float] = []
    try:
        for run in range(runs):
            # CPU time besides wall time: on a machine with few cores the emulator and we
            # share them, and that shows here.
            ours_cpu, server_cpu = time.process_time(), process_cpu(process.pid)
            bare.append(asyncio.run(bare_loop(server, config, kind)))
            bare_cpu = f"{time.process_time() - ours_cpu:.2f}s"
            bare_server = cpu_used(process.pid, server_cpu)
            ours_cpu, server_cpu = time.process_time(), process_cpu(process.pid)
            with tempfile.TemporaryDirectory() as tmp:
                pull = asyncio.run(engine_pull(config, Path(tmp)))
            ours.append(pull.seconds)
            pull_cpu = time.process_time() - ours_cpu
            print(
                f"  run {run + 1}: bare loop {bare[-1]:.2f}s (CPU {bare_cpu}, emulator "
                f"{bare_server}), sync into empty cache {pull.seconds:.2f}s (CPU "
                f"{pull_cpu:.2f}s, emulator {cpu_used(process.pid, server_cpu)}; "
                f"{pull.pulled} incidents stored; first page stored at "
                f"{pull.first_stored:.2f}s, storing {pull.storing:.2f}s in all)",
                flush=True,
            )
            print(f"    {cpu_floor(pull_cpu, process.pid, server_cpu, bare[-1])}", flush=True)
    finally:
        process.kill()
        process.wait()
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"full pull of {count} {kind} incidents (median of {runs}, {os.cpu_count()} cores):")
    print(f"  bare httpx loop      {b:8.2f} s")
    print(f"  sync engine + store  {o:8.2f} s   ratio {o / b:.2f}x (target <= 2x)")
    return b, o


def main() -> None:
    """Run both measurements and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=50_000)
    parser.add_argument("--kind", default="fourhse", choices=[*KINDS, "all"])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    kinds = list(KINDS) if args.kind == "all" else [args.kind]
    results = {kind: full_pull(kind, args.count, args.runs) for kind in kinds}
    if len(results) > 1:
        print(f"full pull of {args.count} incidents, median of {args.runs} (target <= 2x):")
        for kind, (b, o) in results.items():
            print(f"  {kind:<10} bare {b:6.2f} s   ours {o:6.2f} s   {o / b:5.2f}x")
    with tempfile.TemporaryDirectory() as tmp:
        counts = asyncio.run(incremental(Path(tmp)))
    print("incremental sync with nothing changed, requests per remote "
          "(target: 1; OneUptime 3, its two kinds of note listed apart):")
    for name, count in counts.items():
        print(f"  {name:<8} {count}")


if __name__ == "__main__":
    main()
