"""UI benchmark: first paint, key-to-frame, search-as-you-type and memory at 100,000 incidents.

Run ``python benchmarks/ui_bench.py [--runs 5] [--count 100000]``. It builds or reuses the
cache (benchmarks/build_cache.py), then runs every measurement in fresh headless
subprocesses, the same way for incident-tui and for a bare Textual app that paints one line:

* first paint: wall time from just before the parent spawns the process to the first frame
  the compositor produced that contains the expected text (the newest incident's title; the
  bare app's line), detected by wrapping ``App._display``. Measured both ways the command line
  starts: with the settings unchanged since the last start (the list paints from the
  remembered start view; pydantic-settings validates right after) and as after a config
  change (settings validated before the first frame). Split into interpreter start, imports,
  settings plus opening the cache, and the UI itself.
* key-to-frame: from posting a key to the first frame that shows its effect (cursor moved;
  after page down, with every visible row loaded), keys 40 ms apart like fast typing.
* search: per keystroke from the key to the frame showing that query's rows, and to the
  frame with its exact count.
* peak RSS of each process (``VmHWM``; ``ru_maxrss`` where there is no ``/proc``).
* the detail of an incident with many comments (``--detail-only`` measures just this, over a
  small cache of its own; ``--comments N``, default 5,000): from enter on its row to the
  frame showing it, and each of the first presses of ``o`` (earlier comments) to the frame
  that shows them, wall time and the main thread's CPU (the time the TUI answers no key).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TARGETS = {"paint_ratio": 1.3, "cursor_ms": 10.0, "search_ms": 30.0, "rss_extra_mb": 60.0}


# Child side ----------------------------------------------------------------------------------


def _emit(record: dict[str, Any]) -> None:
    print("BENCH " + json.dumps(record), flush=True)


def _rss_mb() -> float:
    # ru_maxrss survives exec: a child forked from a parent that had just built the big cache
    # would report the parent's peak. The kernel's high-water mark of this process's own
    # memory map does not carry over.
    try:
        status = Path("/proc/self/status").read_text()
    except OSError:
        status = ""
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _watch_frames(app: Any, on_frame: Any) -> None:
    """Call ``on_frame(text, t)`` for every frame the compositor hands to the (headless) driver."""
    from textual.app import App

    original = App._display
    console = app.console

    def display(self: Any, screen: Any, renderable: Any) -> None:
        original(self, screen, renderable)
        if renderable is not None and hasattr(renderable, "render_segments"):
            stamp = time.perf_counter()
            on_frame(renderable.render_segments(console), stamp)

    App._display = display  # type: ignore[method-assign]


def child_bare() -> None:
    """A bare Textual app painting one line."""
    started = time.time()
    from textual.app import App, ComposeResult
    from textual.widgets import Static

    imported = time.time()

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield Static("bare textual app line")

    app = Bare()

    def frame(text: str, _: float) -> None:
        if "bare textual app line" in text:
            _emit({"start": started, "imported": imported, "paint": time.time(),
                   "rss_mb": _rss_mb()})
            app.exit()

    _watch_frames(app, frame)
    app.run(headless=True, size=(120, 40))


def child_app(config: str, db: str, marker: str, interact: bool) -> None:
    """incident-tui over the big cache, the way the CLI starts it."""
    started = time.time()
    from datetime import UTC, datetime

    from incident_tui.clock import fixed_clock
    from incident_tui.ui.app import launch_app

    imported = time.time()
    # The command line's own way in: the remembered start view when nothing changed,
    # else settings validated first (pydantic-settings).
    app = launch_app(Path(config), {"db": Path(db)},
                     clock=fixed_clock(datetime(2026, 11, 22, 12, tzinfo=UTC)),
                     sync=False, cursor_blink=False)
    settled = time.time()
    quick = not app.services.settings_ready
    state: dict[str, Any] = {"painted": None, "frames": []}
    waiter: dict[str, Any] = {}

    def frame(text: str, stamp: float) -> None:
        if state["painted"] is None and marker in text:
            state["painted"] = time.time()
            if not interact:
                _emit({"start": started, "imported": imported, "settings": settled,
                       "paint": state["painted"], "quick": quick, "rss_mb": _rss_mb()})
                app.exit()
        check = waiter.get("check")
        if check is not None and check():
            waiter["stamp"] = stamp
            waiter["event"].set()

    _watch_frames(app, frame)
    if not interact:
        app.run(headless=True, size=(120, 40))
        return

    async def drive(pilot: Any) -> None:
        import asyncio

        from incident_tui.ui.widgets.incident_list import IncidentList

        incidents = app.screen.query_one(IncidentList)

        async def until(condition: Any, step: float = 0.001) -> None:
            for _ in range(int(30 / step)):
                if condition():
                    return
                await asyncio.sleep(step)
            raise TimeoutError("benchmark condition never became true")

        await until(lambda: state["painted"] is not None, 0.01)
        results: dict[str, Any] = {"paint": state["painted"], "start": started,
                                   "rss_paint_mb": _rss_mb()}
        await until(lambda: not incidents.busy and app.services.actions_ready, 0.01)
        await asyncio.sleep(0.3)
        results["rss_warm_mb"] = _rss_mb()

        async def timed(key: str, check: Any) -> tuple[float, float]:
            """Wall and main-thread CPU milliseconds from posting ``key`` to the frame."""
            waiter["event"] = asyncio.Event()
            waiter["check"] = check
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            app.simulate_key(key)
            await asyncio.wait_for(waiter["event"].wait(), 5)
            cpu = (time.thread_time() - begin_cpu) * 1000
            waiter["check"] = None
            await asyncio.sleep(0.04)
            return (waiter["stamp"] - begin) * 1000, cpu

        def viewport_loaded() -> bool:
            top = int(incidents.scroll_y)
            height = incidents.scrollable_content_region.height
            return all(incidents.row_at(i) is not None for i in range(top, top + height))

        downs = []
        for _ in range(80):
            target = incidents.cursor + 1
            downs.append(await timed("down", lambda t=target: incidents.cursor == t))
        pages = []
        for _ in range(30):
            target = incidents.cursor + incidents.scrollable_content_region.height
            pages.append(await timed(
                "pagedown", lambda t=target: incidents.cursor == t and viewport_loaded()))
        results["down"], results["pagedown"] = downs, pages
        results["rss_scroll_mb"] = _rss_mb()
        app.simulate_key("slash")
        await asyncio.sleep(0.2)
        typed, rows_ms, count_ms = "", [], []
        for char in results_word():
            typed += char

            def rows_shown(text: str = typed) -> bool:
                return incidents.list_query.search == text and incidents.current

            begin = time.perf_counter()
            rows_ms.append((await timed(char, rows_shown))[0])
            await until(lambda t=typed: incidents.list_query.search == t and not incidents.busy)
            count_ms.append((time.perf_counter() - begin) * 1000)
            await asyncio.sleep(0.1)
        results["search_rows_ms"], results["search_count_ms"] = rows_ms, count_ms
        results["search_word"] = results_word()
        results["rss_mb"] = _rss_mb()
        _emit(results)
        app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=drive)


def child_detail(config: str, db: str, total: int) -> None:
    """incident-tui over the comments cache: open the incident with many comments."""
    import asyncio
    from datetime import UTC, datetime

    from incident_tui.clock import fixed_clock
    from incident_tui.ui.app import launch_app
    from incident_tui.ui.screens.detail import DetailScreen

    app = launch_app(Path(config), {"db": Path(db)},
                     clock=fixed_clock(datetime(2026, 11, 22, 12, tzinfo=UTC)),
                     sync=False, cursor_blink=False)
    waiter: dict[str, Any] = {}

    def frame(text: str, stamp: float) -> None:
        check = waiter.get("check")
        if check is not None and check(text):
            waiter["stamp"] = stamp
            waiter["event"].set()

    _watch_frames(app, frame)

    async def drive(pilot: Any) -> None:
        async def timed(key: str, check: Any) -> tuple[float, float]:
            waiter["event"] = asyncio.Event()
            waiter["check"] = check
            begin, begin_cpu = time.perf_counter(), time.thread_time()
            app.simulate_key(key)
            await asyncio.wait_for(waiter["event"].wait(), 120)
            cpu = (time.thread_time() - begin_cpu) * 1000
            waiter["check"] = None
            return (waiter["stamp"] - begin) * 1000, cpu

        from incident_tui.ui.widgets.incident_list import IncidentList

        for _ in range(3000):
            rows = app.screen.query(IncidentList)
            if app.services.actions_ready and rows and not rows.first().busy:
                break
            await asyncio.sleep(0.01)
        await asyncio.sleep(0.3)
        results: dict[str, Any] = {}
        results["open"] = await timed(
            "enter", lambda text: isinstance(app.screen, DetailScreen) and DETAIL_FIRST in text)
        await asyncio.sleep(0.5)
        earlier = []
        if hasattr(DetailScreen, "action_earlier_comments"):
            from incident_tui.ui.screens.detail_comments import COMMENT_PAGE

            hidden = total - COMMENT_PAGE
            while hidden > 0 and len(earlier) < EARLIER_PRESSES:
                hidden = max(0, hidden - COMMENT_PAGE)
                shown = f"{hidden:,} earlier comment" if hidden else DETAIL_FIRST
                earlier.append(await timed(
                    "o", lambda text, words=shown: words in text and "Comments (" in text))
                await asyncio.sleep(0.3)
        results["earlier"] = earlier
        results["rss_mb"] = _rss_mb()
        _emit(results)
        app.exit()

    app.run(headless=True, size=(120, 40), auto_pilot=drive)


DETAIL_FIRST = "Comments incident description"
"""Text of the many-comments incident the detail shows at its top."""
DETAIL_NEWEST = "Newest comment, number"
"""The start of that incident's newest comment (the last line of its detail)."""
EARLIER_PRESSES = 10
"""How many times the benchmark asks for earlier comments."""


def build_detail_cache(path: Path, comments: int) -> Path:
    """A cache of a few incidents, the newest with ``comments`` comments of one to four
    lines, some long enough to wrap."""
    from datetime import timedelta

    from build_cache import NOW, to_incident

    from incident_tui.domain.model import Comment
    from incident_tui.emulators.sample import sample_incidents
    from incident_tui.store.engine import make_engine, session
    from incident_tui.store.upsert import upsert_incidents

    for suffix in ("", "-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    incidents = [to_incident(s) for s in sample_incidents(20, now=NOW, seed=11, days=30.0)]
    # Kitehouse: comments, and deleting them (the picker lists them all).
    big = next(incident for incident in incidents if incident.kind == "kitehouse")
    big.title = "Comments incident"
    big.description = DETAIL_FIRST
    big.created_at = big.updated_at = NOW
    big.comments = []
    for n in range(comments):
        body = "\n".join(
            f"Update {n}, line {line}: " + "checked the pool and the replicas again " * (n % 3)
            for line in range(1 + n % 4)
        )
        if n == comments - 1:
            body = f"{DETAIL_NEWEST} {n}"
        at = NOW - timedelta(minutes=comments - n)
        big.comments.append(Comment(f"bc{n}", body, created_at=at, author=f"Responder {n % 7}"))
    engine = make_engine(path)
    with session(engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    engine.dispose()
    return path


def detail_figures(env: dict[str, str], comments: int) -> list[str]:
    """Open the detail of an incident with ``comments`` comments; the report's lines."""
    with tempfile.TemporaryDirectory() as tmp:
        db = build_detail_cache(Path(tmp) / "comments.db", comments)
        config = _config(Path(tmp))
        env = {**env, "XDG_CONFIG_HOME": tmp, "XDG_STATE_HOME": tmp}
        child = ["detail", str(config), str(db), str(comments)]
        _run_child(child, env)  # warm .pyc and file cache
        runs = [_run_child(child, env) for _ in range(3)]
    out = [f"detail of an incident with {comments:,} comments, 120x40, 3 runs (median):"]

    def line(label: str, pairs: list[tuple[float, float]]) -> None:
        wall = statistics.median(w for w, _ in pairs)
        cpu = statistics.median(c for _, c in pairs)
        out.append(f"  {label:<24}wall {wall:7.0f} ms  main-thread CPU {cpu:7.0f} ms")

    line("open (enter)", [r["open"] for r in runs])
    presses = min(len(r["earlier"]) for r in runs)
    for index in sorted({0, presses - 1}) if presses else ():
        line(f"o (earlier), press {index + 1}", [r["earlier"][index] for r in runs])
    return out


def results_word() -> str:
    """What the search benchmark types, one key at a time."""
    return "database"


# Parent side ---------------------------------------------------------------------------------


def _run_child(args: list[str], env: dict[str, str]) -> dict[str, Any]:
    spawned = time.time()
    proc = subprocess.run(
        [sys.executable, str(Path(__file__).resolve()), "--child", *args],
        capture_output=True, text=True, env=env, timeout=300, check=False,
    )
    for line in proc.stdout.splitlines():
        if line.startswith("BENCH "):
            record = json.loads(line[6:])
            record["spawned"] = spawned
            return record
    raise RuntimeError(f"child {args} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}")


def _forget_start_views(state_home: Path) -> None:
    """Drop the remembered start views, as a changed config would make them unusable."""
    (state_home / "incident-tui" / "start-views.json").unlink(missing_ok=True)


def _config(tmp: Path) -> Path:
    remotes = [("school", "kitehouse", 'site_id = "s"'), ("safety", "fourhse", 'tenant_id = "t"'),
               ("oncall", "revily", ""), ("status", "oneuptime", 'project_id = "p"'),
               ("ops", "aoh_ims", "")]
    text = 'theme = "incident-dark"\n'
    for name, kind, extra in remotes:
        text += f'\n[[remotes]]\nname = "{name}"\nkind = "{kind}"\n'
        text += f'base_url = "http://127.0.0.1:9"\n{extra}\n'
    path = tmp / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def _stats(values: list[float]) -> str:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(values):6.1f} ms  p95 {p95:6.1f} ms  max {max(values):6.1f}"


def main(argv: list[str] | None = None) -> int:
    """Run every measurement and print the report."""
    parser = argparse.ArgumentParser(description="incident-tui UI benchmark")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--db", type=Path, default=None)
    parser.add_argument("--comments", type=int, default=5_000)
    parser.add_argument("--detail-only", action="store_true")
    parser.add_argument("--child", nargs=argparse.REMAINDER)
    args = parser.parse_args(argv)
    if args.child:
        mode, *rest = args.child
        if mode == "bare":
            child_bare()
        elif mode == "detail":
            sys.path.insert(0, str(HERE))
            child_detail(rest[0], rest[1], int(rest[2]))
        else:
            child_app(rest[0], rest[1], rest[2], mode == "interact")
        return 0

    sys.path.insert(0, str(HERE))
    # PYTHONDONTWRITEBYTECODE would make every child compile our modules from source (~50 ms),
    # which no installed copy does: pip writes the bytecode at install time.
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TEXTUAL_", "INCIDENT_TUI_"))
           and k not in ("NO_COLOR", "PYTHONDONTWRITEBYTECODE")}
    detail = detail_figures(env, args.comments)
    if args.detail_only:
        print("\n".join(detail))
        return 0
    from build_cache import build, default_db

    db = build(args.db or default_db(args.count), args.count)
    from incident_tui.domain.query import ListQuery
    from incident_tui.store.reader import Reader
    from incident_tui.ui.format import cell_text

    reader = Reader.open(db)
    marker = cell_text(reader.page(ListQuery(), 0, 1)[0].title)
    reader.close()
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(Path(tmp))
        env["XDG_CONFIG_HOME"] = env["XDG_STATE_HOME"] = tmp
        paint = ["paint", str(config), str(db), marker]
        # Warm the OS file cache and .pyc files so every run measures the same thing.
        _run_child(["bare"], env)
        _run_child(paint, env)
        bare, ours, cold = [], [], []
        for _ in range(args.runs):
            bare.append(_run_child(["bare"], env))
            ours.append(_run_child(paint, env))  # settings unchanged: the quick start
            _forget_start_views(Path(tmp))
            cold.append(_run_child(paint, env))  # as after a config change
        interact = _run_child(["interact", str(config), str(db), marker], env)
    if not all(r["quick"] for r in ours) or any(r["quick"] for r in cold):
        raise RuntimeError("the quick and the validating starts were not the ones measured")

    bare_paint = statistics.median(r["paint"] - r["spawned"] for r in bare)
    our_paint = statistics.median(r["paint"] - r["spawned"] for r in ours)
    cold_paint = statistics.median(r["paint"] - r["spawned"] for r in cold)

    def part(records: list[dict[str, Any]], start: str, end: str) -> float:
        return statistics.median(r[end] - r[start] for r in records) * 1000
    bare_rss = statistics.median(r["rss_mb"] for r in bare)
    paint_rss = statistics.median(r["rss_mb"] for r in ours)
    print(f"incident-tui UI benchmark: {args.count:,} incidents, {args.runs} runs, 120x40")
    print(f"first paint      bare textual app {bare_paint * 1000:6.0f} ms")
    print(f"                 incident-tui     {our_paint * 1000:6.0f} ms  "
          f"= {our_paint / bare_paint:.2f}x bare (target <= {TARGETS['paint_ratio']}x), "
          "settings unchanged since the last start")
    print(f"                 incident-tui     {cold_paint * 1000:6.0f} ms  "
          f"= {cold_paint / bare_paint:.2f}x bare, first start after a config change "
          "(settings validated before the first frame)")
    print(f"                   bare      interpreter {part(bare, 'spawned', 'start'):4.0f} ms, "
          f"imports {part(bare, 'start', 'imported'):4.0f} ms, "
          f"UI {part(bare, 'imported', 'paint'):4.0f} ms")
    for label, records in (("unchanged", ours), ("changed", cold)):
        print(f"                   {label:<9} interpreter {part(records, 'spawned', 'start'):4.0f}"
              f" ms, imports {part(records, 'start', 'imported'):4.0f} ms, settings + cache "
              f"{part(records, 'imported', 'settings'):4.0f} ms, "
              f"UI {part(records, 'settings', 'paint'):4.0f} ms")
    for label, key in (("cursor down", "down"), ("page down", "pagedown")):
        wall = [w for w, _ in interact[key]]
        cpu = [c for _, c in interact[key]]
        print(f"{label:<17}wall {_stats(wall)}  (target < {TARGETS['cursor_ms']:.0f})")
        print(f"{'':<17}CPU  {_stats(cpu)}  (main thread, key to frame)")
    word = interact["search_word"]
    print(f"search {word!r}, rows on screen per keystroke:")
    print("                 " + "  ".join(f"{c}:{ms:.0f}" for c, ms in
                                          zip(word, interact["search_rows_ms"], strict=True)))
    print(f"                 {_stats(interact['search_rows_ms'])}  "
          f"(target < {TARGETS['search_ms']:.0f})")
    print("                 with the exact count: " + "  ".join(
        f"{c}:{ms:.0f}" for c, ms in zip(word, interact["search_count_ms"], strict=True)))
    print(f"peak RSS         bare textual app {bare_rss:6.1f} MB")
    print(f"                 incident-tui: first paint {paint_rss:.1f} MB, writer warmed "
          f"{interact['rss_warm_mb']:.1f} MB, after scrolling {interact['rss_scroll_mb']:.1f} MB,"
          f" after searching {interact['rss_mb']:.1f} MB")
    print(f"                 = bare + {interact['rss_mb'] - bare_rss:.1f} MB "
          f"(target <= +{TARGETS['rss_extra_mb']:.0f})")
    print("\n".join(detail))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
