"""The command line as interface.md promises it: failures give one line on stderr and status 1,
``--config`` / ``--db`` go before or after the command, ids are printed whole, and
``list --json`` reads the cache in bulk yet prints what reading each incident printed, and
standard output that cannot take the output (a full disk, closed) is one line too, also for
``--help`` and ``--version``.

Everything runs in process through :func:`incident_tui.cli.main` over real SQLite files (and,
for sync, real HTTP to the bundled emulators), but for what needs a real standard output (a
terminal, ``/dev/full``, none at all): the program in a child process."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
import uuid
from pathlib import Path

import pytest

from incident_tui import output
from incident_tui.cli import main
from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Comment, Incident, Severity, Status
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident, write_private
from tests.terminal_output import read_all

INCIDENT_KEYS = [
    "id", "remote", "kind", "remote_id", "ref", "title", "description", "status", "status_raw",
    "severity", "created_at", "updated_at", "pending",
]
"""The keys of interface.md's JSON shape of an incident, in its order."""


def build(path: Path, incidents: list[Incident]) -> Actions:
    """A cache file holding ``incidents``; returns its actions (to queue changes)."""
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    return actions


def long_id(number: int, **options: object) -> Incident:
    """An incident whose remote id is a UUID, as OneUptime's are (ids of 44+ characters)."""
    item = make_incident(
        number, remote="status-eu", kind="oneuptime", **options  # type: ignore[arg-type]
    )
    item.remote_id = str(uuid.UUID(int=number))
    return item


def revily_remote(name: str, server: EmulatorServer, token: str | None = None) -> str:
    """A config file's ``[[remotes]]`` table for a Revily emulator (its own token unless
    ``token`` is given)."""
    token = token or server.emulator.remote_config(name)["token"]
    return (
        f'[[remotes]]\nname = "{name}"\nkind = "revily"\nbase_url = "{server.url}"\n'
        f'token = "{token}"\n'
    )


def one_line_error(err: str) -> str:
    """The single stderr line of a failure (asserting there is exactly one, no traceback)."""
    lines = err.splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("incident-tui: ")
    return lines[0]


# 1. sync --once: the failure's reason on stderr -----------------------------------------


def test_sync_once_with_a_failing_remote_says_why_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with (
        EmulatorServer(make_emulator("revily", sample=3)) as good,
        EmulatorServer(make_emulator("revily", sample=3)) as bad,
    ):
        config = tmp_path / "config.toml"
        write_private(
            config, revily_remote("good", good) + revily_remote("bad", bad, token="not-the-token")
        )
        status = main(["--config", str(config), "--db", str(tmp_path / "c.db"), "sync", "--once"])
    out, err = capsys.readouterr()
    assert status == 1
    # The log stays on stdout, as before.
    assert "synced 1 of 2 remotes; failing: bad" in out.splitlines()
    line = one_line_error(err)
    assert line.startswith("incident-tui: synced 1 of 2 remotes; failing: bad (failed: ")
    assert "good" not in line.split("failing:", 1)[1]


def test_sync_once_that_succeeds_prints_nothing_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorServer(make_emulator("revily", sample=3)) as good:
        config = tmp_path / "config.toml"
        write_private(config, revily_remote("good", good))
        argv = ["--config", str(config), "--db", str(tmp_path / "c.db"), "sync", "--once"]
        assert main(argv) == 0
    out, err = capsys.readouterr()
    assert out.splitlines()[-1] == "synced 1 of 1 remotes" and err == ""


# 2. a variable that is not JSON: one line naming it --------------------------------------


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("INCIDENT_TUI_REMOTES", "notjson", "remotes"),
        ("INCIDENT_TUI_KEYS", '{"resolve": ', "keys"),
        ("incident_tui_keys", "[1", "keys"),  # pydantic-settings matches names in any case
    ],
)
def test_a_variable_that_is_not_json_is_one_line_naming_it(
    name: str,
    value: str,
    field: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv(name, value)
    assert main(["--db", str(tmp_path / "c.db"), "list"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line.startswith(f"incident-tui: environment {name}: {field}: not valid JSON (")
    assert value not in line  # a variable like INCIDENT_TUI_REMOTES may hold tokens


def test_a_variable_that_is_not_json_stops_the_tui_before_it_starts(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    on_a_terminal: None,
) -> None:
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", "[{")
    assert main(["--db", str(tmp_path / "c.db")]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "environment INCIDENT_TUI_REMOTES: remotes: not valid JSON" in line


def test_a_key_name_textual_does_not_use_stops_the_tui_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], on_a_terminal: None
) -> None:
    """A binding on such a name never fires: the command would be left with no key."""
    config = tmp_path / "config.toml"
    config.write_text('[keys]\nhelp = "ctrl-h"\n', encoding="utf-8")
    assert main(["--config", str(config), "--db", str(tmp_path / "c.db")]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"incident-tui: {config}: keys.help: 'ctrl-h' is not a key name (did you mean 'ctrl+h'?)"
    )


def test_json_that_is_not_a_list_is_a_validation_problem_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", '{"name": "x"}')
    assert main(["--db", str(tmp_path / "c.db"), "list"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "environment INCIDENT_TUI_REMOTES: remotes: Input should be a valid list" in line


# 3. demo: a bad variable is the same one line --------------------------------------------


def test_demo_with_a_bad_variable_is_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("INCIDENT_TUI_STALE_HOURS", "-1")
    assert main(["demo", "--no-tui", "--sample", "1"]) == 1
    out, err = capsys.readouterr()
    assert one_line_error(err) == (
        "incident-tui: environment INCIDENT_TUI_STALE_HOURS: stale_hours: "
        "Input should be greater than 0"
    )
    assert "starting" not in out  # checked before any emulator starts


# 4. --config and --db after the command --------------------------------------------------


def test_config_and_db_after_the_command(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    build(first, [make_incident(1, title="only in the first cache")])
    build(second, [make_incident(2, title="only in the second cache")])
    config = tmp_path / "config.toml"
    config.write_text('theme = "incident-light"\n', encoding="utf-8")

    def titles(argv: list[str]) -> list[str]:
        assert main(argv) == 0
        return [item["title"] for item in json.loads(capsys.readouterr().out)]

    assert titles(["list", "--json", "--db", str(first)]) == ["only in the first cache"]
    assert titles(["list", "--config", str(config), "--db", str(second), "--json"]) == [
        "only in the second cache"
    ]
    assert titles(["--db", str(first), "list", "--json"]) == ["only in the first cache"]
    # Given in both places, the later one wins; given only before, it is kept.
    assert titles(["--db", str(first), "list", "--db", str(second), "--json"]) == [
        "only in the second cache"
    ]
    assert titles(["--db", str(second), "list", "--config", str(config), "--json"]) == [
        "only in the second cache"
    ]
    # The config given after the command is the one read.
    assert main(["list", "--config", str(tmp_path / "absent.toml"), "--db", str(first)]) == 1
    assert "absent.toml: no such config file" in one_line_error(capsys.readouterr().err)


def test_every_command_that_reads_the_config_takes_config_and_db_after_it() -> None:
    import argparse

    from incident_tui.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    without = {"demo", "emulate"}  # a throw-away config / no config at all
    for name, command in commands.choices.items():
        options = {o for action in command._actions for o in action.option_strings}
        shown = {
            o for action in command._actions if action.help != argparse.SUPPRESS
            for o in action.option_strings
        }
        if name in without:
            assert "--config" not in shown and "--db" not in shown, name  # refused, below
        else:
            assert {"--config", "--db"} <= options, name


@pytest.mark.parametrize(
    ("argv", "error"),
    [
        (["--db", "mine.db", "demo", "--no-tui"],
         "incident-tui demo: error: --db cannot be used with demo: the demo makes its own "
         "config and cache in a temporary folder"),
        (["demo", "--config", "it.toml", "--db=mine.db"],
         "incident-tui demo: error: --config and --db cannot be used with demo: the demo "
         "makes its own config and cache in a temporary folder"),
        (["--config", "it.toml", "emulate", "revily"],
         "incident-tui emulate: error: --config cannot be used with emulate: an emulator "
         "reads no config and keeps its incidents in memory"),
        (["emulate", "revily", "--db", "mine.db"],
         "incident-tui emulate: error: --db cannot be used with emulate: an emulator reads "
         "no config and keeps its incidents in memory"),
    ],
)
def test_config_and_db_with_demo_or_emulate_are_wrong_usage(
    argv: list[str], error: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # Before the command they were dropped without a word (the demo ran on its own cache);
    # after it, refused as unknown, which did not say why.
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    command = "demo" if "demo" in argv else "emulate"
    assert err.startswith(f"usage: incident-tui {command} ")
    assert err.splitlines()[-1] == error
    assert list(tmp_path.iterdir()) == []  # nothing started, nothing made


@pytest.mark.parametrize(
    "argv",
    [["list"], ["show", "abc"], ["ack", "abc"], ["comment", "abc", "--message", "x"], ["handover"],
     ["outbox"]],
)
def test_a_cache_in_a_missing_folder_is_refused_not_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    # A mistyped --db would otherwise read as an empty cache, or queue a change no sync sends.
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    typo = tmp_path / "tpyo" / "cache.db"
    assert main([*argv, "--config", str(config), "--db", str(typo)]) == 1
    error = one_line_error(capsys.readouterr().err)
    assert f"no cache at {typo}" in error and f"folder {typo.parent} does not exist" in error
    assert not typo.parent.exists()


def test_a_cache_in_an_existing_folder_is_still_created(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "config.toml"
    config.write_text("", encoding="utf-8")
    fresh = tmp_path / "fresh.db"
    assert main(["list", "--json", "--config", str(config), "--db", str(fresh)]) == 0
    assert json.loads(capsys.readouterr().out) == []
    assert fresh.exists()


# 5. ids whole in the table ----------------------------------------------------------------


@pytest.mark.parametrize("width", [200, 80, 40, 10])
def test_the_table_prints_every_id_whole(tmp_path: Path, width: int) -> None:
    build(tmp_path / "c.db", [long_id(n, title="A rather long title " * 12) for n in (1, 2)])
    rows = Reader.open(tmp_path / "c.db").all_rows(ListQuery())
    assert min(len(r.id) for r in rows) >= 44
    table = output.rows_table(rows, NOW, width=width).splitlines()
    for row, line in zip(rows, table[1:], strict=True):
        assert line.split()[0] == row.id
    if width >= 80:  # room to spare: the title gives way, the line fits
        assert all(len(line) <= width for line in table)
        assert all("…" in line for line in table[1:])


def test_list_piped_prints_ids_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    build(db, [long_id(n) for n in range(1, 4)])
    monkeypatch.setenv("COLUMNS", "50")
    assert main(["--db", str(db), "list"]) == 0
    lines = capsys.readouterr().out.splitlines()
    printed = {line.split()[0] for line in lines[1:]}
    assert printed == {f"status-eu:{uuid.UUID(int=n)}" for n in range(1, 4)}
    # ... and each one works as 'show' takes it.
    for incident_id in printed:
        assert main(["--db", str(db), "show", incident_id]) == 0
    capsys.readouterr()


# 6. list --json in bulk, same bytes --------------------------------------------------------


def _per_incident_json(db: Path, query: ListQuery, limit: int = -1) -> str:
    """What ``list --json`` printed before it read in bulk: each row's detail, one by one."""
    reader = Reader.open(db)
    rows = reader.page(query, 0, limit)
    items = []
    for row in rows:
        detail = reader.detail(row.id)
        info = detail.incident if detail else {}
        items.append(output.row_json(row, info.get("description"), info.get("status_raw", "")))
    return output.dump_json(items) + "\n"


def test_list_json_prints_the_same_bytes_as_reading_each_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    no_text = make_incident(3, severity=None, title="Kein Strom im Gebäude – \"Halle 2\"")
    no_text.description = None
    no_text.status_raw = ""
    incidents = [
        make_incident(1, comments=[Comment("c1", "first note", created_at=NOW, author="ana")]),
        make_incident(2, remote="school", kind="kitehouse", status=Status.RESOLVED),
        no_text,
        make_incident(4, title="tab\there, newline\nthere, bell\a", severity=Severity.CRITICAL),
        long_id(5),
        make_incident(6, title="to be deleted"),
    ]
    incidents[3].description = "multi\nline ✓ \u202e text"
    actions = build(db, incidents)
    actions.acknowledge(["ops:r1"])  # pending
    actions.comment("school:r2", "a queued comment")
    actions.delete("ops:r6")  # hidden from the list

    queries = [
        (["list", "--json"], ListQuery(), -1),
        (["list", "--json", "--remote", "ops"], ListQuery(remotes=frozenset({"ops"})), -1),
        (["list", "--json", "--sort", "severity", "--limit", "2"],
         ListQuery(sort=Sort.SEVERITY), 2),
        (["list", "--json", "--search", "Gebäude"], ListQuery(search="Gebäude"), -1),
    ]
    for argv, query, limit in queries:
        assert main(["--db", str(db), *argv]) == 0
        printed = capsys.readouterr().out
        assert printed == _per_incident_json(db, query, limit), argv
        items = json.loads(printed)
        assert all(list(item) == INCIDENT_KEYS for item in items)

    everything = json.loads(_per_incident_json(db, ListQuery()))
    assert [i["id"] for i in everything] == [
        "ops:r1", "school:r2", "ops:r3", "ops:r4", f"status-eu:{uuid.UUID(int=5)}"
    ]
    assert everything[0]["pending"] == 1 and everything[0]["status"] == "acknowledged"
    assert everything[2]["description"] is None and everything[2]["status_raw"] == ""


def test_json_escapes_the_controls_a_terminal_would_obey(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    # An 8-bit CSI (clear the screen), DEL and a right-to-left override: JSON itself only
    # escapes C0 controls.
    title = "csi \x9b2J del \x7f rlo \u202e end"
    build(db, [make_incident(1, title=title)])
    for argv in (["list", "--json"], ["show", "ops:r1", "--json"]):
        assert main(["--db", str(db), *argv]) == 0
        printed = capsys.readouterr().out
        assert "\\u009b2J" in printed and "\\u007f" in printed and "\\u202e" in printed
        assert not any(c in printed for c in "\x9b\x7f\u202e")
        parsed = json.loads(printed)
        # The same text to a script.
        assert (parsed[0] if isinstance(parsed, list) else parsed)["title"] == title


def test_a_damaged_time_in_the_cache_is_null_and_the_rest_is_printed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from incident_tui.ui.screens.export import write_export

    db = tmp_path / "c.db"
    build(db, [make_incident(1, comments=[Comment("c1", "a note", created_at=NOW)]),
               make_incident(2)])
    with sqlite3.connect(db) as conn:
        conn.execute(
            "UPDATE incident SET created_at = 'garbage', "
            "updated_at = '2026-11-22T13:00:00+01:00' WHERE id = 'ops:r1'"
        )
        conn.execute("UPDATE comment SET created_at = 'yesterday'")
    assert main(["--db", str(db), "list", "--json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [(i["id"], i["created_at"], i["updated_at"]) for i in listed] == [
        # Newest first by the stored text, where 'garbage' sorts above every year.
        ("ops:r1", None, "2026-11-22T12:00:00Z"),
        ("ops:r2", "2026-11-22T11:58:00Z", "2026-11-22T11:58:00Z"),
    ]
    assert main(["--db", str(db), "show", "ops:r1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["created_at"] is None and shown["comments"][0]["created_at"] is None
    assert shown["comments"][0]["body"] == "a note"
    assert main(["--db", str(db), "show", "ops:r1"]) == 0
    assert "created   ? (? ago)" in capsys.readouterr().out
    path, count = write_export(db, ListQuery(), "json", tmp_path / "out", lambda: NOW)
    assert count == 2 and json.loads(path.read_text(encoding="utf-8")) == listed


def test_list_json_in_batches_prints_every_time_as_parsing_it_would(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Several batches of incidents, and times in every shape a cache row can hold: the
    canonical one (taken as it is), and others that must be parsed, or are not times."""
    from datetime import datetime

    from incident_tui.domain.mapping import format_time
    from incident_tui.ui.screens.export import write_export

    db = tmp_path / "c.db"
    count = 2 * output.JSON_BATCH + 7
    build(db, [make_incident(n, minutes_ago=n * 7.5) for n in range(1, count + 1)])
    times = [
        "2026-11-22T09:14:00.123456Z",
        "2024-02-29T23:59:59.999999Z",  # a leap day
        "2026-04-31T10:00:00.000000Z",  # no such day
        "2026-11-30T10:00:00.000000Z",
        "0999-01-02T03:04:05.000000Z",  # before year 1000: parsed, not cut
        "2026-11-22T12:30:00+02:00",
        "2026-11-22T10:00:00Z",
        "2026-13-01T00:00:00.000000Z",
        "",
        "not a time",
    ]
    with sqlite3.connect(db) as conn:
        for n, text in enumerate(times, start=1):
            conn.execute("UPDATE incident SET updated_at = ? WHERE id = ?", [text, f"ops:r{n}"])

    def expected(text: str | None) -> str | None:
        try:
            return format_time(datetime.fromisoformat(text)) if text else None
        except ValueError:
            return None

    assert main(["--db", str(db), "list", "--json"]) == 0
    printed = capsys.readouterr().out
    assert printed == _per_incident_json(db, ListQuery())
    items = json.loads(printed)
    assert len(items) == count
    with sqlite3.connect(db) as conn:
        stored = dict(conn.execute("SELECT id, updated_at FROM incident"))
    assert {i["id"]: i["updated_at"] for i in items} == {
        ident: expected(text) for ident, text in stored.items()
    }
    assert [item["updated_at"] for item in items[: len(times)]] == [
        "2026-11-22T09:14:00Z", "2024-02-29T23:59:59Z", None, "2026-11-30T10:00:00Z",
        "0999-01-02T03:04:05Z", "2026-11-22T10:30:00Z", "2026-11-22T10:00:00Z", None, None, None,
    ]
    path, exported = write_export(db, ListQuery(), "json", tmp_path / "out", lambda: NOW)
    assert (path.read_text(encoding="utf-8"), exported) == (printed, count)


def test_list_json_reads_in_a_few_queries_whatever_the_count(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "c.db"
    build(db, [make_incident(n) for n in range(1, 301)])
    statements: list[str] = []
    real_open = Reader.open

    def tracing(path: Path) -> Reader:
        reader = real_open(path)
        reader._conn.set_trace_callback(statements.append)
        return reader

    monkeypatch.setattr(Reader, "open", staticmethod(tracing))
    assert main(["--db", str(db), "list", "--json"]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 300
    reads = [s for s in statements if s.lstrip().upper().startswith("SELECT")]
    assert 0 < len(reads) <= 3, reads


# The id 'create' printed keeps working after the remote took the incident ----------------


def test_the_id_create_printed_still_works_after_a_sync(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with EmulatorServer(make_emulator("revily", sample=0)) as server:
        config = tmp_path / "config.toml"
        write_private(config, revily_remote("oncall", server))
        where = ["--config", str(config), "--db", str(tmp_path / "c.db")]
        assert main([*where, "create", "--remote", "oncall", "--title", "Disk full"]) == 0
        printed = re.search(r"oncall:local-\w+", capsys.readouterr().out)
        assert printed is not None
        local_id = printed.group(0)
        assert main([*where, "sync", "--once"]) == 0
        capsys.readouterr()
        # A script acts on what it kept: the incident has the remote's id now.
        assert main([*where, "ack", local_id]) == 0
        assert local_id not in capsys.readouterr().out  # it says which incident it is now
        assert main([*where, "show", local_id, "--json"]) == 0
        shown = json.loads(capsys.readouterr().out)
        assert shown["id"] != local_id and shown["title"] == "Disk full"
        assert shown["pending"] == 1
        assert main([*where, "sync", "--once"]) == 0
        remote_id = shown["remote_id"]
        assert server.emulator.incident(remote_id)["state"] == "acknowledged"  # type: ignore[attr-defined]


# 7. CSV on a terminal -----------------------------------------------------------------------

HOSTILE_TITLE = "\x1b[31mRED\x1b[0m bell\x07 back\rover"


def _list_csv(db: Path, *, on_terminal: bool) -> str:
    """``list --csv`` in a child process whose standard output is a terminal (a pty) or a
    pipe; what it wrote."""
    import os
    import pty
    import subprocess
    import sys

    command = [sys.executable, "-m", "incident_tui", "--db", str(db), "list", "--csv"]
    if not on_terminal:
        return subprocess.run(command, capture_output=True, timeout=60).stdout.decode()
    leader, follower = pty.openpty()
    try:
        child = subprocess.run(command, stdout=follower, stderr=subprocess.PIPE, timeout=60)
        assert child.returncode == 0, child.stderr
        os.close(follower)
        follower = -1
        return read_all(leader).decode().replace("\r\n", "\n")
    finally:
        os.close(leader)
        if follower >= 0:
            os.close(follower)


def test_csv_on_a_terminal_drops_escape_sequences_and_controls(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    build(db, [make_incident(1, title=HOSTILE_TITLE)])
    shown = _list_csv(db, on_terminal=True)
    assert "RED bell back" in shown
    assert "\x1b" not in shown and "\x07" not in shown and "\r" not in shown
    # Into a file or a pipe the CSV is data, and carries the text as the remote sent it, in
    # one quoted cell (a bare carriage return split the row in two).
    rows = list(csv.reader(io.StringIO(_list_csv(db, on_terminal=False), newline="")))
    assert len(rows) == 2
    assert rows[1][rows[0].index("title")] == HOSTILE_TITLE


def test_warnings_are_printed_as_clean_lines_of_the_command_line(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import logging

    from incident_tui.cli import show_warnings

    show_warnings()
    show_warnings()  # once set up, not twice
    capsys.readouterr()
    logging.getLogger("incident_tui.remote").warning("odd answer from \x1b[2Jthe\u202e remote")
    assert capsys.readouterr().err == "incident-tui: odd answer from the remote\n"


# 8. standard output that cannot take the output ---------------------------------------------

REPO = Path(__file__).resolve().parents[2]


def _run_into(db: Path, args: list[str], stdout: int | None) -> tuple[int, str]:
    """The program in a child process writing into ``stdout`` (a file descriptor; ``None``:
    closed), with its output buffered as into any file; its exit status and stderr."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    env["PYTHONPATH"] = str(REPO)
    child = subprocess.run(
        [sys.executable, "-m", "incident_tui", "--db", str(db), *args],
        stdout=stdout,
        stderr=subprocess.PIPE,
        env=env,
        timeout=60,
        check=False,
        # Started with no standard output at all, as `incident-tui list >&-` is.
        preexec_fn=None if stdout is not None else (lambda: os.close(1)),
    )
    return child.returncode, child.stderr.decode()


@pytest.mark.parametrize(
    "args",
    [
        ["handover"],
        ["handover", "--format", "json"],
        ["list", "--json"],
        ["list"],
        ["outbox", "--json"],
        ["outbox"],  # a line short enough to wait in the buffer until the exit
    ],
)
def test_a_full_disk_under_standard_output_is_one_line(tmp_path: Path, args: list[str]) -> None:
    db = tmp_path / "c.db"
    build(db, [make_incident(1), make_incident(2, status=Status.RESOLVED)])
    with open("/dev/full", "wb") as full:
        status, err = _run_into(db, args, full.fileno())
    assert status == 1
    assert one_line_error(err) == (
        "incident-tui: cannot write to standard output: No space left on device"
    )


def test_closed_standard_output_is_one_line(tmp_path: Path) -> None:
    db = tmp_path / "c.db"
    build(db, [make_incident(1)])
    status, err = _run_into(db, ["list"], None)
    assert status == 1
    assert one_line_error(err) == "incident-tui: cannot write to standard output: it is closed"


@pytest.mark.parametrize("args", [["--version"], ["--help"], ["handover", "--help"]])
def test_help_and_version_into_a_full_disk_are_one_line(tmp_path: Path, args: list[str]) -> None:
    # They print while the arguments are read, before any command runs.
    with open("/dev/full", "wb") as full:
        status, err = _run_into(tmp_path / "c.db", args, full.fileno())
    assert status == 1
    assert one_line_error(err) == (
        "incident-tui: cannot write to standard output: No space left on device"
    )


def test_version_into_a_closed_standard_output_is_one_line(tmp_path: Path) -> None:
    status, err = _run_into(tmp_path / "c.db", ["--version"], None)
    assert status == 1
    assert one_line_error(err) == "incident-tui: cannot write to standard output: it is closed"


def test_create_takes_its_title_and_description_as_the_dialog_does(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A title of zero-width spaces alone was queued and listed empty; spaces around a title
    # were sent, and an empty description was sent as "", where the dialog gives none.
    config = tmp_path / "config.toml"
    with EmulatorServer(make_emulator("aoh_ims", sample=0)) as server:
        write_private(config, f'[[remotes]]\nname = "ops"\nkind = "aoh_ims"\n'
                              f'base_url = "{server.url}"\ntoken = "t"\n')
        where = ["--config", str(config), "--db", str(tmp_path / "c.db")]
        assert main([*where, "create", "--remote", "ops", "--title", "\u200b \u2060"]) == 1
        assert "a new incident needs a title" in capsys.readouterr().err
        assert main([*where, "create", "--remote", "ops", "--title", "  Disk full  ",
                     "--description", ""]) == 0
        capsys.readouterr()
        assert main([*where, "outbox", "--json"]) == 0
        [change] = json.loads(capsys.readouterr().out)
        assert change["payload"]["title"] == "Disk full"
        assert change["payload"]["description"] is None
