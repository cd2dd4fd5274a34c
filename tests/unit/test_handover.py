"""The shift handover: bucketing on hand-built caches (every boundary the brief names), the
Markdown escaping of hostile remote text, and byte-for-byte determinism."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import fixed_clock, to_db
from incident_tui.domain.handover import Handover, Unsent, assess_remote
from incident_tui.domain.handover_render import dump_json, md_escape, to_json, to_markdown, to_text
from incident_tui.domain.model import Comment, Incident, Severity, Status
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.store.upsert import upsert_incidents
from incident_tui.sync import outbox, pull_store
from tests.conftest import NOW, make_incident

SINCE = NOW - timedelta(hours=12)
HOUR = timedelta(hours=1)


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No colour or Textual switches from the developer's shell leak into these tests."""
    import os

    for name in list(os.environ):
        if name.startswith("TEXTUAL_") or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)


def incident(
    number: int,
    *,
    created: datetime,
    status: Status = Status.TRIGGERED,
    severity: Severity | None = Severity.MINOR,
    updated: datetime | None = None,
    resolved: datetime | None = None,
    remote: str = "ops",
    extra: dict[str, object] | None = None,
    comments: list[Comment] | None = None,
    title: str | None = None,
) -> Incident:
    """A hand-built incident with exactly the times a case needs."""
    item = make_incident(number, remote=remote, status=status, severity=severity, title=title)
    item.created_at = created
    item.updated_at = updated
    item.resolved_at = resolved
    item.extra = extra or {}
    item.comments = comments
    return item


def build(path: Path, incidents: list[Incident]) -> tuple[Actions, Reader]:
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    return actions, Reader.open(path)


def report(reader: Reader, **kwargs: object) -> Handover:
    options: dict[str, object] = {"now": NOW, "hours": 12.0, "stale_hours": 24.0}
    options.update(kwargs)
    return handover_report(reader, **options)  # type: ignore[arg-type]


def ids(h: Handover, key: str) -> list[str]:
    return [item.id for item in h.section(key).items]


# Bucketing ----------------------------------------------------------------------------------


def test_shift_start_is_inclusive(tmp_path: Path) -> None:
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=SINCE),  # exactly N hours ago: this shift
            incident(2, created=SINCE - timedelta(microseconds=1)),  # a hair before: from before
            incident(3, created=NOW),  # now
        ],
    )
    h = report(reader)
    assert ids(h, "new") == ["ops:r1", "ops:r3"]
    assert ids(h, "carried") == ["ops:r2"]
    assert h.section("new").total == 2


def test_times_after_the_shift_end_are_not_in_the_shift(tmp_path: Path) -> None:
    """A remote's clock a little ahead still counts; a date years ahead (a wrong clock, a
    damaged record) is not new, resolved or commented on this shift."""
    from incident_tui.domain.handover import CLOCK_SKEW

    far = datetime(9999, 12, 31, 23, 59, tzinfo=UTC)
    later = NOW + CLOCK_SKEW + timedelta(seconds=1)
    note = Comment("f", "from the future", created_at=far, author="Al")
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW + CLOCK_SKEW),  # a remote's clock a little fast
            incident(2, created=later),
            incident(3, created=datetime(2030, 1, 1, tzinfo=UTC), comments=[note]),
            incident(4, created=far),
            incident(5, created=NOW - HOUR, status=Status.RESOLVED, resolved=far),
            incident(6, created=NOW - HOUR, status=Status.RESOLVED, resolved=NOW + CLOCK_SKEW),
            # Resolved at a time not known, last changed years ahead: not this shift's either.
            incident(7, created=NOW - 50 * HOUR, status=Status.RESOLVED, updated=far),
            incident(8, created=NOW - 50 * HOUR, status=Status.RESOLVED, updated=NOW),
        ],
    )
    h = report(reader)
    assert ids(h, "new") == ["ops:r5", "ops:r6", "ops:r1"]
    assert h.section("new").total == 3
    assert ids(h, "resolved") == ["ops:r6"] and h.section("resolved").total == 1
    assert h.section("resolved").untimed == 1
    assert h.comments == () and h.comment_total == 0
    markdown = to_markdown(h)
    assert "ops:r2" not in markdown and "ops:r4" not in markdown and "2030" not in markdown
    # Left out, and said so: those created or resolved later (not 1 and 6, at the very end),
    # but for 5, new this shift all the same.
    assert h.after_end == 3 and to_json(h)["after_end"] == 3
    assert (
        "- Left out of every section: 3 incidents dated after this shift's end (created or "
        "resolved after 2026-11-22 12:05Z; a remote's clock or record may be wrong)\n"
    ) in markdown


def test_an_incident_dated_ahead_that_a_section_takes_is_not_counted_as_left_out(
    tmp_path: Path,
) -> None:
    """An open critical incident a remote dates two days ahead needs attention all the same:
    it is listed there, and the line of incidents dated after the shift's end leaves it out,
    as it does every other one some section counts."""
    ahead = NOW + 48 * HOUR
    due = to_db(NOW - HOUR)
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=ahead, severity=Severity.CRITICAL),  # needs attention
            incident(2, created=ahead, severity=Severity.MAJOR, updated=NOW - 30 * HOUR),
            incident(3, created=ahead, extra={"next_update": due}),  # judged: overdue
            incident(4, created=ahead),  # open and minor: in no section
            incident(7, created=ahead, severity=None),  # nor with no severity
            incident(5, created=ahead, status=Status.RESOLVED, resolved=NOW - HOUR),  # resolved
            # Resolved ahead: not new, resolved or open, so in no section.
            incident(6, created=NOW - 50 * HOUR, status=Status.RESOLVED, resolved=ahead),
        ],
    )
    h = report(reader)
    assert ids(h, "attention") == ["ops:r1", "ops:r2", "ops:r3"]
    assert ids(h, "stale") == ["ops:r2"]
    assert ids(h, "resolved") == ["ops:r5"]
    assert ids(h, "new") == [] and ids(h, "carried") == []
    assert h.after_end == 3 and to_json(h)["after_end"] == 3
    assert "- Left out of every section: 3 incidents dated after this shift's end" in (
        to_markdown(h)
    )


def test_resolved_this_shift_and_before(tmp_path: Path) -> None:
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 30 * HOUR, status=Status.RESOLVED, resolved=SINCE),
            incident(2, created=NOW - 30 * HOUR, status=Status.RESOLVED, resolved=SINCE - HOUR),
            incident(3, created=NOW - 2 * HOUR, status=Status.RESOLVED, resolved=NOW - HOUR),
        ],
    )
    h = report(reader)
    assert ids(h, "resolved") == ["ops:r1", "ops:r3"]  # in order of resolution
    assert h.section("carried").total == 0  # resolved ones are not "still open"
    assert ids(h, "new") == ["ops:r3"]  # new and resolved within the shift: in both
    markdown = to_markdown(h)
    assert "open for 1h 00m" in markdown


def test_reopened_in_the_shift_as_the_pulls_saw_it(tmp_path: Path) -> None:
    # Pulled resolved, each with the remote's own status word.
    def resolved(number: int, at: datetime) -> Incident:
        item = incident(number, created=NOW - 20 * HOUR, status=Status.RESOLVED, resolved=at,
                        updated=at, severity=Severity.CRITICAL)  # fmt: skip
        return replace(item, status_raw="closed")

    again, early, remapped = resolved(1, NOW - 5 * HOUR), resolved(2, NOW - 16 * HOUR), resolved(
        3, NOW - 5 * HOUR
    )
    actions, reader = build(tmp_path / "c.db", [again, early, remapped, resolved(5, NOW - HOUR)])

    def pulled(item: Incident, at: datetime, raw: str, status: Status = Status.TRIGGERED) -> None:
        """A later pull (at ``at``) finds ``item`` in ``status`` under the word ``raw``."""
        read = replace(item, status=status, status_raw=raw, resolved_at=None,
                       updated_at=at - HOUR, version=f"{item.version}+{raw}")  # fmt: skip
        with session(actions.engine) as s, s.begin():
            upsert_incidents(s, [read], at)

    pulled(again, NOW - 2 * HOUR, "open")  # reopened on the remote in the shift
    pulled(early, NOW - 14 * HOUR, "open")  # reopened before the shift began
    # The same word read as open (a changed status_map): no reopening.
    pulled(remapped, NOW - 2 * HOUR, "closed")
    # A resolution from here that the remote refused, pulled open again: no reopening.
    local = incident(4, created=NOW - 5 * HOUR)
    pulled(local, NOW - 4 * HOUR, "open")
    refused = actions.resolve(["ops:r4"])[0]
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422")
    pulled(local, NOW - 3 * HOUR, "open again")

    h = report(reader)
    assert ids(h, "reopened") == ["ops:r1"]
    item = h.section("reopened").items[0]
    # When the remote last updated it (after the resolution seen here, before the pull).
    assert item.reopened and item.reopened_at == NOW - 3 * HOUR
    marked = {i.id: i.reopened for key in ("attention", "carried") for i in h.section(key).items}
    assert marked == {"ops:r1": True, "ops:r2": False, "ops:r3": False, "ops:r4": False}
    assert "triggered (reopened); opened" in to_markdown(h)
    data = to_json(h)
    assert data["sections"]["reopened"]["items"][0]["reopened_at"] == "2026-11-22T09:00:00Z"
    assert data["sections"]["attention"]["items"][0]["reopened"] is True

    # Reopened here: counted once the remote takes it, and said so until then.
    actions.reopen(["ops:r5"])
    h = report(reader)
    assert (h.section("reopened").total, h.section("reopened").unsent) == (1, 1)
    assert "- Reopened this shift: 1 (and 1 not yet accepted by the remote)" in to_markdown(h)


def test_incidents_with_no_timestamps(tmp_path: Path) -> None:
    epoch = datetime(1970, 1, 1, tzinfo=UTC)  # what a connector stores for a missing time
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=epoch),  # open, never updated: from before, and stale
            incident(2, created=epoch, status=Status.RESOLVED),  # resolved, no time at all
            # resolved at a time not known, updated this shift: left out, and said so
            incident(3, created=epoch, status=Status.RESOLVED, updated=NOW - HOUR),
            incident(4, created=NOW - HOUR),
        ],
    )
    # A row with no creation time at all (the column is text; a broken remote could send "").
    with sqlite3.connect(tmp_path / "c.db") as conn:
        conn.execute("UPDATE incident SET created_at = '', updated_at = NULL WHERE id = 'ops:r4'")
    h = report(reader)
    assert ids(h, "resolved") == [] and h.section("resolved").untimed == 1
    assert ids(h, "new") == []
    assert ids(h, "carried") == ["ops:r4", "ops:r1"]  # unknown creation sorts first
    assert ids(h, "stale") == ["ops:r4", "ops:r1"]
    text = to_text(h)
    assert "opened unknown (time unknown)" in text
    assert to_json(h)["sections"]["carried"]["items"][0]["created_at"] is None


def test_an_update_time_never_stands_in_for_a_resolution_time(tmp_path: Path) -> None:
    """Resolved days ago, commented on this shift, the resolution time not read yet (a
    summary without it): not resolved this shift, counted apart and said so."""
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 300 * HOUR, status=Status.RESOLVED, updated=NOW - HOUR),
            incident(2, created=NOW - 300 * HOUR, status=Status.RESOLVED, updated=SINCE - HOUR),
            incident(3, created=NOW - 5 * HOUR, status=Status.RESOLVED, resolved=NOW - HOUR),
        ],
    )
    h = report(reader)
    assert ids(h, "resolved") == ["ops:r3"]
    assert h.section("resolved").total == 1 and h.section("resolved").untimed == 1
    text = to_markdown(h)
    assert "- Resolved this shift: 1 (and 1 at a time not known yet)" in text
    assert "Not counted: 1 resolved at a time not known yet that changed this shift" in text
    data = to_json(h)
    assert data["counts"]["resolved"] == 1 and data["sections"]["resolved"]["untimed"] == 1
    # An item of the section without a resolution time says so, and its update is no more.
    item = h.section("resolved").items[0]
    bare = replace(item, resolved_at=None, updated_at=NOW - HOUR)
    section = replace(h.section("resolved"), items=(bare,))
    lone = replace(h, sections=tuple(section if s.key == "resolved" else s for s in h.sections))
    stamp = (NOW - HOUR).astimezone(UTC).strftime("%Y-%m-%d %H:%MZ")
    assert f"resolution time not known yet; last update {stamp}" in to_markdown(lone)
    assert f"resolved {stamp}" not in to_markdown(lone)


def test_stale_threshold_is_inclusive(tmp_path: Path) -> None:
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 48 * HOUR, updated=NOW - 24 * HOUR),  # exactly: stale
            incident(2, created=NOW - 48 * HOUR, updated=NOW - 24 * HOUR + timedelta(seconds=1)),
            incident(3, created=NOW - 30 * HOUR),  # never updated: its creation counts
            incident(
                4, created=NOW - 48 * HOUR, status=Status.RESOLVED, resolved=NOW - 40 * HOUR
            ),  # resolved: never stale
        ],
    )
    h = report(reader)
    assert ids(h, "stale") == ["ops:r3", "ops:r1"]  # longest silent first
    assert report(reader, stale_hours=30.0).section("stale").total == 1
    assert "Stale, no update for 30 h: 1" in to_markdown(report(reader, stale_hours=30.0))


def test_overdue_next_update(tmp_path: Path) -> None:
    due = to_db(NOW - HOUR)
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 5 * HOUR, extra={"next_update": due}),
            incident(2, created=NOW - 5 * HOUR, extra={"next_update": to_db(NOW + HOUR)}),
            incident(3, created=NOW - 5 * HOUR, extra={"next_update": None}),
            incident(4, created=NOW - 5 * HOUR, extra={"next_update": to_db(NOW)}),  # due now
            incident(
                5,
                created=NOW - 5 * HOUR,
                status=Status.RESOLVED,
                resolved=NOW - HOUR,
                extra={"next_update": due},
            ),  # resolved: no update owed
            # Unix seconds, as the AOH wire format has it
            incident(6, created=NOW - 5 * HOUR, extra={"next_update": int(NOW.timestamp()) - 60}),
            incident(7, created=NOW - 5 * HOUR, extra={"next_update": "not a time"}),
        ],
    )
    h = report(reader)
    assert ids(h, "attention") == ["ops:r1", "ops:r4", "ops:r6"]
    first = h.section("attention").items[0]
    assert [r.code for r in first.reasons] == ["overdue"]
    assert "update overdue since 2026-11-22 11:00Z" in to_markdown(h)
    assert to_json(h)["sections"]["attention"]["items"][0]["next_update"] == "2026-11-22T11:00:00Z"


def test_open_critical_and_major_need_attention_most_severe_first(tmp_path: Path) -> None:
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 2 * HOUR, severity=Severity.MAJOR),
            incident(2, created=NOW - HOUR, severity=Severity.CRITICAL),
            incident(3, created=NOW - 3 * HOUR, severity=Severity.CRITICAL),
            incident(4, created=NOW - 3 * HOUR, severity=Severity.MINOR),
            incident(5, created=NOW - 3 * HOUR, severity=None),
            incident(
                6,
                created=NOW - 3 * HOUR,
                severity=Severity.CRITICAL,
                status=Status.RESOLVED,
                resolved=NOW - HOUR,
            ),
            incident(7, created=NOW - 3 * HOUR, severity=Severity.CRITICAL, remote="aaa"),
        ],
    )
    h = report(reader)
    # Critical first, oldest first, ties by id ("aaa:r7" < "ops:r3").
    assert ids(h, "attention") == ["aaa:r7", "ops:r3", "ops:r2", "ops:r1"]


def test_conflicts_and_failed_pushes_need_attention(tmp_path: Path) -> None:
    actions, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 50 * HOUR),
            incident(2, created=NOW - 50 * HOUR),
            incident(3, created=NOW - 50 * HOUR, status=Status.RESOLVED, resolved=NOW - 49 * HOUR),
            incident(4, created=NOW - 50 * HOUR),
        ],
    )
    refused = actions.acknowledge(["ops:r1"])[0]
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422: status \x1b[2Jcannot go back")
    contested = actions.comment("ops:r2", "my note")
    outbox.mark_conflict(
        actions.engine, contested.seq, ["title"], {"title": "x"}, None, "title changed remotely"
    )
    # A refusal recorded only in the outbox (e.g. the incident row was re-pulled since).
    reopen = actions.reopen(["ops:r3"])[0]
    outbox.mark_failed(actions.engine, reopen.seq, "reopen not allowed")
    with sqlite3.connect(tmp_path / "c.db") as conn:
        conn.execute("UPDATE incident SET failed = NULL WHERE id = 'ops:r3'")
    actions.acknowledge(["ops:r4"])  # merely queued: not a problem
    h = report(reader)
    assert ids(h, "attention") == ["ops:r1", "ops:r2", "ops:r3"]
    reasons = {i.id: [(r.code, r.detail) for r in i.reasons] for i in h.section("attention").items}
    assert reasons["ops:r1"] == [("failed", "HTTP 422: status \x1b[2Jcannot go back")]
    assert reasons["ops:r2"] == [("conflict", "title changed remotely")]
    assert reasons["ops:r3"] == [("failed", "reopen not allowed")]
    markdown = to_markdown(h)
    assert "push refused: HTTP 422: status cannot go back" in markdown  # sanitised
    assert "conflict: title changed remotely" in markdown
    assert "\x1b" not in markdown and "\x1b" not in dump_json(h)


def test_resolutions_the_remote_lacks_count_as_open_and_are_marked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_tui.store import handover_queries

    actions, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - 50 * HOUR),  # resolved here, queued (remote offline)
            incident(2, created=NOW - 50 * HOUR, severity=Severity.CRITICAL),  # conflict
            incident(3, created=NOW - 50 * HOUR),  # resolved here, refused
            incident(4, created=NOW - 50 * HOUR),  # acknowledged here, queued
            incident(5, created=NOW - 50 * HOUR, status=Status.RESOLVED, resolved=NOW - HOUR),
        ],
    )
    _, contested, refused = actions.resolve(["ops:r1", "ops:r2", "ops:r3"])
    actions.acknowledge(["ops:r4"])
    outbox.mark_conflict(
        actions.engine, contested.seq, ["status"], {"status": "resolved"}, None,
        "acknowledged on the remote",
    )
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422: cannot close")
    for walk in (handover_queries.WALK, 1):  # listed by an index walk, then sorted instead
        monkeypatch.setattr(handover_queries, "WALK", walk)
        h = report(reader)
        # Only the resolution the remote has is resolved this shift.
        assert ids(h, "resolved") == ["ops:r5"]
        assert h.section("resolved").total == 1 and h.section("resolved").unsent == 3
        # The remote has the others open: still open from before, and the critical one
        # needs attention (for its severity and its conflict).
        assert ids(h, "carried") == ["ops:r1", "ops:r2", "ops:r3", "ops:r4"]
        assert ids(h, "attention") == ["ops:r2", "ops:r3"]
        assert [r.code for r in h.section("attention").items[0].reasons] == [
            "critical", "conflict"
        ]
    items = {i.id: i for i in h.section("carried").items}
    assert items["ops:r1"].unsent == Unsent("resolve", "queued")
    assert items["ops:r2"].unsent == Unsent("resolve", "conflict")
    assert items["ops:r3"].unsent == Unsent("resolve", "failed")
    assert items["ops:r4"].unsent == Unsent("acknowledge", "queued")
    assert items["ops:r1"].resolution_unsent and not items["ops:r4"].resolution_unsent

    text = to_text(h)
    assert "- Resolved this shift: 1 (and 3 not yet accepted by the remote)" in text
    assert "Not counted: 3 resolved here that the remote has not accepted yet" in text
    assert "ops:r1: Incident number 1 (resolved here, not yet sent: still open on the " in text
    assert "ops:r2: Incident number 2 (resolved here, not sent (in conflict): still " in text
    assert "ops:r3: Incident number 3 (resolved here, not sent (refused): still open " in text
    assert "ops:r4: Incident number 4 (acknowledged here, not yet sent; opened" in text
    data = to_json(h)
    carried = {i["id"]: i for i in data["sections"]["carried"]["items"]}
    assert carried["ops:r1"]["status"] == "resolved"
    assert carried["ops:r1"]["unsent"] == {"change": "resolve", "state": "queued"}
    assert carried["ops:r2"]["unsent"] == {"change": "resolve", "state": "conflict"}
    assert data["sections"]["resolved"]["items"][0]["unsent"] is None
    assert data["sections"]["resolved"]["unsent"] == 3
    assert data["sections"]["carried"]["unsent"] == 0


def test_unsent_resolutions_in_walked_and_sorted_listings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both ways of listing open incidents find those resolved here only."""
    from incident_tui.store import handover_queries

    actions, reader = build(tmp_path / "c.db", mixed_cache())
    open_ids = ["school:r1", "ops:r3", "school:r4"]  # open ones (see mixed_cache)
    actions.resolve(open_ids)
    walked = report(reader, limit=5)
    monkeypatch.setattr(handover_queries, "WALK", 1)
    sorted_ = report(reader, limit=5)
    assert dump_json(walked) == dump_json(sorted_)
    unsent = {
        i.id
        for s in walked.sections
        for i in s.items
        if i.unsent is not None and i.resolution_unsent
    }
    assert unsent and unsent <= set(open_ids)
    assert walked.section("resolved").unsent == len(open_ids)


def test_sorted_listings_find_unsent_resolutions_by_their_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sorted instead of walked (few open among many), a listing fetches the incidents
    resolved here only by their ids from the outbox: through the status index they were
    every resolved incident of the cache, read to find the few."""
    from incident_tui.store import handover_queries
    from incident_tui.store.report_conditions import OPEN_SCAN

    old = NOW - 50 * HOUR
    resolved = [
        incident(n, created=old, status=Status.RESOLVED, resolved=old + HOUR)
        for n in range(10, 3010)
    ]
    actions, reader = build(
        tmp_path / "c.db",
        [incident(1, created=old, updated=old), incident(2, created=old, updated=old), *resolved],
    )
    actions.resolve(["ops:r1"])  # queued: still open on the remote
    monkeypatch.setattr(handover_queries, "WALK", 1)  # every walk falls short: sort instead
    sorted_listings: list[int] = []
    real = handover_queries._named

    def counted(reader: Reader, sql: str, params: Any) -> Any:
        steps = [0]

        def step() -> int:
            steps[0] += 1
            return 0

        reader._conn.set_progress_handler(step, 1)
        try:
            return real(reader, sql, params)
        finally:
            reader._conn.set_progress_handler(None, 0)
            if "LIMIT :limit" in sql and OPEN_SCAN not in sql and "op = 'resolve'" in sql:
                sorted_listings.append(steps[0])

    monkeypatch.setattr(handover_queries, "_named", counted)
    h = report(reader)
    assert ids(h, "carried") == ["ops:r1", "ops:r2"] and ids(h, "stale") == ["ops:r2"]
    assert len(sorted_listings) == 2  # carried and stale
    # SQLite virtual-machine steps: fewer than the resolved incidents, none of them read.
    assert max(sorted_listings) < len(resolved), sorted_listings


def test_deleted_incidents_are_left_out(tmp_path: Path) -> None:
    actions, reader = build(
        tmp_path / "c.db",
        [incident(1, created=NOW - HOUR, severity=Severity.CRITICAL), incident(2, created=NOW)],
    )
    actions.delete("ops:r1")
    h = report(reader)
    assert ids(h, "new") == ["ops:r2"]
    assert ids(h, "attention") == []


def test_comments_of_the_shift_per_incident(tmp_path: Path) -> None:
    many = [
        Comment(f"m{n}", f"note {n}", created_at=NOW - timedelta(minutes=100 - n), author="Bo")
        for n in range(12)
    ]
    _, reader = build(
        tmp_path / "c.db",
        [
            incident(
                1,
                created=NOW - 50 * HOUR,
                comments=[
                    Comment("a", "before the shift", created_at=SINCE - HOUR, author="Al"),
                    Comment("b", "at the shift start", created_at=SINCE, author="Al"),
                    Comment("c", "no time", created_at=None, author="Al"),
                ],
            ),
            incident(2, created=NOW - 50 * HOUR, comments=many),
        ],
    )
    h = report(reader)
    assert h.comment_total == 13
    assert h.comment_incidents == 2
    # Most recently discussed first.
    assert [t.incident_id for t in h.comments] == ["ops:r2", "ops:r1"]
    busy = h.comments[0]
    assert busy.total == 12 and busy.omitted == 2
    assert [c.body for c in busy.comments] == [f"note {n}" for n in range(2, 12)]
    assert [c.body for c in h.comments[1].comments] == ["at the shift start"]
    assert "(2 earlier comments not shown)" in to_markdown(h)


def test_comment_threads_match_a_plain_count_of_the_comments(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """More incidents discussed than are listed, ties in time, comments before and after the
    shift, a deleted incident and a remote out of the config: the threads, the counts and the
    comments kept are those a plain reading of every comment gives, by either plan."""
    from incident_tui.domain.handover import CLOCK_SKEW
    from incident_tui.store import handover_comments

    until = to_db(NOW + CLOCK_SKEW) or ""

    def comments(n: int) -> list[Comment]:
        # Incidents 3k, 3k+1 and 3k+2 share their latest time (a tie broken by the id); every
        # third has two comments at that same time; some fall before the shift.
        last = NOW - timedelta(minutes=20 * (n // 3))
        found = [
            Comment(f"c{n}-{k}", f"note {k} on {n}", created_at=last - timedelta(minutes=k * 7),
                    author=f"P{k}")
            for k in range(n % 6)
        ]
        if n % 3 == 0:
            found.append(Comment(f"c{n}-same", f"same time on {n}", created_at=last))
        found.append(Comment(f"c{n}-old", "before the shift", created_at=SINCE - HOUR))
        if n % 4 == 0:
            found.append(Comment(f"c{n}-far", "after it", created_at=NOW + 9 * CLOCK_SKEW))
        return found

    path = tmp_path / "c.db"
    actions, reader = build(
        path,
        [
            incident(n, created=NOW - 50 * HOUR, remote=("ops", "school", "gone")[n % 3],
                     comments=comments(n))
            for n in range(1, 25)
        ],
    )
    actions.delete("ops:r6")
    plain: dict[str, list[tuple[Any, ...]]] = {}
    with sqlite3.connect(path) as conn:
        live = {
            ident: title
            for ident, title, remote, deleted in conn.execute(
                "SELECT id, title, remote, deleted_locally FROM incident"
            )
            if not deleted and remote != "gone"
        }
        for row in sorted(
            conn.execute("SELECT incident_id, author, body, created_at, seq FROM comment"),
            key=lambda r: (r[3] or "", r[4]),
        ):
            if row[0] in live and to_db(SINCE) <= (row[3] or "") <= until:
                plain.setdefault(row[0], []).append(row)
    order = sorted(sorted(plain), key=lambda ident: plain[ident][-1][3], reverse=True)
    expected = [
        (ident, live[ident], len(plain[ident]), [(r[1], r[2], r[3]) for r in plain[ident][-3:]])
        for ident in order[:4]
    ]
    assert len(plain) > 4 and any(len(rows) > 3 for rows in plain.values())
    for share in (1, 10**9):  # a scan of every comment, and a walk of the time index
        monkeypatch.setattr(handover_comments, "SCAN_SHARE", share)
        h = report(reader, remotes=["ops", "school"], limit=4, comments_per_incident=3)
        assert h.comment_total == sum(len(rows) for rows in plain.values())
        assert h.comment_incidents == len(plain)
        assert [
            (t.incident_id, t.title, t.total,
             [(c.author, c.body, to_db(c.created_at)) for c in t.comments])
            for t in h.comments
        ] == expected


def test_stale_cache_is_said_explicitly(tmp_path: Path) -> None:
    actions, reader = build(tmp_path / "c.db", [incident(1, created=NOW - HOUR, remote="school")])
    pull_store.save_remote_state(
        actions.engine, "fresh", "revily", state="ok", last_ok_at=to_db(NOW - HOUR)
    )
    pull_store.save_remote_state(
        actions.engine,
        "old",
        "oneuptime",
        state="offline",
        last_ok_at=to_db(SINCE - HOUR),
        last_error="connection refused",
    )
    pull_store.save_remote_state(
        actions.engine, "broken", "fourhse", state="failing", last_error="HTTP 401"
    )
    h = report(reader, remotes=["configured", "fresh", "old", "broken"])
    freshness = {r.name: r for r in h.remotes}
    assert list(freshness) == ["broken", "configured", "fresh", "old", "school"]
    assert not freshness["fresh"].stale
    assert freshness["old"].stale and "before this shift began" in freshness["old"].note
    assert "last attempt offline: connection refused" in freshness["old"].note
    assert freshness["broken"].stale and freshness["broken"].note.startswith("never synced")
    assert freshness["configured"].stale  # configured, never synced, no row at all
    assert freshness["school"].kind == "aoh_ims"  # known only from its cached incidents
    # ... and no longer configured: its incident is left out, and the summary says so.
    assert freshness["school"].stale and not freshness["school"].configured
    assert freshness["school"].note == (
        "no longer in the config, and never synced successfully; its 1 cached incident is "
        "left out of this summary"
    )
    assert h.section("new").total == 0
    markdown = to_markdown(h)
    assert (
        "**Warning:** Data from old may be out of date: last successful sync "
        "2026-11-21 23:00Z (13h 00m ago), before this shift began" in markdown
    )
    assert "**Warning:** Data from configured may be out of date: never synced" in markdown
    assert "Data from fresh" not in markdown
    assert "**Warning:** school is no longer in the config, and never synced" in markdown
    assert to_json(h)["warnings"] == h.warnings
    assert len(h.warnings) == 4


def freshness(state: str, last_ok: timedelta | None, error: str | None = None) -> Any:
    """How :func:`assess_remote` judges a remote in this state, its last successful sync
    ``last_ok`` before NOW, for a 12 h shift."""
    return assess_remote(
        name="ops", kind="aoh_ims", state=state,
        last_ok_at=None if last_ok is None else NOW - last_ok,
        last_error=error, queued=0, blocked=0, since=SINCE, now=NOW,
    )


def test_a_remote_is_stale_once_its_sync_fails_or_is_over_an_hour_old() -> None:
    # Offline for the last 11 h of the shift: before, only a sync before the shift counted.
    offline = freshness("offline", 11 * HOUR, "connection refused")
    assert offline.stale
    assert offline.note == (
        "last successful sync 2026-11-22 01:00Z (11h 00m ago), more than 1 h before this "
        "summary; last attempt offline: connection refused"
    )
    # A failed last attempt, however recent the last success: what it missed is unknown.
    failing = freshness("failing", timedelta(minutes=5), "HTTP 503: try again later.")
    assert failing.stale
    assert failing.note == (
        "synced 2026-11-22 11:55Z (5m ago); last attempt failing: HTTP 503: try again later"
    )
    # Syncing well, but not for two hours (nothing synced it since): out of date too.
    idle = freshness("ok", 2 * HOUR)
    assert idle.stale and idle.note.endswith("(2h 00m ago), more than 1 h before this summary")
    # Within the hour (the boundary included) and its last attempt good: current.
    assert not freshness("ok", HOUR).stale
    assert not freshness("ok", timedelta(minutes=1)).stale
    assert freshness("ok", 13 * HOUR).note.endswith("before this shift began")


def test_a_remote_offline_within_the_shift_is_warned_about(tmp_path: Path) -> None:
    actions, reader = build(tmp_path / "c.db", [incident(1, created=NOW - HOUR)])
    pull_store.save_remote_state(
        actions.engine, "ops", "aoh_ims", state="offline", last_ok_at=to_db(NOW - 11 * HOUR),
        last_error="connection refused",
    )
    h = report(reader, remotes=["ops"])
    assert h.warnings == [
        "Data from ops may be out of date: last successful sync 2026-11-22 01:00Z (11h 00m "
        "ago), more than 1 h before this summary; last attempt offline: connection refused."
    ]
    assert h.brief_warnings == ["Data from ops may be out of date: offline, synced 11h ago"]
    assert to_json(h)["warnings"] == h.warnings


def test_a_remote_taken_out_of_the_config_is_left_out_and_said_so(tmp_path: Path) -> None:
    old_comment = Comment("k1", "Handed to the vendor", created_at=NOW - HOUR, author="Al")
    actions, reader = build(
        tmp_path / "c.db",
        [
            incident(1, created=NOW - HOUR, remote="ops"),
            # Days old: open, critical, commented on in the shift, with a refused change.
            incident(2, created=NOW - 5 * HOUR, remote="old", severity=Severity.CRITICAL,
                     comments=[old_comment]),
            incident(3, created=NOW - 50 * HOUR, remote="old", extra={"next_update": to_db(SINCE)}),
        ],
    )
    refused = actions.acknowledge(["old:r3"])[0]
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422")
    for name, kind in (("ops", "aoh_ims"), ("old", "aoh_ims")):
        pull_store.save_remote_state(
            actions.engine, name, kind, state="ok",
            last_ok_at=to_db(NOW - (5 * 24 * HOUR if name == "old" else HOUR / 2)),
        )
    h = report(reader, remotes=["ops"])
    assert [ids(h, key) for key in ("attention", "new", "resolved", "carried", "stale")] == [
        [], ["ops:r1"], [], [], []
    ]
    assert h.counts == {
        "attention": 0, "new": 1, "resolved": 0, "reopened": 0, "carried": 0, "stale": 0,
        "comments": 0,
    }
    assert h.comments == ()
    note = (
        "no longer in the config, so not synced since 2026-11-17 12:00Z (5d 00h ago); its 2 "
        "cached incidents are left out of this summary"
    )
    assert h.warnings == [f"old is {note}."]
    assert h.brief_warnings == ["old is no longer in the config: left out, synced 5d ago"]
    markdown = to_markdown(h)
    assert f"- **LEFT OUT** old (aoh\\_ims): {note}; 1 local change queued (1 refused" in markdown
    [old] = [r for r in to_json(h)["remotes"] if r["name"] == "old"]
    assert old["stale"] is True and old["configured"] is False and old["note"] == note
    # Without a config to go by, every remote in the cache counts.
    assert ids(report(reader), "attention") == ["old:r2", "old:r3"]


def test_an_unsynced_empty_cache_says_so(tmp_path: Path) -> None:
    _, reader = build(tmp_path / "c.db", [])
    h = report(reader)
    assert h.warnings == [
        "No remote has synced into this cache: the summary is empty or local only."
    ]
    assert all(s.total == 0 for s in h.sections)
    assert "None." in to_markdown(h)


def test_sections_are_capped_but_counts_are_exact(tmp_path: Path) -> None:
    _, reader = build(
        tmp_path / "c.db",
        [incident(n, created=NOW - timedelta(minutes=n)) for n in range(1, 8)],
    )
    h = report(reader, limit=3)
    new = h.section("new")
    assert new.total == 7 and len(new.items) == 3 and new.omitted == 4
    assert ids(h, "new") == ["ops:r7", "ops:r6", "ops:r5"]
    assert "- ... and 4 more" in to_markdown(h)
    assert to_json(h)["sections"]["new"]["omitted"] == 4


def test_hours_must_be_positive(tmp_path: Path) -> None:
    _, reader = build(tmp_path / "c.db", [])
    with pytest.raises(ValueError, match="hours must be positive"):
        report(reader, hours=0.0)
    with pytest.raises(ValueError, match="stale_hours must be positive"):
        report(reader, stale_hours=-1.0)


# Escaping -----------------------------------------------------------------------------------

HOSTILE = [
    "[@click=app.quit]x[/]",
    "\x1b[2J\x1b]52;c;ZXZpbA==\x07wiped",
    "**bold** and _em_ and `code`",
    "<script>alert(1)</script>",
    "# heading",
    "[link](https://evil.example) ![img](x.png)",
    "@channel | table | ~~strike~~ &amp; \u202eevil",
    "line one\nline two\r\n- item",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_md_escape_neutralises_hostile_text(text: str) -> None:
    from markdown_it import MarkdownIt

    escaped = md_escape(text)
    assert "\n" not in escaped and "\x1b" not in escaped and "\u202e" not in escaped
    html = MarkdownIt("commonmark").enable("table").enable("strikethrough").render("- " + escaped)
    # Rendered, it is one list item of plain text: no markup survived.
    for tag in ("<a", "<img", "<strong", "<em", "<code", "<h1", "<script", "<s>", "<table"):
        assert tag not in html, (text, html)
    assert html.count("<li>") == 1


def test_md_escape_reads_the_same_once_rendered() -> None:
    from markdown_it import MarkdownIt

    html = MarkdownIt("commonmark").render(md_escape("**bold** [x] <b> #1 @all"))
    assert html == "<p>**bold** [x] &lt;b&gt; #1 @all</p>\n"


@pytest.mark.parametrize("text", ["1. Floor flooded", "2) Lift stuck", "1.1.1.1 unreachable"])
def test_md_escape_of_a_leading_number_reads_the_same_once_rendered(text: str) -> None:
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark")
    # Neither a numbered list where it starts a line, nor a stray backslash where it follows
    # an incident's id (a backslash before a digit is no escape, and shows).
    assert md.render(md_escape(text)) == f"<p>{text}</p>\n"
    assert md.render(f"- ops:r1: {md_escape(text)}") == f"<ul>\n<li>ops:r1: {text}</li>\n</ul>\n"


def test_hostile_titles_and_comments_in_the_whole_report(tmp_path: Path) -> None:
    from markdown_it import MarkdownIt

    hostile = [
        incident(
            n,
            created=NOW - timedelta(minutes=n),
            severity=Severity.CRITICAL,
            title=text,
            comments=[Comment(f"c{n}", text, created_at=NOW - HOUR, author=text)],
        )
        for n, text in enumerate(HOSTILE, start=1)
    ]
    _, reader = build(tmp_path / "c.db", hostile)
    markdown = to_markdown(report(reader))
    assert "\x1b" not in markdown and "\u202e" not in markdown
    assert "[@click" not in markdown and "**bold**" not in markdown
    assert "<script>" not in markdown
    html = MarkdownIt("commonmark").render(markdown)
    for tag in ("<a", "<img", "<em", "<code", "<script", "<h3", "<h4"):
        assert tag not in html
    # Every heading is ours: one title and the fixed section headings.
    assert html.count("<h1>") == 1
    assert html.count("<h2>") == 9
    text = to_text(report(reader))
    assert "[@click=app.quit]x[/]" in text  # the plain form keeps the text, minus controls
    assert "\x1b" not in text


# Determinism --------------------------------------------------------------------------------


def mixed_cache() -> list[Incident]:
    """A little of everything, with ties on every sort key."""
    items: list[Incident] = []
    for n in range(1, 41):
        created = NOW - timedelta(hours=(n * 7) % 60)  # many incidents share a time
        status = (Status.TRIGGERED, Status.ACKNOWLEDGED, Status.RESOLVED)[n % 3]
        severity = (Severity.CRITICAL, Severity.MAJOR, Severity.MINOR, None)[n % 4]
        items.append(
            incident(
                n,
                created=created,
                status=status,
                severity=severity,
                remote=("ops", "school", "plant")[n % 3],
                updated=created + HOUR if n % 5 else None,
                resolved=created + 2 * HOUR if status is Status.RESOLVED else None,
                extra={"next_update": to_db(NOW - HOUR)} if n % 7 == 0 else None,
                comments=[
                    Comment(f"k{n}-{k}", f"comment {k}", created_at=NOW - 2 * HOUR, author="Cy")
                    for k in range(n % 4)
                ],
            )
        )
    return items


def test_same_cache_and_clock_give_the_same_bytes(tmp_path: Path) -> None:
    renders: list[tuple[str, str, str]] = []
    for name, order in (("a.db", 1), ("b.db", -1)):
        # The second cache gets the same incidents inserted in the opposite order.
        _, reader = build(tmp_path / name, mixed_cache()[::order])
        h = report(reader)
        renders.append((to_markdown(h), dump_json(h), to_text(h)))
        again = report(reader)
        assert (to_markdown(again), dump_json(again)) == renders[-1][:2]
    assert renders[0] == renders[1]
    data = json.loads(renders[0][1])
    assert list(data) == [
        "generated_at",
        "since",
        "hours",
        "stale_hours",
        "warnings",
        "counts",
        "after_end",
        "sections",
        "comments",
        "remotes",
    ]
    assert data["hours"] == 12 and data["since"] == "2026-11-22T00:00:00Z"
    assert list(data["counts"]) == [
        "attention", "new", "resolved", "reopened", "carried", "stale", "comments"
    ]


def test_index_walks_and_their_fallback_agree(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Listings walk an index when matches are dense, else sort; both give the same report."""
    from incident_tui.store import handover_queries

    _, reader = build(tmp_path / "c.db", mixed_cache())
    walked = report(reader, limit=5)
    monkeypatch.setattr(handover_queries, "WALK", 1)  # every walk falls short: sort instead
    sorted_ = report(reader, limit=5)
    monkeypatch.setattr(handover_queries, "WALK", 10**9)  # always walk, never fall back
    long_walk = report(reader, limit=5)
    assert to_markdown(walked) == to_markdown(sorted_) == to_markdown(long_walk)
    assert dump_json(walked) == dump_json(sorted_)


def test_positive_hours_for_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    from incident_tui.cli import main
    from incident_tui.domain.handover import positive_hours

    assert positive_hours("12") == 12.0 and positive_hours("0.5") == 0.5
    for bad in ("0", "-3", "nan", "inf", "twelve"):
        with pytest.raises(ValueError, match=f"positive number, not '{bad}'"):
            positive_hours(bad)
        with pytest.raises(SystemExit) as exit_info:
            main(["handover", "--hours", bad])
        assert exit_info.value.code == 2
        assert capsys.readouterr().err.splitlines()[-1] == (
            f"incident-tui handover: error: argument --hours: hours must be a positive "
            f"number, not '{bad}'"
        )
