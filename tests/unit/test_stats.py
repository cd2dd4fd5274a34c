"""Dashboard figures: windows and buckets, the SQL aggregations on a hand-built cache (with the
list's filters), durations, and the cross-check against Kitehouse's ``/dashboard``."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Incident, Severity, Status
from incident_tui.domain.query import ListQuery
from incident_tui.domain.stats import (
    Window,
    bucket_key,
    bucket_label,
    bucket_starts,
    check_days,
    compare_dashboard,
    format_duration,
)
from incident_tui.store.actions import Actions
from incident_tui.store.engine import session
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.store.stats_queries import daily_counts, dashboard_data
from incident_tui.store.upsert import upsert_incidents
from incident_tui.sync import outbox
from tests.conftest import NOW, make_incident

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _plain_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("TEXTUAL_") or name == "NO_COLOR":
            monkeypatch.delenv(name, raising=False)


def incident(
    number: int,
    created: datetime,
    *,
    remote: str = "ops",
    status: Status = Status.TRIGGERED,
    severity: Severity | None = Severity.MINOR,
    acked: datetime | None = None,
    resolved: datetime | None = None,
) -> Incident:
    item = make_incident(number, remote=remote, status=status, severity=severity)
    item.created_at = created
    item.updated_at = created
    item.acknowledged_at = acked
    item.resolved_at = resolved
    return item


def build(path: Path, incidents: list[Incident]) -> tuple[Actions, Reader]:
    actions = Actions.open(path, clock=fixed_clock(NOW))
    with session(actions.engine) as s, s.begin():
        upsert_incidents(s, incidents, NOW)
    return actions, Reader.open(path)


# Windows and buckets ------------------------------------------------------------------------


def test_buckets_end_with_the_current_partial_one() -> None:
    now = datetime(2026, 11, 22, 12, 34, 56, tzinfo=UTC)
    hours = bucket_starts(Window.DAY, now)
    assert len(hours) == 24
    assert hours[-1] == datetime(2026, 11, 22, 12, tzinfo=UTC)
    assert hours[0] == datetime(2026, 11, 21, 13, tzinfo=UTC)
    days = bucket_starts(Window.WEEK, now)
    assert [bucket_key(d, False) for d in days][-2:] == ["2026-11-21", "2026-11-22"]
    assert len(bucket_starts(Window.MONTH, now)) == 30
    assert bucket_key(hours[-1], True) == "2026-11-22T12"
    assert bucket_label(hours[-1], True) == "12h" and bucket_label(days[-1], False) == "11-22"
    assert Window.DAY.next() is Window.WEEK and Window.MONTH.next() is Window.DAY


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "-"),
        (-5, "0s"),
        (59.4, "59s"),
        (60, "1m"),
        (3599, "59m"),
        (3600, "1h 00m"),
        (47 * 3600 + 59 * 60, "47h 59m"),
        (48 * 3600, "2d 00h"),
        (50 * 3600 + 30 * 60, "2d 02h"),
    ],
)
def test_format_duration(seconds: float | None, text: str) -> None:
    assert format_duration(seconds) == text


# SQL aggregations ---------------------------------------------------------------------------


@pytest.fixture
def cache(tmp_path: Path) -> tuple[Actions, Reader]:
    return build(
        tmp_path / "c.db",
        [
            # opened this hour and 3 hours ago; one exactly at a bucket boundary
            incident(1, NOW - 10 * MINUTE, severity=Severity.CRITICAL),
            incident(
                2,
                NOW - 3 * HOUR,
                severity=Severity.MAJOR,
                remote="school",
                status=Status.ACKNOWLEDGED,
                acked=NOW - 3 * HOUR + 10 * MINUTE,
            ),
            incident(
                3,
                datetime(2026, 11, 22, 9, tzinfo=UTC),
                status=Status.RESOLVED,
                acked=datetime(2026, 11, 22, 9, 30, tzinfo=UTC),
                resolved=datetime(2026, 11, 22, 11, tzinfo=UTC),
            ),
            # opened before the 24h window, resolved inside it
            incident(
                4,
                NOW - 30 * HOUR,
                status=Status.RESOLVED,
                severity=None,
                acked=NOW - 29 * HOUR,
                resolved=NOW - 2 * HOUR,
            ),
            # the window's first instant and one microsecond before it
            incident(5, datetime(2026, 11, 21, 13, tzinfo=UTC), severity=None),
            incident(6, datetime(2026, 11, 21, 13, tzinfo=UTC) - timedelta(microseconds=1)),
            # acknowledged "before" it was created (clock skew): left out of the mean
            incident(
                7, NOW - 5 * HOUR, remote="school", status=Status.ACKNOWLEDGED, acked=NOW - 6 * HOUR
            ),
            # old and open: the oldest, tie on time broken by id
            incident(8, NOW - 40 * 24 * HOUR, remote="school"),
            incident(9, NOW - 40 * 24 * HOUR, remote="ops"),
        ],
    )


def test_opened_and_resolved_per_hour(cache: tuple[Actions, Reader]) -> None:
    _, reader = cache
    data = dashboard_data(reader, now=NOW, window=Window.DAY)
    assert sum(data.opened) == 5  # 1, 2, 3, 5, 7 (6 is a microsecond too early)
    assert data.opened[0] == 1  # incident 5 at 13:00 yesterday, the first instant
    by_label = dict(zip(data.labels, data.opened, strict=True))
    assert by_label["09h"] == 2 and by_label["11h"] == 1  # 2 and 3 at 09:00; 1 at 11:50
    assert data.resolved[data.labels.index("11h")] == 1  # 3 at 11:00
    assert data.resolved[data.labels.index("10h")] == 1  # 4 at 10:00
    assert sum(data.resolved) == 2


def test_open_by_severity_and_remote(cache: tuple[Actions, Reader]) -> None:
    _, reader = cache
    data = dashboard_data(reader, now=NOW, window=Window.DAY)
    assert data.open_by_severity == (("critical", 1), ("major", 1), ("minor", 4), (None, 1))
    assert data.open_by_remote == (("ops", 4), ("school", 3))
    assert data.total_open == 7


def test_mean_times_per_remote(cache: tuple[Actions, Reader]) -> None:
    _, reader = cache
    week = dashboard_data(reader, now=NOW, window=Window.WEEK)
    timing = {t.remote: t for t in week.timings}
    # ops: 3 acknowledged after 30 min and 4 after 60 min; resolved after 2 h and 28 h
    assert timing["ops"].acknowledged == 2 and timing["ops"].mtta_seconds == 45 * 60
    assert timing["ops"].resolved == 2 and timing["ops"].mttr_seconds == 15 * 3600
    # school: 2 after 10 min; 7's acknowledgement precedes its creation and is left out
    assert timing["school"].acknowledged == 1 and timing["school"].mtta_seconds == 600
    assert timing["school"].mttr_seconds is None and timing["school"].resolved == 0
    day = dashboard_data(reader, now=NOW, window=Window.DAY)
    assert {t.remote: t.resolved for t in day.timings}["ops"] == 1  # 4 opened before 24h


def test_resolutions_at_unknown_times_are_left_out_and_counted(tmp_path: Path) -> None:
    """As in the handover: a resolution the cache has no time for yet goes in no bucket and
    no mean, its last update standing in for nothing; the figures say how many they lack."""
    updated_today = incident(1, NOW - 300 * HOUR, status=Status.RESOLVED)
    updated_today.updated_at = NOW - HOUR
    opened_today = incident(2, NOW - 3 * HOUR, status=Status.RESOLVED)
    long_quiet = incident(3, NOW - 300 * HOUR, status=Status.RESOLVED)
    timed = incident(4, NOW - 3 * HOUR, status=Status.RESOLVED, resolved=NOW - 2 * HOUR)
    _, reader = build(tmp_path / "c.db", [updated_today, opened_today, long_quiet, timed])
    day = dashboard_data(reader, now=NOW, window=Window.DAY)
    assert sum(day.resolved) == 1 and day.untimed_resolved == 2  # 1 and 2; 3 changed before
    [ops] = day.timings
    assert ops.resolved == 1 and ops.mttr_seconds == 3600 and ops.untimed == 1  # 2
    assert day.untimed_in_means == 1


def test_oldest_open_ties_by_id(cache: tuple[Actions, Reader]) -> None:
    _, reader = cache
    data = dashboard_data(reader, now=NOW, window=Window.DAY, oldest=3)
    assert [o.id for o in data.oldest_open] == ["ops:r9", "school:r8", "ops:r6"]


def test_filters_of_the_list_apply(cache: tuple[Actions, Reader]) -> None:
    actions, reader = cache
    query = ListQuery(remotes=frozenset({"school"}))
    data = dashboard_data(reader, query, now=NOW, window=Window.DAY)
    assert sum(data.opened) == 2
    assert data.open_by_remote == (("school", 3),)
    assert [t.remote for t in data.timings] == ["school"]
    assert data.filters == "remote school"
    severe = ListQuery(severities=frozenset({Severity.CRITICAL, None}))
    data = dashboard_data(reader, severe, now=NOW, window=Window.DAY)
    assert data.open_by_severity == (("critical", 1), ("major", 0), ("minor", 0), (None, 1))
    resolved_only = ListQuery(statuses=frozenset({Status.RESOLVED}))
    data = dashboard_data(reader, resolved_only, now=NOW, window=Window.DAY)
    assert data.total_open == 0 and sum(data.resolved) == 2 and data.oldest_open == ()
    actions.delete("ops:r1")
    assert dashboard_data(reader, now=NOW, window=Window.DAY).open_by_severity[0] == ("critical", 0)


def test_empty_cache(tmp_path: Path) -> None:
    _, reader = build(tmp_path / "c.db", [])
    data = dashboard_data(reader, now=NOW, window=Window.MONTH)
    assert data.opened == (0,) * 30 and data.resolved == (0,) * 30
    assert data.total_open == 0 and data.timings == () and data.open_by_remote == ()


def test_same_cache_same_figures(cache: tuple[Actions, Reader]) -> None:
    _, reader = cache
    assert dashboard_data(reader, now=NOW, window=Window.WEEK) == dashboard_data(
        reader, now=NOW, window=Window.WEEK
    )


# Kitehouse /dashboard cross-check -----------------------------------------------------------


def test_daily_counts_for_one_remote(tmp_path: Path) -> None:
    actions, reader = build(
        tmp_path / "c.db",
        [
            incident(1, datetime(2026, 11, 22, 0, 0, tzinfo=UTC), remote="school"),
            incident(2, datetime(2026, 11, 21, 23, 59, 59, 999999, tzinfo=UTC), remote="school"),
            incident(3, datetime(2026, 11, 21, 8, tzinfo=UTC), remote="school"),
            incident(4, datetime(2026, 11, 21, 8, tzinfo=UTC), remote="ops"),
            incident(5, datetime(2026, 11, 19, 8, tzinfo=UTC), remote="school"),
        ],
    )
    actions.delete("school:r3")  # deleted here, not yet on the server: the server still has it
    from incident_tui.domain.model import Draft

    actions.create("school", "kitehouse", Draft(title="new here"))  # the server has not got it
    days = check_days(NOW, 2)
    assert days == ["2026-11-21", "2026-11-22"]
    assert daily_counts(reader, "school", days) == {"2026-11-21": 2, "2026-11-22": 1}
    assert daily_counts(reader, "school", []) == {}


def payload(*created: str | None, total: int | None = None) -> dict[str, object]:
    rows = [{"_id": f"{n:024x}", "created_at": c, "status": "open"} for n, c in enumerate(created)]
    return {"incidents": rows, "totalCount": len(rows) if total is None else total}


def test_compare_dashboard_agrees() -> None:
    days = ["2026-11-21", "2026-11-22"]
    answer = payload(
        "2026-11-21T08:00:00.000Z", "2026-11-21T23:59:59.999Z", "2026-11-22T00:00:00.000Z"
    )
    check = compare_dashboard("school", {"2026-11-21": 2, "2026-11-22": 1}, answer, days)
    assert check.agrees
    assert check.ours_total == check.theirs_total == 3
    assert check.summary() == "school: agrees with Kitehouse /dashboard over 2 days (3 incidents)"


def test_compare_dashboard_finds_differences() -> None:
    days = ["2026-11-20", "2026-11-21", "2026-11-22"]
    answer = payload(
        "2026-11-21T08:00:00.000Z",
        "2026-11-21T09:00:00+01:00",  # 08:00Z: an offset is read, not cut off
        "2026-11-18T08:00:00.000Z",  # outside the days asked for
        None,  # no creation time
        "yesterday",  # unreadable
        total=7,
    )
    check = compare_dashboard("school", {"2026-11-21": 1, "2026-11-22": 1}, answer, days)
    assert not check.agrees
    assert [(d.day, d.ours, d.theirs) for d in check.mismatched] == [
        ("2026-11-21", 1, 2),
        ("2026-11-22", 1, 0),
    ]
    assert check.outside == 1 and check.undated == 2 and check.listed == 5
    assert check.summary() == (
        "school: differs from Kitehouse /dashboard: 2026-11-21 ours 1 / server 2; "
        "2026-11-22 ours 1 / server 0; server totalCount 7 but 5 listed; "
        "1 listed outside the range; 2 without a creation time"
    )


def test_compare_dashboard_with_a_malformed_answer() -> None:
    check = compare_dashboard("school", {"2026-11-22": 0}, {"totalCount": "many"}, ["2026-11-22"])
    assert check.agrees and check.total_count is None and check.listed == 0
    check = compare_dashboard("school", {}, {"incidents": [42], "totalCount": 1}, ["2026-11-22"])
    assert check.undated == 1 and not check.agrees


def test_oldest_open_walk_and_fallback_agree(
    cache: tuple[Actions, Reader], monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_tui.store import stats_queries

    _, reader = cache
    walked = dashboard_data(reader, now=NOW, window=Window.DAY, oldest=4)
    monkeypatch.setattr(stats_queries, "WALK", 1)  # the walk falls short: sort instead
    assert dashboard_data(reader, now=NOW, window=Window.DAY, oldest=4) == walked
    assert [o.id for o in walked.oldest_open] == ["ops:r9", "school:r8", "ops:r6", "ops:r5"]


@pytest.mark.parametrize(
    ("module", "forbidden"),
    [
        ("incident_tui.domain.stats", {"httpx", "sqlmodel", "sqlalchemy", "textual", "sqlite3"}),
        ("incident_tui.domain.handover", {"httpx", "sqlmodel", "sqlalchemy", "textual", "sqlite3"}),
        ("incident_tui.store.stats_queries", {"httpx", "sqlmodel", "sqlalchemy", "textual"}),
        ("incident_tui.store.handover_queries", {"httpx", "sqlmodel", "sqlalchemy", "textual"}),
    ],
)
def test_layers_of_the_reports(module: str, forbidden: set[str]) -> None:
    """Domain stays pure; the report queries stay on the lean plain-sqlite3 read path."""
    import json
    import subprocess
    import sys

    probe = (
        "import importlib, json, sys; importlib.import_module(sys.argv[1]); "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, module], capture_output=True, text=True, check=True
    ).stdout
    assert not set(json.loads(out)) & forbidden


def test_resolutions_known_to_the_day_alone_stay_out_of_hours_and_means(tmp_path: Path) -> None:
    """4HSE gives the closing day alone: its settled time (the day's last moment, or the
    sync that saw it) goes in a day's bucket, not an hour's nor a mean; a resolve from
    here is timed exactly, and counts."""
    closed = incident(1, NOW - 30 * HOUR, status=Status.RESOLVED, resolved=NOW - 20 * HOUR)
    closed.day_only = frozenset({"resolved_at"})
    actions, reader = build(tmp_path / "c.db", [closed, incident(2, NOW - 3 * HOUR)])
    [resolve] = actions.resolve(["ops:r2"])
    outbox.complete(actions.engine, resolve, None, NOW)  # the remote has it
    day = dashboard_data(reader, now=NOW, window=Window.DAY)
    assert sum(day.resolved) == 1 and day.day_only_resolved == 1  # 2 only, at NOW
    assert {t.remote: (t.resolved, t.day_only) for t in day.timings} == {"ops": (1, 0)}
    week = dashboard_data(reader, now=NOW, window=Window.WEEK)
    assert sum(week.resolved) == 2 and week.day_only_resolved == 0
    [ops] = week.timings
    assert (ops.resolved, ops.mttr_seconds, ops.day_only) == (1, 3 * 3600, 1)
    assert week.untimed_in_means == 1


def test_resolutions_the_remote_lacks_count_as_open_as_in_the_handover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A resolution queued here, refused or in conflict has not reached the remote, which
    has the incident open: the dashboard counts it open, as the handover does, leaves it out
    of the resolutions and the mean time to resolve, and says how many it counts so."""
    from incident_tui.store import stats_queries

    actions, reader = build(
        tmp_path / "c.db",
        [
            incident(1, NOW - 3 * HOUR, severity=Severity.CRITICAL),  # queued
            incident(2, NOW - 3 * HOUR, remote="school"),  # refused
            incident(3, NOW - 3 * HOUR),  # in conflict
            incident(4, NOW - 3 * HOUR),  # accepted by the remote
            incident(5, NOW - 40 * 24 * HOUR),  # open all along
        ],
    )
    _, refused, contested, accepted = actions.resolve(["ops:r1", "school:r2", "ops:r3", "ops:r4"])
    outbox.mark_failed(actions.engine, refused.seq, "HTTP 422: cannot close")
    outbox.mark_conflict(
        actions.engine, contested.seq, ["status"], {"status": "resolved"}, None,
        "acknowledged on the remote",
    )  # fmt: skip
    outbox.complete(actions.engine, accepted, None, NOW)
    handover = handover_report(reader, now=NOW, hours=1, stale_hours=24, remotes=["ops", "school"])
    for walk in (stats_queries.WALK, 1):  # oldest open by an index walk, then sorted instead
        monkeypatch.setattr(stats_queries, "WALK", walk)
        day = dashboard_data(reader, now=NOW, window=Window.DAY)
        assert day.total_open == handover.section("carried").total == 4
        assert day.unsent_resolved == handover.section("resolved").unsent == 3
        assert day.open_by_severity == (("critical", 1), ("major", 0), ("minor", 3), (None, 0))
        assert day.open_by_remote == (("ops", 3), ("school", 1))
        assert sum(day.resolved) == handover.section("resolved").total == 1  # 4, at NOW
        timing = {t.remote: t for t in day.timings}
        assert (timing["ops"].resolved, timing["ops"].mttr_seconds) == (1, 3 * 3600)
        assert (timing["school"].resolved, timing["school"].mttr_seconds) == (0, None)
        assert [(o.id, o.resolution_unsent) for o in day.oldest_open] == [
            ("ops:r5", False), ("ops:r1", True), ("ops:r3", True), ("school:r2", True)
        ]  # fmt: skip


def test_remotes_taken_out_of_the_config_are_left_out_as_in_the_handover(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing syncs a remote the config no longer names: its incidents count in no figure
    (as the handover leaves them out), and the figures name it."""
    from incident_tui.store import stats_queries

    ours = [
        incident(1, NOW - 3 * HOUR, severity=Severity.CRITICAL, acked=NOW - 2 * HOUR),
        incident(2, NOW - 40 * 24 * HOUR),
        incident(3, NOW - 5 * HOUR, status=Status.RESOLVED, resolved=NOW - HOUR),
    ]
    gone = [
        incident(11, NOW - 2 * HOUR, remote="old", acked=NOW - HOUR),
        incident(12, NOW - 50 * 24 * HOUR, remote="old", severity=Severity.MAJOR),
        incident(13, NOW - 4 * HOUR, remote="old", status=Status.RESOLVED, resolved=NOW - HOUR),
    ]
    _, reader = build(tmp_path / "c.db", ours + gone)
    handover = handover_report(reader, now=NOW, hours=24, stale_hours=24, remotes=["ops"])
    minor = ListQuery(severities=frozenset({Severity.MINOR}))
    for walk in (stats_queries.WALK, 1):  # oldest open by an index walk, then sorted instead
        monkeypatch.setattr(stats_queries, "WALK", walk)
        day = dashboard_data(reader, now=NOW, window=Window.DAY, remotes=["ops"])
        assert day.left_out == ("old",)
        assert day.total_open == 2 and day.open_by_remote == (("ops", 2),)
        assert day.open_by_severity == (("critical", 1), ("major", 0), ("minor", 1), (None, 0))
        assert sum(day.opened) == handover.section("new").total == 2  # 1 and 3
        assert sum(day.resolved) == handover.section("resolved").total == 1  # 3
        assert [t.remote for t in day.timings] == ["ops"]
        assert [o.id for o in day.oldest_open] == ["ops:r2", "ops:r1"]
        # With the list's filters too (their parameters come first).
        filtered = dashboard_data(reader, minor, now=NOW, window=Window.DAY, remotes=["ops"])
        assert filtered.total_open == 1 and [o.id for o in filtered.oldest_open] == ["ops:r2"]
    # Without a config to go by, every remote in the cache counts.
    everything = dashboard_data(reader, now=NOW, window=Window.DAY)
    assert everything.left_out == () and everything.total_open == 4
    assert dashboard_data(reader, now=NOW, window=Window.DAY, remotes=["ops", "old"]) == everything
