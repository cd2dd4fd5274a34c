"""A damaged cache (cut short, overwritten, not a database at all, a folder) stops a command
with one line saying what is wrong in words and what to do, exit status 1, and is left
exactly as it was: moving it aside is the user's call (it may hold queued changes).

Real cache files, damaged the way a crash, a full disk or a wrong ``--db`` leaves them, and
the real command line in process."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from incident_tui.cli import main
from tests.conftest import make_incident
from tests.unit.test_cli_outside import build, one_line_error

ID = "school:r1"
MOVE_ASIDE = (
    "move it aside or delete it: the next sync fills a new cache from the remotes, "
    "but changes still queued in it would be lost"
)


def cut_short(db: Path) -> None:
    """Keep the first third of the file, as a copy stopped part way does."""
    db.write_bytes(db.read_bytes()[: db.stat().st_size // 3])


def overwritten_table(db: Path) -> None:
    """Fill the incident table's first page with junk: the file opens, the table does not
    read (a write that went astray)."""
    conn = sqlite3.connect(db)
    size = conn.execute("PRAGMA page_size").fetchone()[0]
    root = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = 'incident'").fetchone()
    conn.close()
    with db.open("r+b") as file:
        file.seek((root[0] - 1) * size)
        file.write(b"\xa5" * size)


def random_bytes(db: Path) -> None:
    """Random bytes where the cache was."""
    db.write_bytes(random.Random(7).randbytes(200_000))


def some_text(db: Path) -> None:
    """Another file given as ``--db`` by mistake."""
    db.write_text("[[remotes]]\nname = 'school'\n")


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    """A real, closed cache holding one incident, in a folder of its own."""
    db = tmp_path / "cache" / "cache.db"
    build(db, [make_incident(1, remote="school", kind="kitehouse")]).engine.dispose()
    return db


def contents(db: Path) -> tuple[bytes, bytes]:
    """The cache's bytes, and those of its WAL file (none when absent or empty): what a
    command wrote to it. The -shm file is only the connections' shared index of the WAL."""
    wal = db.with_name(db.name + "-wal")
    return db.read_bytes(), wal.read_bytes() if wal.exists() else b""


@pytest.mark.parametrize(
    ("damage", "commands", "wanted"),
    [
        (cut_short, [["list"], ["ack", ID]],
         "the cache is damaged (database disk image is malformed); " + MOVE_ASIDE),
        # The file opens: only the command that reaches the page meets the damage, the
        # reader's as the writers'.
        (overwritten_table, [["ack", ID], ["comment", ID, "-m", "On site"], ["list"],
                             ["show", ID]],
         "the cache is damaged (database disk image is malformed); " + MOVE_ASIDE),
        (random_bytes, [["list"], ["ack", ID]],
         "cannot open the cache: not an incident-tui cache, or a damaged one (file is not a "
         "database); give --db another file, or if it is the cache " + MOVE_ASIDE),
        (some_text, [["list"]], "not an incident-tui cache, or a damaged one"),
    ],
    ids=["cut short", "overwritten table", "random bytes", "text"],
)
def test_a_damaged_cache_says_what_is_wrong_and_what_to_do_and_stays_as_it_was(
    cache: Path,
    capsys: pytest.CaptureFixture[str],
    damage: Callable[[Path], None],
    commands: list[list[str]],
    wanted: str,
) -> None:
    damage(cache)
    before = contents(cache)
    for command in commands:
        assert main(["--db", str(cache), *command]) == 1
        line = one_line_error(capsys.readouterr().err)
        assert line.startswith(f"incident-tui: {cache}: "), line
        assert wanted in line, line
        assert "sqlalche" not in line and "[SQL" not in line
    assert contents(cache) == before


def test_a_folder_given_as_the_cache_says_it_is_a_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "cache.db"
    folder.mkdir()
    for command in (["list"], ["ack", ID]):
        assert main(["--db", str(folder), *command]) == 1
        line = one_line_error(capsys.readouterr().err)
        assert line == (
            f"incident-tui: {folder} is a folder, not a cache file; give --db the path of a "
            "file (it is created if missing)"
        )
    assert list(folder.iterdir()) == []


def test_a_cache_under_a_file_names_the_file_in_the_way(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = tmp_path / "notes.txt"
    taken.write_text("mine")
    for cache in (taken / "cache.db", taken / "a" / "b" / "cache.db"):
        assert main(["--db", str(cache), "list"]) == 1
        line = one_line_error(capsys.readouterr().err)
        assert line == (
            f"incident-tui: {cache}: cannot create the cache folder: "
            f"{taken} is a file, not a folder"
        )
    assert taken.read_text() == "mine"
