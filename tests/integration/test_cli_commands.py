"""Commands no other test runs whole: ``demo --no-tui`` and ``sync`` without ``--once`` as the
installed program in a subprocess, and ``handover`` with its defaults (Markdown, the last 12
hours) over a cache synced from an emulator."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from tests.child_lines import ChildLines
from tests.integration.conftest import Serve

PROGRAM = Path(sys.executable).with_name("incident-tui")
"""The console command the package installs into the venv."""

HOUR = timedelta(hours=1)


def child_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """The environment of a child: this one without ``INCIDENT_TUI_*``, with throw-away XDG
    folders and temp folder inside ``tmp_path``, and these ``INCIDENT_TUI_*`` settings."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("INCIDENT_TUI_")}
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CACHE_HOME", "TMPDIR"):
        folder = tmp_path / name.lower()
        folder.mkdir(exist_ok=True)
        env[name] = str(folder)
    env.update({f"INCIDENT_TUI_{k.upper()}": v for k, v in settings.items()})
    return env


def gone(process: subprocess.Popen[str]) -> bool:
    """Whether nothing is left of the child's process group (it runs in its own session), so
    it left no process behind."""
    try:
        os.killpg(process.pid, 0)
    except ProcessLookupError:
        return True
    return False


@pytest.fixture
def spawned() -> Iterator[list[subprocess.Popen[str]]]:
    """Children started by a test (append them); their process groups are killed after it,
    whatever happened, so a failing test leaves nothing running."""
    children: list[subprocess.Popen[str]] = []
    yield children
    for child in children:
        if not gone(child):
            os.killpg(child.pid, signal.SIGKILL)
        child.wait(timeout=10)


def start(children: list[subprocess.Popen[str]], argv: list[str], env: dict[str, str]) -> Any:
    """Start the installed program in its own session with piped output."""
    process = subprocess.Popen(
        [str(PROGRAM), *argv], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env=env, start_new_session=True,
    )  # fmt: skip
    children.append(process)
    return process


# demo --no-tui ------------------------------------------------------------------------------


def test_demo_without_the_tui_syncs_all_five_and_leaves_nothing(
    tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    env = child_env(tmp_path)
    demo = start(spawned, ["demo", "--no-tui", "--sample", "4"], env)
    out = ChildLines(demo.stdout, "incident-tui demo")
    err = ChildLines(demo.stderr, "incident-tui demo (stderr)")
    try:
        status = demo.wait(timeout=120)
    except subprocess.TimeoutExpired:
        raise AssertionError(f"demo --no-tui still running after 120 s: {out.seen!r}") from None
    # Checked before reading to the end: a process left behind would hold the pipe open.
    assert gone(demo), "demo --no-tui left processes behind"
    lines = [line.rstrip("\n") for line in out.rest(timeout=10)]
    assert (status, err.rest(timeout=10)) == (0, [])
    assert lines[0] == "starting five emulators with 4 incidents each…"
    assert lines[-1] == "synced 5 of 5 remotes"
    names = ["school", "plant", "oncall", "status", "ops"]
    for name in names:
        assert f"{name}: syncing…" in lines
        [done] = [line for line in lines if line.startswith(f"{name}: ok")]
        assert re.fullmatch(rf"{name}: ok, pulled 4, pushed 0 \(\d+\.\ds\)", done), done
    assert len(lines) == 1 + 2 * len(names) + 1
    # Nothing kept: the throw-away folder is gone, and no config, cache or state was
    # written where a real one lives.
    for name in ("xdg_config_home", "xdg_data_home", "xdg_state_home", "xdg_cache_home", "tmpdir"):
        assert list((tmp_path / name).iterdir()) == [], name


@pytest.mark.parametrize("signum", [signal.SIGHUP, signal.SIGTERM])
def test_demo_without_the_tui_ended_by_a_signal_leaves_nothing(
    tmp_path: Path, spawned: list[subprocess.Popen[str]], signum: int
) -> None:
    # `timeout 60 incident-tui demo --no-tui` in a script, or the terminal closed: Python's
    # default ended it on the spot, its temporary folder with the cache left behind.
    env = child_env(tmp_path)
    demo = start(spawned, ["demo", "--no-tui", "--sample", "300"], env)
    out = ChildLines(demo.stdout, "incident-tui demo")
    err = ChildLines(demo.stderr, "incident-tui demo (stderr)")
    out.wait_for(lambda line: line.endswith(": syncing…\n"), 60, "a remote syncing")
    assert len(list((tmp_path / "tmpdir").iterdir())) == 1
    demo.send_signal(signum)
    # Its requests stop in order, not torn through with a traceback each.
    # SIGTERM ends the demo's sync as it ends any sync, saying so in one line.
    said = ["incident-tui: terminated\n"] if signum == signal.SIGTERM else []
    assert (demo.wait(timeout=60), err.rest(timeout=10)) == (128 + signum, said)
    assert gone(demo), "demo --no-tui left processes behind"
    assert list((tmp_path / "tmpdir").iterdir()) == []


# sync without --once --------------------------------------------------------------------------


def passes(serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]) -> tuple[Any, Any]:
    """``incident-tui sync`` every second against a Revily emulator, once two passes are
    done: the emulator server and the process with its output lines."""
    oncall: Any = serve("revily", sample=3)
    env = child_env(
        tmp_path,
        remotes=json.dumps([oncall.emulator.remote_config("oncall")]),
        db=str(tmp_path / "cache.db"),
        poll_seconds="1",
    )
    sync = start(spawned, ["sync"], env)
    lines = ChildLines(sync.stdout, "incident-tui sync")
    for number in (1, 2):
        lines.wait_for(lambda line: line == "synced 1 of 1 remotes\n", 30, f"pass {number}")
    return oncall, (sync, lines)


def listings(server: Any) -> list[float]:
    """When the emulator answered the incident listing (one per sync pass)."""
    return [e.at for e in server.emulator.log if e.method == "GET" and e.path == "/incidents"]


def test_sync_keeps_syncing_and_ctrl_c_ends_it_cleanly(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    oncall, (sync, lines) = passes(serve, tmp_path, spawned)
    assert sync.poll() is None  # still running after two passes
    seen = listings(oncall)
    assert len(seen) >= 2
    assert seen[1] - seen[0] >= 0.9  # poll_seconds apart, not back to back
    sync.send_signal(signal.SIGINT)
    assert sync.wait(timeout=30) == 130  # the shell's status for Ctrl-C
    assert gone(sync)
    rest = lines.rest(timeout=10)
    assert sync.stderr.read() == "incident-tui: interrupted\n"
    out = [line.rstrip("\n") for line in lines.seen]
    assert out[:3] == ["oncall: syncing…", out[1], "synced 1 of 1 remotes"]
    assert re.fullmatch(r"oncall: ok, pulled 3, pushed 0 \(\d+\.\ds\)", out[1])
    # Each later pass is the same three lines, and a pass interrupted half way prints no
    # summary: the last line is a remote's start or a pass's summary, never a traceback.
    for line in rest:
        assert line.startswith(("oncall: ", "synced 1 of 1 remotes")), rest


def test_sync_ends_on_sigterm_with_nothing_lost(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]],
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    oncall, (sync, lines) = passes(serve, tmp_path, spawned)
    sync.send_signal(signal.SIGTERM)
    # What a service manager sends to stop it: it ends as Ctrl-C ends it, with one line and
    # the shell's status for a process SIGTERM ended, the pass under way given up (each
    # step is its own committed SQLite transaction, so nothing half-written stays).
    assert sync.wait(timeout=30) == 128 + signal.SIGTERM
    assert gone(sync)
    lines.rest(timeout=10)
    assert sync.stderr.read() == "incident-tui: terminated\n"
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    capsys.readouterr()
    assert main(["list", "--json"]) == 0
    titles = sorted(i["title"] for i in json.loads(capsys.readouterr().out))
    expected = sorted(oncall.emulator.incident(i)["message"] for i in oncall.emulator.incidents)
    assert titles == expected and len(titles) == 3


def test_sync_once_ends_on_sigterm_with_one_line(
    serve: Serve, tmp_path: Path, spawned: list[subprocess.Popen[str]]
) -> None:
    # `timeout 60 incident-tui sync --once` from cron: it died on the spot with no word.
    oncall: Any = serve("revily", sample=3)
    oncall.emulator.faults.add("hang", method="GET", path="^/incidents", times=-1)
    env = child_env(
        tmp_path,
        remotes=json.dumps([oncall.emulator.remote_config("oncall")]),
        db=str(tmp_path / "cache.db"),
    )
    sync = start(spawned, ["sync", "--once"], env)
    lines = ChildLines(sync.stdout, "incident-tui sync --once")
    lines.wait_for(lambda line: line == "oncall: syncing…\n", 30, "the pass starting")
    for _ in range(600):  # the listing asked for and held: the pass is under way
        if oncall.emulator.faults.hung:
            break
        time.sleep(0.05)
    assert oncall.emulator.faults.hung
    sync.send_signal(signal.SIGTERM)
    assert sync.wait(timeout=30) == 128 + signal.SIGTERM
    assert gone(sync)
    assert sync.stderr.read() == "incident-tui: terminated\n"


# handover with its defaults -------------------------------------------------------------------

ITEM = re.compile(r"^- \*\*(?P<severity>[^*]+)\*\* (?P<id>\S+) \(#\w+\): (?P<rest>.*)$")


def sections(markdown: str) -> dict[str, list[str]]:
    """The Markdown handover's ``## `` sections (title up to the colon), each as its lines."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in markdown.splitlines():
        if line.startswith("## "):
            current = found.setdefault(line[3:].split(":", 1)[0], [])
        elif line:
            current.append(line)
    return found


def item_ids(lines: list[str]) -> list[str]:
    return [m["id"] for line in lines if (m := ITEM.match(line))]


def test_handover_defaults_to_markdown_of_the_last_12_hours(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:  # fmt: skip
    # The command line reads the system clock, so the incidents are placed relative to now:
    # the emulator's clock is moved back to when each happened.
    now = datetime.now(UTC)
    moment = [now]
    oncall = serve("revily", sample=0, clock=lambda: moment[0])
    emulator: Any = oncall.emulator

    def hours_ago(hours: float, action: Any, *args: Any) -> Any:
        moment[0] = now - hours * HOUR
        return action(*args)

    door = hours_ago(30, emulator.add, "Door sensor flaky")  # open, from before, stale
    fan = hours_ago(13, emulator.add, "Fan noisy")  # open, from just before the shift
    valve = hours_ago(11, emulator.add, "Valve stuck")  # new this shift ...
    hours_ago(2, emulator.transition, valve["id"], "resolve")  # ... and resolved in it
    pump = hours_ago(1, emulator.add, "Pump 3 tripped")  # new this shift
    moment[0] = now
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("oncall")]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    assert main(["sync", "--once"]) == 0
    assert main(["ack", f"oncall:{pump['id']}"]) == 0  # queued, not sent
    capsys.readouterr()

    assert main(["handover"]) == 0
    markdown = capsys.readouterr().out
    first, blank, meta, *_ = markdown.splitlines()
    title = re.fullmatch(r"# Shift handover: (\S+ \S+Z) to (\S+ \S+Z) \(12 h\)", first)
    assert title is not None, first
    since, until = (datetime.strptime(t, "%Y-%m-%d %H:%MZ").replace(tzinfo=UTC) for t in
                    title.groups())  # fmt: skip
    assert until - since == 12 * HOUR
    assert timedelta(0) <= until - now.replace(second=0, microsecond=0) <= timedelta(minutes=2)
    assert blank == "" and "stale after 24 h without an update" in meta
    found = sections(markdown)
    assert found["At a glance"] == [
        "- Needs attention now: 0",
        "- New this shift: 2",
        "- Resolved this shift: 1",
        "- Reopened this shift: 0",
        "- Still open from before: 2",
        "- Stale, no update for 24 h: 1",
        "- Comments this shift: 0 on 0 incidents",
    ]
    ids = {name: f"oncall:{row['id']}" for name, row in
           (("door", door), ("fan", fan), ("valve", valve), ("pump", pump))}  # fmt: skip
    assert item_ids(found["New this shift"]) == [ids["valve"], ids["pump"]]
    assert item_ids(found["Resolved this shift"]) == [ids["valve"]]
    assert item_ids(found["Still open from before"]) == [ids["door"], ids["fan"]]
    assert item_ids(found["Stale, no update for 24 h"]) == [ids["door"]]
    assert found["Needs attention now"] == ["None."]
    [pump_line] = [line for line in found["New this shift"] if ids["pump"] in line]
    pump_item = ITEM.match(pump_line)
    assert pump_item is not None and pump_item["severity"] == "no severity"
    # Acknowledged here only: the remote has not got it yet, and the item says so.
    assert pump_item["rest"].startswith("Pump 3 tripped (acknowledged here, not yet sent; opened ")
    assert pump_item["rest"].endswith(" (1h 00m ago))")
    [valve_line] = found["Resolved this shift"]
    assert valve_line.endswith(
        f"Valve stuck (resolved; resolved {(now - 2 * HOUR):%Y-%m-%d %H:%M}Z; open for 9h 00m)"
    )
    [freshness] = found["Sync freshness"]
    assert freshness.startswith("- oncall (revily): synced ")
    assert freshness.endswith("; 1 local change queued")
