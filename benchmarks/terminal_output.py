"""Terminal output benchmark: the bytes incident-tui writes to its terminal, for slow links.

Run ``python benchmarks/terminal_output.py [--passes 5] [--sample 300] [--poll 3]``. It starts
the five bundled emulators in this process (as ``incident-tui demo`` does), writes a throw-away
config and cache in a temporary folder and runs the real ``python -m incident_tui`` in a
pseudo-terminal (80x24, ``TERM=xterm-256color``, no ``COLORTERM``; terminal queries get no
answer, so Textual leaves synchronized output off), twice:

1. into the empty cache with sync passes an hour apart, so that no pass repaints into a key's
   count: the start-up until every remote has synced once, then single keys (median of
   ``--repeat``) on the list and opening and leaving the detail, dashboard and handover;
2. over the now warm cache with a pass every ``--poll`` seconds: the start-up again, then the
   list, detail, dashboard and handover left idle for ``--passes`` passes.

Each step counts until the output has been quiet for a second. Sync passes are read from
outside the UI, so any version of it can be measured: a remote's first pass from the cache's
``remote`` table, which it fills in; the later ones from its emulator's request log, as a run
of requests followed by quiet of half the poll interval (a pass that changes nothing writes
its state to the cache at most once a minute, so the table cannot count them). Prints
figures, asserts nothing.
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import select
import signal
import sqlite3
import statistics
import struct
import subprocess
import sys
import tempfile
import termios
import threading
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from incident_tui.demo import DEMO_NAMES  # noqa: E402
from incident_tui.domain.model import KINDS  # noqa: E402
from incident_tui.emulators import Emulator, EmulatorServer, make_emulator  # noqa: E402

KEYS = {"down": b"\x1b[B", "pagedown": b"\x1b[6~", "enter": b"\r", "escape": b"\x1b",
        "d": b"d", "h": b"h", "q": b"q"}
"""What an xterm sends for each key the benchmark presses."""
QUIET = 1.0
"""Seconds without output after which the screen counts as settled: longer than the app
holds its output back for (a detail's first read, a screen's removal), else what a key
draws would be counted as the next key's."""
FIRST_OUTPUT = 5.0
"""Seconds a key may take to draw anything at all."""
ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|.)")
SCREENS = (("detail", "enter"), ("dashboard", "d"), ("handover", "h"))
"""The screens measured, with the key that opens each from the list."""

Rows = dict[str, tuple[list[int], tuple[float, float] | None]]
"""Byte counts per step and, for idle steps, the seconds and passes per remote they took."""


class BenchError(Exception):
    """A step failed; the text says which and what to check."""


def start_emulators(stack: ExitStack, sample: int) -> dict[str, tuple[dict[str, Any], Emulator]]:
    """The five emulators as ``incident-tui demo`` starts them (stopped when ``stack``
    closes): by remote name, its config and the emulator, whose request log shows its passes."""
    started = {}
    for offset, kind in enumerate(KINDS):
        server = EmulatorServer(make_emulator(kind, sample=sample, seed=7 + offset))
        stack.enter_context(server)
        name = DEMO_NAMES[kind]
        started[name] = (server.emulator.remote_config(name), server.emulator)
    return started


class Session:
    """incident-tui in a pseudo-terminal: a thread drains it and counts every byte written;
    finished sync passes are read from the cache (read-only) and the emulators' logs."""

    def __init__(
        self,
        command: list[str],
        env: dict[str, str],
        db: Path,
        emulators: dict[str, Emulator],
        poll: float,
    ) -> None:
        self.db, self.emulators = db, emulators
        self.names = list(emulators)
        self.gap = poll / 2
        """Seconds of quiet at a remote's emulator that end a pass (passes are ``poll``
        seconds apart, the requests of one much closer)."""
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        try:
            # A session of its own: the app and anything it starts end with one killpg.
            self.process = subprocess.Popen(command, stdin=slave, stdout=slave, stderr=slave,
                                            env=env, cwd=ROOT, start_new_session=True)
        finally:
            os.close(slave)
        self.total, self.last_output, self.tail = 0, time.monotonic(), b""
        self._conn: sqlite3.Connection | None = None
        self._seen = False
        self._stop = threading.Event()
        self._reader = threading.Thread(target=self._drain, name="pty-reader", daemon=True)
        self._reader.start()

    def _drain(self) -> None:
        while not self._stop.is_set():
            if not select.select([self.master], [], [], 0.1)[0]:
                continue
            try:
                data = os.read(self.master, 65536)
            except OSError:  # EIO: the app is gone and nothing holds the terminal open
                return
            if not data:
                return
            self.total += len(data)
            self.last_output = time.monotonic()
            self.tail = (self.tail + data)[-8192:]

    def check_alive(self, doing: str) -> None:
        """Raise :class:`BenchError` with the app's last lines if it has exited."""
        code = self.process.poll()
        if code is not None:
            self._reader.join(timeout=1)  # its last words may still be in the terminal
            text = ANSI.sub(b"", self.tail).decode("utf-8", "replace")
            last = " | ".join([line.strip() for line in text.splitlines() if line.strip()][-4:])
            raise BenchError(f"incident-tui exited (status {code}) while {doing}: "
                             f"{last or 'no output'}")

    def settle(self, limit: float = 20.0) -> None:
        """Wait until nothing was written for :data:`QUIET` seconds (at most ``limit``)."""
        since = time.monotonic()
        while time.monotonic() - max(self.last_output, since) < QUIET:
            if time.monotonic() > since + limit:
                print(f"  note: output never paused for {QUIET}s within {limit:.0f}s", flush=True)
                return
            time.sleep(0.02)

    def count(self, key: str) -> int:
        """Bytes written from pressing ``key`` (a name of :data:`KEYS`) until settled."""
        self.check_alive(f"pressing {key}")
        before, pressed = self.total, time.monotonic()
        os.write(self.master, KEYS[key])
        # Every key measured draws something: quiet counts from its first output.
        while self.total == before and time.monotonic() < pressed + FIRST_OUTPUT:
            time.sleep(0.01)
        self.settle()
        return self.total - before

    def _states(self) -> dict[str, tuple[str | None, str, str | None]]:
        try:
            if self._conn is None:
                self._conn = sqlite3.connect(f"file:{self.db}?mode=ro", uri=True, timeout=2)
            rows = self._conn.execute("SELECT name, last_ok_at, state, last_error FROM remote")
            found = {name: (ok_at, state, error) for name, ok_at, state, error in rows}
        except sqlite3.Error:
            return {}  # not created yet, or briefly locked: ask again
        self._seen = self._seen or set(self.names) <= set(found)
        return found

    def _passes_logged(self, name: str, since: float) -> int:
        """Passes of remote ``name`` its emulator has seen end since ``since`` (monotonic,
        the clock its log keeps): runs of requests each followed by :attr:`gap` of quiet."""
        emulator = self.emulators[name]
        with emulator.lock:  # the log is trimmed in place as requests come in
            times = [entry.at for entry in emulator.log if entry.at > since]
        # Each request against the next one's time, the last against now.
        ends = [*times[1:], time.monotonic()][: len(times)]
        return sum(1 for at, then in zip(times, ends, strict=True) if then - at >= self.gap)

    def wait_passes(self, passes: int, timeout: float) -> float:
        """Until every remote has finished ``passes`` more sync passes than when called;
        returns the passes per remote on average (each remote keeps its own schedule).

        A remote that never synced writes the end of its first pass in the cache; the passes
        after it are read from its emulator's log (see the module docstring)."""
        states = self._states()
        while self._seen and not set(self.names) <= set(states):  # a failed read, not a pass
            time.sleep(0.05)
            states = self._states()
        now = time.monotonic()
        never = {name for name in self.names if states.get(name, (None, "", None))[0] is None}
        first, since = set(never), dict.fromkeys(self.names, now)
        deadline = now + timeout
        while True:
            self.check_alive("waiting for a sync pass")
            for name, (ok_at, state, error) in self._states().items():
                if state in ("failing", "offline"):
                    raise BenchError(f"remote {name} is {state}: {error}")
                if name in first and ok_at is not None:
                    # Its first pass is over: later ones are counted from here.
                    first.discard(name)
                    since[name] = time.monotonic()
            done = {
                name: 0 if name in first else
                (name in never) + self._passes_logged(name, since[name])
                for name in self.names
            }
            if min(done.values()) >= passes:
                return sum(done.values()) / len(done)
            if time.monotonic() > deadline:
                slow = ", ".join(name for name, count in done.items() if count < passes)
                raise BenchError(f"no sync pass of {slow} within {timeout:.0f} s; "
                                 "is the machine overloaded?")
            time.sleep(0.05)

    def idle(self, passes: int, poll: float) -> tuple[int, tuple[float, float]]:
        """Bytes, seconds and passes per remote from the settled end of a sync pass to the
        settled end of the ``passes``-th pass of every remote after it."""
        self.wait_passes(1, 60 + 3 * poll)
        self.settle()
        before, begun = self.total, time.monotonic()
        done = self.wait_passes(passes, 60 + 3 * passes * poll)
        self.settle()
        return self.total - before, (time.monotonic() - begun, done)

    def quit(self) -> None:
        """Quit with the app's quit key; raise if it has not ended within 10 s."""
        self.count("q")
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            raise BenchError("incident-tui did not quit on 'q' within 10 s") from None

    def close(self) -> None:
        """Kill what is left of the app's process group and stop reading."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            if self.process.poll() is not None:
                break
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(timeout=5)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        self._stop.set()
        self._reader.join(timeout=2)
        os.close(self.master)
        if self._conn is not None:
            self._conn.close()


def _toml(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(k)} = {_toml(v)}" for k, v in value.items()) + " }"
    return json.dumps(value)


def write_config(folder: Path, remotes: list[dict[str, Any]], poll: float) -> Path:
    """The config file: the emulators as remotes, syncing every ``poll`` seconds."""
    text = f"poll_seconds = {poll}\n"
    for remote in remotes:
        text += "\n[[remotes]]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in remote.items())
    path = folder / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def measure(args: argparse.Namespace) -> Rows:
    """Run the app twice over one cache (see the module docstring); the counts per step."""
    rows: Rows = {}

    def add(what: str, count: int, idle: tuple[float, float] | None = None) -> None:
        rows.setdefault(what, ([], idle))[0].append(count)
        print(f"  {what}: {count:,} bytes", flush=True)

    with ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="tui-bytes-")))
        print(f"starting five emulators with {args.sample} incidents each…", flush=True)
        started = start_emulators(stack, args.sample)
        remotes = [config for config, _ in started.values()]
        emulators = {name: emulator for name, (_, emulator) in started.items()}
        env = {k: v for k, v in os.environ.items() if not k.startswith(("TEXTUAL", "INCIDENT_"))
               and k not in ("NO_COLOR", "FORCE_COLOR", "COLORTERM", "COLUMNS", "LINES")}
        env.update(TERM="xterm-256color", XDG_CONFIG_HOME=str(folder),
                   XDG_STATE_HOME=str(folder), XDG_DATA_HOME=str(folder))
        db = folder / "incidents.db"
        for poll, cache in ((3600.0, "empty"), (args.poll, "warm")):
            print(f"incident-tui syncing every {poll:g} s: waiting for its first sync…", flush=True)
            command = [sys.executable, "-m", "incident_tui",
                       "--config", str(write_config(folder, remotes, poll)), "--db", str(db)]
            with ExitStack() as running:
                app = Session(command, env, db, emulators, poll)
                running.callback(app.close)
                app.wait_passes(1, 180)
                app.settle()
                add(f"start-up, {cache} cache", app.total)
                if cache == "empty":
                    for what, key in (("Down", "down"), ("PageDown", "pagedown")):
                        for _ in range(args.repeat):
                            add(what, app.count(key))
                    for _ in range(args.repeat):
                        for screen, opener in SCREENS:
                            add(f"open {screen} ({opener})", app.count(opener))
                            add(f"back from {screen} (escape)", app.count("escape"))
                else:
                    add("list idle", *app.idle(args.passes, poll))
                    for screen, opener in SCREENS:
                        app.count(opener)
                        add(f"{screen} idle", *app.idle(args.passes, poll))
                        app.count("escape")
                app.quit()
    return rows


def report(rows: Rows, args: argparse.Namespace) -> None:
    """Print the table: bytes, per pass and per second for idle rows, seconds per link."""
    links = [f"  s @{k:g}k" for k in args.link]
    print(f"\nterminal output, 80x24, {args.sample} incidents per remote, poll {args.poll:g} s, "
          f"idle over {args.passes} passes, keys median of {args.repeat} (min-max)")
    print(f"{'what':<30}{'bytes':>9}{'range':>17}{'per pass':>10}{'bytes/s':>9}{''.join(links)}")
    for what, (counts, idle) in rows.items():
        value = payload = statistics.median(counts)
        spread = f"{min(counts):,}-{max(counts):,}" if len(counts) > 1 else ""
        per_pass = rate = ""
        if idle is not None:
            payload = value / idle[1]
            per_pass, rate = f"{payload:,.0f}", f"{value / idle[0]:,.0f}"
        times = "".join(f"{payload * 8 / (k * 1000):{len(head)}.2f}"
                        for k, head in zip(args.link, links, strict=True))
        print(f"{what:<30}{value:>9,.0f}{spread:>17}{per_pass:>10}{rate:>9}{times}")
    print("per pass: one sync pass of every remote; link columns: seconds per pass on idle rows,"
          " seconds for the bytes on the others")


def main(argv: list[str] | None = None) -> int:
    """Parse the options, measure and print; 1 with a one-line reason on failure."""
    parser = argparse.ArgumentParser(description="bytes incident-tui writes to its terminal")
    parser.add_argument("--passes", type=int, default=5, help="sync passes per idle figure")
    parser.add_argument("--sample", type=int, default=300, help="incidents per emulator")
    parser.add_argument("--poll", type=float, default=3.0, help="poll_seconds when idle")
    parser.add_argument("--repeat", type=int, default=3, help="presses per key (median)")
    parser.add_argument("--link", type=float, action="append", metavar="KBIT",
                        help="link speed in kbit/s for the time columns (default 64; repeatable)")
    args = parser.parse_args(argv)
    args.link = args.link or [64.0]
    if args.passes < 1 or args.repeat < 1 or args.poll < 1 or min(args.link) <= 0:
        parser.error("--passes, --repeat want 1 or more, --poll 1 s or more, --link above 0")
    try:
        rows = measure(args)
    except BenchError as error:
        print(f"terminal_output: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("terminal_output: interrupted", file=sys.stderr)
        return 130
    report(rows, args)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
