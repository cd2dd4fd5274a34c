"""Which incidents a pass reads in full first: those changed most recently, so that an old
incident resolved days ago and changed this shift has its resolution time (which the
Kitehouse list leaves out) before the handover is read."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_sync import settings_for, sync

DAY = timedelta(days=1)


async def test_the_latest_changed_are_read_in_full_first(serve: Serve, tmp_path: Path) -> None:
    kitehouse = serve("kitehouse", sample=0)
    emulator: Any = kitehouse.emulator
    old = emulator.add("Boiler fault")["_id"]
    # Resolved nine days ago, commented on an hour ago.
    emulator.touch(
        old,
        status="closed",
        created_at=FIXED_NOW - 10 * DAY,
        sla_resolved_at=FIXED_NOW - 9 * DAY,
        updated_at=FIXED_NOW - timedelta(hours=1),
    )
    # Opened after it, quiet since: the newest by creation, the oldest by last change.
    newer = [emulator.add(f"Gate {n}")["_id"] for n in range(3)]
    for n, remote_id in enumerate(newer):
        emulator.touch(
            remote_id, created_at=FIXED_NOW - (3 - n) * DAY, updated_at=FIXED_NOW - (3 - n) * DAY
        )
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=1)
    assert (await sync(settings)).ok

    reader = Reader.open(settings.db_path())
    read_in_full = reader.query("SELECT remote_id, resolved_at FROM incident WHERE hydrated = 1")
    assert [row[0] for row in read_in_full] == [old]
    assert read_in_full[0][1].startswith((FIXED_NOW - 9 * DAY).date().isoformat())
    resolved = handover_report(
        reader, now=FIXED_NOW, hours=12, stale_hours=24, remotes=["school"]
    ).section("resolved")
    assert (resolved.total, resolved.untimed) == (0, 0)
