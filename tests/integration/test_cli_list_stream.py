"""``list`` writes its rows as it makes them: as JSON, CSV or a table, the same text as when
it built the whole text first, but in pieces, so 100,000 incidents no longer take half a
gigabyte. Runs the command line in process over real SQLite files."""

from __future__ import annotations

import io
import json
import sys
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui import output
from incident_tui.cli import main
from incident_tui.domain.model import Incident, Severity, Status
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.store.reader import Reader
from tests.conftest import NOW, make_incident
from tests.integration.conftest import cli
from tests.unit.test_cli_outside import build


def tricky_cache(path: Path, now: datetime) -> Path:
    """A cache of incidents whose text takes every path of the printers: wide characters,
    escape sequences and control characters, quotes, newlines, spreadsheet formulas, no
    severity, a long id, a long title and a queued change; created minutes to a year before
    ``now``, each well inside its age (``5m``, ``3h``, ``2d``, ``3d``, ``1y``)."""
    specs: list[tuple[str, str, Status, Severity | None, timedelta]] = [
        ("ops", "Pump 3 tripped", Status.TRIGGERED, Severity.MAJOR, timedelta(minutes=5.5)),
        ("ops", "配管の漏れ 🔥 in hall B", Status.ACKNOWLEDGED, Severity.CRITICAL,
         timedelta(hours=3.5)),
        ("school", "\x1b[31mRed\x1b[0m alert\x07 in\tlab", Status.RESOLVED, None,
         timedelta(days=3.5)),
        ("school", '=HYPERLINK("http://x.test")', Status.TRIGGERED, Severity.MINOR,
         timedelta(days=400)),
        ("status-eu", 'Two\nlines, a "quote", a comma', Status.ACKNOWLEDGED, Severity.MINOR,
         timedelta(hours=50.5)),
        ("ops", "Long " * 40 + "end", Status.TRIGGERED, Severity.MAJOR, timedelta(minutes=20.5)),
        ("school", "-5 degrees in the freezer", Status.RESOLVED, Severity.CRITICAL,
         timedelta(hours=10.5)),
    ]  # fmt: skip
    kinds = {"ops": "aoh_ims", "school": "kitehouse", "status-eu": "oneuptime"}
    items: list[Incident] = []
    for number, (remote, title, status, severity, ago) in enumerate(specs, start=1):
        item = make_incident(
            number, remote=remote, kind=kinds[remote], title=title, status=status,
            severity=severity,
        )  # fmt: skip
        item.created_at = item.updated_at = now - ago
        items.append(item)
    items[2].description = 'Line one\nLine "two"\r\nthree — ünïcode \x1b[2J'
    items[4].remote_id = "0b6f2c1e-4d7a-4e1b-9a55-3f8e2d9c7a10"
    actions = build(path, items)
    actions.acknowledge(["ops:r6"])  # a queued change: the table marks it with "*"
    return path


def list_output(capsys: pytest.CaptureFixture[str], db: Path, *argv: str) -> str:
    """What ``list`` prints on stdout."""
    return cli(capsys, "--db", str(db), "list", *argv)[0]


def test_json_is_the_same_text_as_the_whole_list_dumped_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tricky_cache(tmp_path / "cache.db", NOW)
    reader = Reader.open(db)
    try:
        for argv, query, limit in [
            ([], ListQuery(), -1),
            (["--limit", "2"], ListQuery(), 2),
            (["--status", "resolved"], ListQuery(statuses=frozenset({Status.RESOLVED})), -1),
            (["--sort", "severity"], ListQuery(sort=Sort.SEVERITY), -1),
            (["--search", "nomatch"], ListQuery(search="nomatch"), -1),
        ]:
            # What ``list --json`` printed before it streamed: every row, then one dump.
            rows = [output.row_json(*row) for row in reader.rows_with_text(query, limit)]
            before = json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
            assert list_output(capsys, db, "--json", *argv) == before, argv
    finally:
        reader.close()
    assert list_output(capsys, db, "--json", "--search", "nomatch") == "[]\n"


CSV_BEFORE = (
    "id,remote,kind,remote_id,ref,title,status,severity,created_at,updated_at,pending\n"
    "ops:r1,ops,aoh_ims,r1,,Pump 3 tripped,triggered,major,2026-11-22T11:54:30Z,"
    "2026-11-22T11:54:30Z,0\n"
    "ops:r6,ops,aoh_ims,r6,," + "Long " * 40 + "end,acknowledged,major,2026-11-22T11:39:30Z,"
    "2026-11-22T12:00:00Z,1\n"
    "ops:r2,ops,aoh_ims,r2,,配管の漏れ 🔥 in hall B,acknowledged,critical,2026-11-22T08:30:00Z,"
    "2026-11-22T08:30:00Z,0\n"
    "school:r7,school,kitehouse,r7,,'-5 degrees in the freezer,resolved,critical,"
    "2026-11-22T01:30:00Z,2026-11-22T01:30:00Z,0\n"
    "status-eu:0b6f2c1e-4d7a-4e1b-9a55-3f8e2d9c7a10,status-eu,oneuptime,"
    '0b6f2c1e-4d7a-4e1b-9a55-3f8e2d9c7a10,,"Two\nlines, a ""quote"", a comma",acknowledged,'
    "minor,2026-11-20T09:30:00Z,2026-11-20T09:30:00Z,0\n"
    "school:r3,school,kitehouse,r3,,\x1b[31mRed\x1b[0m alert\x07 in\tlab,resolved,,"
    "2026-11-19T00:00:00Z,2026-11-19T00:00:00Z,0\n"
    'school:r4,school,kitehouse,r4,,"\'=HYPERLINK(""http://x.test"")",triggered,minor,'
    "2025-10-18T12:00:00Z,2025-10-18T12:00:00Z,0\n"
)
"""``list --csv`` of :func:`tricky_cache` as printed before it streamed (not to a terminal:
the text as stored, formulas quoted)."""

TABLE_BEFORE = """\
ID                                              SEV       STATUS        AGE  P  TITLE
ops:r1                                          major     triggered      5m     Pump 3 tripped
ops:r6                                          major     acknowledged  20m  *  Long Long Long Lon…
ops:r2                                          critical  acknowledged   3h     配管の漏れ 🔥 in h…
school:r7                                       critical  resolved      10h     -5 degrees in the …
status-eu:0b6f2c1e-4d7a-4e1b-9a55-3f8e2d9c7a10  minor     acknowledged   2d     Two lines, a "quot…
school:r3                                       -         resolved       3d     Red alert in lab
school:r4                                       minor     triggered      1y     =HYPERLINK("http:/…
"""
"""``list`` of :func:`tricky_cache` (made just now) on 100 columns as printed before it
streamed: aligned on the widest value of each column, wide characters counted twice, escape
sequences and control characters removed."""


def test_csv_and_table_are_the_same_text_as_before(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("COLUMNS", "100")
    fixed = tricky_cache(tmp_path / "fixed.db", NOW)
    assert list_output(capsys, fixed, "--csv") == CSV_BEFORE
    assert list_output(capsys, fixed, "--csv", "--search", "nomatch") == CSV_BEFORE.split(
        "\n"
    )[0] + "\n"
    # The table says ages, from the clock: incidents made just now have the same ages as when
    # the text above was printed.
    recent = tricky_cache(tmp_path / "recent.db", datetime.now(UTC))
    assert list_output(capsys, recent) == TABLE_BEFORE
    assert list_output(capsys, recent, "--search", "nomatch") == "ID  SEV  STATUS  AGE  P  TITLE\n"


class WriteSizes(io.StringIO):
    """Standard output that notes how long each piece written to it was."""

    def __init__(self) -> None:
        super().__init__()
        self.sizes: list[int] = []

    def write(self, text: str) -> int:
        """Keep ``text`` and note its length."""
        self.sizes.append(len(text))
        return super().write(text)


def many(path: Path, count: int) -> Path:
    """A cache of ``count`` plain incidents."""
    build(path, [make_incident(number) for number in range(1, count + 1)])
    return path


@pytest.mark.parametrize("form", [[], ["--json"], ["--csv"]])
def test_list_writes_its_rows_in_pieces_not_all_at_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: list[str]
) -> None:
    db = many(tmp_path / "cache.db", 3000)
    printed = WriteSizes()
    monkeypatch.setattr(sys, "stdout", printed)
    assert main(["--db", str(db), "list", *form]) == 0
    text = printed.getvalue()
    assert text.count("ops:r") == 3000
    # Before, the whole text was built and then written in one piece.
    assert max(printed.sizes) < len(text) / 4


def test_list_json_does_not_hold_its_whole_text(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = many(tmp_path / "cache.db", 3000)
    argv = ["--db", str(db), "list", "--json"]
    monkeypatch.setattr(sys, "stdout", io.StringIO())
    assert main([*argv, "--limit", "1"]) == 0  # the lazy imports, not measured
    printed = tmp_path / "printed.json"
    with printed.open("w", encoding="utf-8") as file:
        monkeypatch.setattr(sys, "stdout", file)
        tracemalloc.start()
        try:
            assert main(argv) == 0
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    size = printed.stat().st_size
    assert len(json.loads(printed.read_text(encoding="utf-8"))) == 3000
    # Building every row, then the whole text, then printing it took eleven times the text
    # (three now: the rows the cache returns in one list).
    assert peak < 4 * size
