"""A cache whose write lock another process keeps (a sync suspended with Ctrl-Z, a
``BEGIN IMMEDIATE`` left open) stops a command that writes with one line saying so, never
SQLAlchemy's traceback; reading goes on meanwhile (WAL), and once the lock is let go the
same command works.

The lock is a real one, taken by another ``sqlite3`` connection on the same file; only the
busy timeout is shortened, so each refusal takes a fraction of a second, not ten."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store import db as store_db
from tests.conftest import make_incident, write_private
from tests.unit.test_cli_outside import build, one_line_error, revily_remote


@contextmanager
def write_locked(path: Path) -> Iterator[None]:
    """Hold the cache's write lock, as another incident-tui in a transaction does (with a
    row written and not committed), until the block ends."""
    holder = sqlite3.connect(path, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")
        holder.execute("UPDATE incident SET title = 'Being rewritten'")
        yield
        holder.execute("ROLLBACK")
    finally:
        holder.close()


@pytest.fixture(autouse=True)
def short_busy_timeout(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait a fifth of a second for a lock instead of ten."""
    monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 0.2)


def busy_line(err: str, db: Path) -> str:
    """The one stderr line of a refusal for a busy cache (no SQL, no SQLAlchemy URL)."""
    line = one_line_error(err)
    assert f"{db}: the cache is busy" in line and "try again" in line, line
    assert "BEGIN" not in line and "sqlalche" not in line and "OperationalError" not in line
    return line


def test_a_change_while_the_cache_is_locked_is_one_line_and_works_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    build(db, [make_incident(1, remote="school", kind="kitehouse")]).engine.dispose()
    with write_locked(db):
        assert main(["--db", str(db), "comment", "school:r1", "-m", "On site"]) == 1
        busy_line(capsys.readouterr().err, db)
        assert main(["--db", str(db), "ack", "school:r1"]) == 1
        busy_line(capsys.readouterr().err, db)
        # Reading does not wait for the writer (WAL): it sees the last committed state.
        assert main(["--db", str(db), "list"]) == 0
        out, err = capsys.readouterr()
        assert "school:r1" in out and "Being rewritten" not in out and err == ""
        assert main(["--db", str(db), "outbox"]) == 0
        assert capsys.readouterr().out == "no queued changes\n"
    # The lock let go: the same command queues its comment, and only it.
    assert main(["--db", str(db), "comment", "school:r1", "-m", "On site"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "outbox", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["incident_id"], row["op"]) == ("school:r1", "comment")


def test_a_sync_while_the_cache_is_locked_is_one_line_and_works_after(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = EmulatorServer(make_emulator("revily", sample=2)).start()
    try:
        config = tmp_path / "config.toml"
        write_private(config, revily_remote("oncall", server))
        db = tmp_path / "cache.db"
        argv = ["--config", str(config), "--db", str(db), "sync", "--once"]
        build(db, []).engine.dispose()
        with write_locked(db):
            assert main(argv) == 1
            busy_line(capsys.readouterr().err, db)
        assert main(argv) == 0
        assert "oncall: ok" in capsys.readouterr().out
    finally:
        server.stop()


async def test_a_background_pass_while_the_cache_is_locked_ends_with_the_busy_line(
    tmp_path: Path,
) -> None:
    from incident_tui.config import Settings
    from incident_tui.sync.engine import SyncEngine
    from incident_tui.sync.events import NullListener, RemoteResult

    class Finished(NullListener):
        """Records the passes that ended, as the TUI's status line hears of them."""

        def __init__(self) -> None:
            self.results: list[RemoteResult] = []

        def remote_finished(self, result: RemoteResult) -> None:
            self.results.append(result)

    server = EmulatorServer(make_emulator("revily", sample=2)).start()
    db = tmp_path / "cache.db"
    build(db, []).engine.dispose()
    listener = Finished()
    remote = server.emulator.remote_config("oncall")
    engine = SyncEngine(Settings(db=db, remotes=[remote]), listener=listener)
    try:
        with write_locked(db):
            report = await engine.sync()
        # The pass ended (the status line stops saying "syncing") with the cache's own
        # line, not an internal error; the next one does the work.
        [result] = listener.results
        assert not result.ok and result.error is not None
        assert "the cache is busy" in result.error and "internal error" not in result.error
        assert report.results == [result]
        assert (await engine.sync()).ok
    finally:
        await engine.aclose()
        server.stop()


def test_the_sync_engines_reads_do_not_wait_for_another_process_writing(tmp_path: Path) -> None:
    from incident_tui.store.actions import Actions
    from incident_tui.store.engine import make_engine
    from incident_tui.sync import outbox, pull_store
    from incident_tui.sync.cli_listener import waiting_changes

    db = tmp_path / "cache.db"
    build(db, [make_incident(1, remote="school", kind="kitehouse")]).engine.dispose()
    Actions.open(db).acknowledge(["school:r1"])
    engine = make_engine(db)
    pull_store.save_remote_state(engine, "school", "kitehouse", cursor="c7")
    try:
        with write_locked(db):
            # Each sees what was committed, not the other process's uncommitted title.
            assert pull_store.remote_state(engine, "school") == ("c7", None)
            assert pull_store.remote_pause(engine, "school", datetime.now(UTC)) is None
            assert pull_store.remote_key(engine, "school:r1") == ("school", "r1")
            [change] = outbox.pending_changes(engine, "school")
            assert change.op.value == "acknowledge"
            cached = outbox.cached(engine, "school:r1")
            assert cached is not None and cached.incident.title != "Being rewritten"
            assert waiting_changes(engine, "school") == (0, 0, 0)
            assert pull_store.rereads(engine, "school") == []
            assert pull_store.unhydrated(engine, "school", 10) == ["r1"]
    finally:
        engine.dispose()


async def test_a_paused_remote_stays_paused_while_another_process_writes(
    tmp_path: Path,
) -> None:
    from incident_tui.clock import to_db
    from incident_tui.config import Settings
    from incident_tui.store.engine import make_engine
    from incident_tui.sync import pull_store
    from incident_tui.sync.engine import SyncEngine

    server = EmulatorServer(make_emulator("revily", sample=2)).start()
    db = tmp_path / "cache.db"
    build(db, []).engine.dispose()
    asked = "HTTP 429: slow down; paused until 09:10:00 as the remote asked"
    writer = make_engine(db)
    until = datetime.now(UTC) + timedelta(minutes=10)
    pull_store.save_remote_state(
        writer, "oncall", "revily", hold_until=to_db(until), last_error=asked
    )
    writer.dispose()
    remote = server.emulator.remote_config("oncall")
    engine = SyncEngine(Settings(db=db, remotes=[remote]))
    try:
        server.emulator.log.clear()
        with write_locked(db):
            report = await engine.sync()
        # The pause is read while the other process writes: the pass says why it sends
        # nothing, as it does with the cache free, not that the cache was busy.
        [result] = report.results
        assert not result.ok and result.error == asked
        assert server.emulator.log == []
    finally:
        await engine.aclose()
        server.stop()


def test_a_change_kept_waiting_for_the_cache_says_so_before_it_gives_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Ten seconds of nothing looked like a hang: a note comes while it still waits.
    from incident_tui import cli_store

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 1.5)
    monkeypatch.setattr(cli_store, "WAIT_NOTE_AFTER", 0.3)
    db = tmp_path / "cache.db"
    build(db, [make_incident(1, remote="school", kind="kitehouse")]).engine.dispose()
    with write_locked(db):
        assert main(["--db", str(db), "comment", "school:r1", "-m", "On site"]) == 1
    err = capsys.readouterr().err
    first, _ = err.split("\n", 1)
    assert first == (
        "incident-tui: waiting for the cache (another incident-tui may be writing to it; "
        "up to 1.5 s)…"
    )
    busy_line(err.split("\n", 1)[1], db)
    # Not said when nothing holds it.
    assert main(["--db", str(db), "comment", "school:r1", "-m", "On site"]) == 0
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "argv",
    [
        ["ack", "school:r1"],
        ["resolve", "school:r1"],
        ["reopen", "school:r1"],
        ["delete", "school:r1", "--yes"],
        ["retry", "1"],
        ["discard", "1"],
        ["conflict", "school:r1", "--keep", "theirs"],
    ],
    ids=lambda argv: argv[0],
)
def test_every_command_that_writes_says_it_waits_for_the_cache(
    argv: list[str],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Status changes waited the whole busy timeout in silence while a comment said why.
    from incident_tui import cli_store

    monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 1.0)
    monkeypatch.setattr(cli_store, "WAIT_NOTE_AFTER", 0.2)
    db = tmp_path / "cache.db"
    build(db, [make_incident(1, remote="school", kind="kitehouse")]).engine.dispose()
    with write_locked(db):
        assert main(["--db", str(db), *argv]) == 1
    first, rest = capsys.readouterr().err.split("\n", 1)
    assert first == (
        "incident-tui: waiting for the cache (another incident-tui may be writing to it; "
        "up to 1 s)…"
    )
    busy_line(rest, db)


def test_show_fresh_kept_waiting_for_the_cache_says_so_before_it_gives_up(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # It read the incident anew and then waited the whole busy timeout in silence to store it.
    from incident_tui import cli_store

    server = EmulatorServer(make_emulator("revily", sample=2)).start()
    try:
        config = tmp_path / "config.toml"
        write_private(config, revily_remote("oncall", server))
        db = tmp_path / "cache.db"
        common = ["--config", str(config), "--db", str(db)]
        assert main([*common, "sync", "--once"]) == 0
        capsys.readouterr()
        assert main([*common, "list", "--json"]) == 0
        first_id = json.loads(capsys.readouterr().out)[0]["id"]
        monkeypatch.setattr(store_db, "BUSY_TIMEOUT", 1.0)
        monkeypatch.setattr(cli_store, "WAIT_NOTE_AFTER", 0.2)
        argv = [*common, "show", first_id, "--fresh"]
        with write_locked(db):
            assert main(argv) == 1
        first, rest = capsys.readouterr().err.split("\n", 1)
        assert first == (
            "incident-tui: waiting for the cache (another incident-tui may be writing to it; "
            "up to 1 s)…"
        )
        busy_line(rest, db)
        # Not said when nothing holds it.
        assert main(argv) == 0
        out, err = capsys.readouterr()
        assert first_id in out and err == ""
    finally:
        server.stop()
