"""A description the remote's listing rows leave out is "not loaded yet" until the full
record is read, never "none": what each kind's listing lacks, how a cached row says so, and
how ``show`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.domain.capabilities import (
    DESCRIPTION_UNREAD,
    KIND_CAPABILITIES,
    LISTED_WITHOUT_DESCRIPTION,
    description_unread,
)
from incident_tui.remote.base import connector_class
from incident_tui.store.engine import make_engine, session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident


@pytest.mark.parametrize("kind", sorted(KIND_CAPABILITIES))
def test_the_kinds_listed_without_description_are_those_whose_summaries_lack_it(
    kind: str,
) -> None:
    lacks = "description" in connector_class(kind).summary_gaps.fields
    assert lacks == (kind in LISTED_WITHOUT_DESCRIPTION)


def test_only_an_empty_description_never_read_is_unread(tmp_path: Path) -> None:
    summary = make_incident(1, remote="school", kind="kitehouse")
    summary.description = None  # a list row: no comments, no description
    described = make_incident(2, remote="school", kind="kitehouse")
    full = make_incident(3, remote="school", kind="kitehouse", comments=[])
    full.description = None  # read in full: it has none
    other = make_incident(4)
    other.description = None  # AOH IMS rows carry the description: it has none
    engine = make_engine(tmp_path / "cache.db")
    with session(engine) as s, s.begin():
        upsert_incidents(s, [summary, described, full, other], NOW)
    engine.dispose()
    reader = Reader.open(tmp_path / "cache.db")
    unread = {}
    for incident in (summary, described, full, other):
        detail = reader.detail(incident.id)
        assert detail is not None
        unread[incident.remote_id] = description_unread(detail.incident)
    reader.close()
    assert unread == {"r1": True, "r2": False, "r3": False, "r4": False}


def test_show_says_a_description_never_read_is_not_loaded_yet(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    summary = make_incident(1, remote="school", kind="kitehouse")
    summary.description = None  # a list row
    full = make_incident(2, remote="school", kind="kitehouse", comments=[])
    full.description = None  # read in full: it has none
    db = tmp_path / "cache.db"
    engine = make_engine(db)
    with session(engine) as s, s.begin():
        upsert_incidents(s, [summary, full], NOW)
    engine.dispose()
    assert main(["--db", str(db), "show", "school:r1"]) == 0
    out = capsys.readouterr().out
    unread = DESCRIPTION_UNREAD.format(when="by show --fresh")
    assert out.endswith(f"\n\nDescription:\n  {unread}\n")
    assert unread.startswith("Not loaded yet: it is read from the remote")
    # JSON keeps the cached value: null, as interface.md's shape has it.
    assert main(["--db", str(db), "show", "school:r1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["description"] is None
    assert main(["--db", str(db), "show", "school:r2"]) == 0
    assert "Description" not in capsys.readouterr().out
