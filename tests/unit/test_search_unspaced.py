"""Search within text written without spaces (Chinese, Japanese, Thai, emoji) on a real cache:
the full-text index takes a run of such characters for one word, so only its start was found."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Comment, Status
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from tests.conftest import NOW, make_incident


@pytest.fixture
def reader(tmp_path: Path) -> Reader:
    path = tmp_path / "cache.db"
    actions = Actions.open(path, clock=fixed_clock(NOW))
    incidents = [make_incident(n) for n in range(1, 6)]
    incidents[0].title = "Pump wide中文🔥 leaking"
    incidents[1].description = "ปั๊มน้ำรั่วที่ชั้นสอง"
    incidents[2].comments = [Comment("c1", "ポンプが停止しました")]
    incidents[3].title = "한국어를 pump"
    incidents[3].status = Status.RESOLVED
    incidents[4].title = "wide中x"
    incidents[1].title = "Floor 1️⃣ flooded"
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    return Reader.open(path)


@pytest.mark.parametrize(
    ("text", "ids"),
    [
        ("中文", ["ops:r1"]),  # inside a word, in the title
        ("文🔥", ["ops:r1"]),
        ("🔥", ["ops:r1"]),  # a symbol the index keeps no word of
        ("WIDE中", ["ops:r1", "ops:r5"]),  # letters of ASCII in any case, as any search
        ("น้ำ", ["ops:r2"]),  # Thai, in the description
        ("停止", ["ops:r3"]),  # Japanese, in a comment
        ("한국어 pump", ["ops:r4"]),  # not the last word, so not a prefix
        ("中文 leak", ["ops:r1"]),  # with a word of the index
        ("中文 number", []),  # both must be there
        ("pump 中文 wide", ["ops:r1"]),
        ("中_", []),  # LIKE's wildcards are only characters here
        ("中%", []),
        ("文中", []),
        ("1️⃣", ["ops:r2"]),  # a keycap emoji: a digit and two marks, not the digit alone
    ],
)
def test_a_term_without_spaces_is_found_anywhere_in_the_text(
    reader: Reader, text: str, ids: list[str]
) -> None:
    query = ListQuery(search=text)
    assert sorted(r.id for r in reader.all_rows(query)) == ids
    assert reader.count(query) == len(ids)


def test_such_a_term_keeps_to_the_filters(reader: Reader) -> None:
    assert reader.count(ListQuery(search="한국어", statuses=frozenset({Status.RESOLVED}))) == 1
    assert reader.count(ListQuery(search="中文", statuses=frozenset({Status.RESOLVED}))) == 0
    assert reader.count(ListQuery(search="中", remotes=frozenset({"ops"}))) == 2
