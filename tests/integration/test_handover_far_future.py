"""An incident a remote dates years ahead (a wrong clock, a damaged record) is not new this
shift, and the summary says how many it leaves out of every section so (not one a section
takes all the same): through the command line, over the Kitehouse emulator, on the real
clock."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.integration.conftest import Point, Serve, cli


def test_an_incident_dated_years_ahead_is_not_new_this_shift(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    school = serve("kitehouse")
    recent = datetime.now(UTC) - timedelta(hours=1)
    ahead = {"Dated in 9999": datetime(9999, 12, 31, 23, 0, tzinfo=UTC),
             "Dated a week ahead": datetime.now(UTC) + timedelta(days=7)}
    critical = "Critical, dated two days ahead"
    added = {}
    for title, created in {
        "Opened an hour ago": recent, **ahead, critical: datetime.now(UTC) + timedelta(days=2)
    }.items():
        # No priority but for one: an open critical one needs attention whenever it is dated.
        priority = "Critical" if title == critical else None
        row = school.emulator.add(title, priority=priority)  # type: ignore[attr-defined]
        school.emulator.touch(  # type: ignore[attr-defined]
            row["_id"], created_at=created, updated_at=created
        )
        added[title] = f"school:{row['_id']}"
    point(("school", school))
    cli(capsys, "sync", "--once")
    listed = {row["title"] for row in json.loads(cli(capsys, "list", "--json")[0])}
    assert set(added) <= listed  # in the cache, and listed there

    report = json.loads(cli(capsys, "handover", "--format", "json")[0])
    new = report["sections"]["new"]
    assert [item["id"] for item in new["items"]] == [added["Opened an hour ago"]]
    assert new["total"] == 1
    attention = [item["id"] for item in report["sections"]["attention"]["items"]]
    assert attention == [added[critical]]  # listed, so not left out
    assert report["after_end"] == 2  # left out, and counted
    markdown = cli(capsys, "handover")[0]
    assert [title for title in ahead if title in markdown] == [], markdown
    assert critical in markdown
    [line] = [line for line in markdown.splitlines() if line.startswith("- Left out")]
    assert line.startswith("- Left out of every section: 2 incidents dated after this shift's "
                           "end (created or resolved after "), line  # fmt: skip
