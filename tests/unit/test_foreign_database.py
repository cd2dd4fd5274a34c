"""Another program's SQLite file given as the cache (``--db``, ``db =`` in the config) is
refused in one line and left exactly as it was: no tables added, no schema version stamped,
not even its journal mode switched to WAL. An empty SQLite file, or none at all, still becomes
a new cache.

Real SQLite files and the real command line in process; ``sync`` is pointed at a port nobody
answers, since the cache is refused before any request."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.store import db
from tests.conftest import dead_port
from tests.unit.test_cli_outside import one_line_error

REFUSAL = "not an incident-tui cache (another program's database, left as it is); give --db"


def notes_app(path: Path) -> None:
    """Another program's database: one table of its own, no schema version."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.execute("INSERT INTO notes (body) VALUES ('my data')")
    conn.commit()
    conn.close()


def versioned_app(path: Path) -> None:
    """Another program that numbers its schema too, with a version our upgrades know."""
    notes_app(path)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA user_version = 5")
    conn.close()


def files(folder: Path) -> dict[str, bytes]:
    """Every file in ``folder`` and its bytes: what a command left there."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def remote(monkeypatch: pytest.MonkeyPatch) -> None:
    """A configured remote nobody answers, so that ``sync`` gets as far as the cache."""
    config = {"name": "r", "kind": "revily", "base_url": f"http://127.0.0.1:{dead_port()}",
              "token": "t"}
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([config]))


@pytest.mark.parametrize("other", [notes_app, versioned_app], ids=["unversioned", "versioned"])
@pytest.mark.parametrize(
    "argv",
    [["list"], ["show", "r:1"], ["ack", "r:1"], ["outbox"], ["handover"], ["sync", "--once"]],
    ids=lambda argv: argv[0],
)
def test_another_programs_database_is_refused_and_left_as_it_was(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    remote: None,
    other: Callable[[Path], None],
    argv: list[str],
) -> None:
    folder = tmp_path / "theirs"
    folder.mkdir()
    theirs = folder / "notes.sqlite"
    other(theirs)
    before = files(folder)
    assert main(["--db", str(theirs), *argv]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert line == f"incident-tui: {theirs}: {REFUSAL} another file"
    assert files(folder) == before
    conn = sqlite3.connect(theirs)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    conn.close()


def test_the_tui_refuses_another_programs_database_before_it_starts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], remote: None, on_a_terminal: None
) -> None:
    theirs = tmp_path / "notes.sqlite"
    notes_app(theirs)
    before = theirs.read_bytes()
    assert main(["--db", str(theirs)]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        f"incident-tui: {theirs}: {REFUSAL} another file"
    )
    assert theirs.read_bytes() == before


def test_an_empty_sqlite_file_or_an_empty_file_becomes_a_new_cache(tmp_path: Path) -> None:
    emptied = tmp_path / "emptied.db"
    conn = sqlite3.connect(emptied)
    # A valid database with nothing left in it (its header written, unlike a new file).
    conn.execute("CREATE TABLE gone (x)")
    conn.execute("DROP TABLE gone")
    conn.close()
    assert emptied.stat().st_size > 0
    nothing = tmp_path / "nothing.db"
    nothing.touch()
    for path in (emptied, nothing, tmp_path / "missing.db"):
        conn = db.open_db(path)
        assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION
        assert conn.execute("SELECT COUNT(*) FROM incident").fetchone()[0] == 0
        conn.close()
