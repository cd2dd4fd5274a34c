"""Incidents reopened during the shift, over each emulator that can reopen: by a reopen from
here once the remote accepts it, and by someone else on the remote once a pull finds the
incident it last read resolved open again. No remote says when (a reopened incident has no
resolution time there), so the cache notes it; the handover lists them in "Reopened this
shift" and marks them where else they appear."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import fixed_clock, to_db
from incident_tui.config import Settings
from incident_tui.domain.handover import Handover
from incident_tui.domain.handover_render import to_json, to_markdown
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep

HOUR = timedelta(hours=1)


class Moment:
    """The one clock of a test, moved on by hand: the emulator, the syncs and the queued
    changes all read it, so every time stored is known."""

    def __init__(self, start: datetime) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now


async def synced(settings: Settings, moment: Moment) -> None:
    """One sync pass at the moment's time, which must succeed."""
    engine = SyncEngine(settings, clock=fixed_clock(moment.now), sleep=no_sleep)
    try:
        report = await engine.sync()
    finally:
        await engine.aclose()
    assert report.ok, [r.error for r in report.results]


def report(settings: Settings) -> Handover:
    """The handover of the twelve hours up to FIXED_NOW."""
    return handover_report(
        Reader.open(settings.db_path()), now=FIXED_NOW, hours=12, stale_hours=24,
        remotes=[r.name for r in settings.remotes],
    )  # fmt: skip


def section_ids(handover: Handover, key: str) -> list[str]:
    return [item.id for item in handover.section(key).items]


@pytest.mark.parametrize("kind", ["kitehouse", "fourhse", "oneuptime", "aoh_ims"])
async def test_reopened_incidents_are_reported_in_the_shift_they_were_reopened(
    kind: str, serve: Serve, tmp_path: Path
) -> None:
    moment = Moment(FIXED_NOW - 20 * HOUR)
    server = serve(kind, sample=30, clock=moment)
    config: dict[str, Any] = server.emulator.remote_config("ops")
    mine = Settings(db=tmp_path / "mine.db", remotes=[config])  # type: ignore[arg-type]
    theirs = Settings(db=tmp_path / "theirs.db", remotes=[config])  # type: ignore[arg-type]
    await synced(mine, moment)
    await synced(theirs, moment)
    open_ids = sorted(
        row.id for row in Reader.open(mine.db_path()).all_rows(ListQuery())
        if row.status != "resolved"
    )  # fmt: skip
    ours, their, before = open_ids[:3]

    def act(settings: Settings) -> Actions:
        return Actions.open(settings.db_path(), clock=moment)

    # Resolved and reopened before the shift (it began twelve hours before FIXED_NOW).
    moment.now = FIXED_NOW - 15 * HOUR
    act(mine).resolve([before])
    await synced(mine, moment)
    moment.now = FIXED_NOW - 14 * HOUR
    act(mine).reopen([before])
    await synced(mine, moment)

    # In the shift: we resolve one, someone else another, and we see both resolved.
    moment.now = FIXED_NOW - 6 * HOUR
    act(mine).resolve([ours])
    act(theirs).resolve([their])
    await synced(theirs, moment)
    await synced(mine, moment)

    # We reopen ours, and retitle it: not reopened on the remote until it is sent (and the
    # edit still waits when the remote takes the reopening).
    moment.now = FIXED_NOW - 4 * HOUR
    act(mine).reopen([ours])
    act(mine).edit(ours, {"title": "Back again: the fix did not hold"})
    waiting = report(mine).section("reopened")
    assert (waiting.total, waiting.unsent) == (0, 1)
    assert "Not counted: 1 reopened here that the remote has not accepted yet" in to_markdown(
        report(mine)
    )
    await synced(mine, moment)

    # Someone else reopens theirs; our next pull finds it open again.
    moment.now = FIXED_NOW - 3 * HOUR
    act(theirs).reopen([their])
    await synced(theirs, moment)
    moment.now = FIXED_NOW - 2 * HOUR
    await synced(mine, moment)

    handover = report(mine)
    reopened = handover.section("reopened")
    assert section_ids(handover, "reopened") == [ours, their]
    assert (reopened.total, reopened.unsent) == (2, 0)
    times = {item.id: to_db(item.reopened_at) for item in reopened.items}
    # Ours when the remote took it; theirs at the remote's update time, or (4HSE keeps
    # none) the pull that found it open.
    assert times[ours] == to_db(FIXED_NOW - 4 * HOUR)
    found = FIXED_NOW - (2 if kind == "fourhse" else 3) * HOUR
    assert times[their] == to_db(found)
    # Marked where else they are listed; the one reopened before the shift is not.
    elsewhere = {
        item.id: item for key in ("new", "carried") for item in handover.section(key).items
    }
    assert elsewhere[ours].reopened and elsewhere[their].reopened
    assert not elsewhere[before].reopened and elsewhere[before].reopened_at is not None
    data = to_json(handover)
    assert data["counts"]["reopened"] == 2
    assert [i["reopened_at"] for i in data["sections"]["reopened"]["items"]] == [
        "2026-11-22T08:00:00Z",
        "2026-11-22T10:00:00Z" if kind == "fourhse" else "2026-11-22T09:00:00Z",
    ]
    markdown = to_markdown(handover)
    assert "- Reopened this shift: 2\n" in markdown
    assert "(reopened); opened" in markdown

    # Resolved again later in the shift: it was still reopened in it.
    moment.now = FIXED_NOW - HOUR
    act(theirs).resolve([their])
    await synced(theirs, moment)
    await synced(mine, moment)
    handover = report(mine)
    assert section_ids(handover, "reopened") == [ours, their]
    assert handover.section("reopened").items[1].status == "resolved"
    assert their in section_ids(handover, "resolved")
