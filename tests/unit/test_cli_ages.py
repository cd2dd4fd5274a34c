"""The command line words ages as the TUI's list does (one formatter for both): ``now``,
``42m``, hours up to 47, then days, then years."""

from __future__ import annotations

from pathlib import Path

from incident_tui import output
from incident_tui.clock import fixed_clock
from incident_tui.domain.query import ListQuery, Sort
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident

AGES = {1: 0.75, 2: 42, 3: 30 * 60, 4: 3 * 24 * 60, 5: 400 * 24 * 60}
"""Incident number to minutes before NOW."""


def cache(path: Path) -> Reader:
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, [make_incident(n, minutes_ago=m) for n, m in AGES.items()], NOW)
    actions.engine.dispose()
    return Reader.open(path)


def test_list_and_show_word_ages_as_the_tui_does(tmp_path: Path) -> None:
    reader = cache(tmp_path / "c.db")
    rows = reader.all_rows(ListQuery(sort=Sort.NEWEST))
    lines = output.rows_table(rows, NOW, width=100).splitlines()[1:]
    ages = {line.split()[0]: line.split()[3] for line in lines}
    assert ages == {"ops:r1": "now", "ops:r2": "42m", "ops:r3": "30h", "ops:r4": "3d",
                    "ops:r5": "1y"}
    shown = {}
    for number in (1, 3):
        detail = reader.detail(f"ops:r{number}")
        assert detail is not None
        shown[number] = next(
            line for line in output.detail_text(detail, NOW).splitlines()
            if line.startswith("created")
        )
    assert shown[1].endswith("(just now)")
    assert shown[3].endswith("(30h ago)")
