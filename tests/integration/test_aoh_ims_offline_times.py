"""AOH IMS keeps a resolution's moment (``resolved_date``) and a new incident's (``date``) as
the client sends them. A change made offline is sent when the remote is back, maybe days
later: it carries the moment the user made it, not the one it was sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from incident_tui.domain.mapping import format_time, parse_time
from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


async def test_offline_resolve_and_create_carry_the_moment_they_were_made(
    serve: Serve, tmp_path: Path
) -> None:
    emulator: Any = serve("aoh_ims", sample=0).emulator
    open_one = emulator.add(name="Pump pressure low", status="OPEN")["id"]
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    assert (await sync(settings)).ok

    made = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    actions = Actions.open(settings.db_path(), clock=lambda: made, remotes=["ops"])
    try:
        actions.resolve([f"ops:{open_one}"])
        actions.create("ops", "aoh_ims", Draft("Valve stuck"))
    finally:
        actions.engine.dispose()
    assert (await sync(settings)).ok

    resolved = emulator.row(open_one)
    assert resolved["status"] == "RESOLVED"
    assert parse_time(resolved["resolved_date"]) == made
    [new] = [row for row in emulator.tenants[next(iter(emulator.tenants))].incidents.values()
             if row["name"] == "Valve stuck"]
    assert format_time(parse_time(new["date"])) == format_time(made)
