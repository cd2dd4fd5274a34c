"""OneUptime keeps a new incident's ``declaredAt`` as the client sends it. One made offline is
sent when the remote is back, maybe hours later: it is declared when the user made it, in
the plain and in the typed value encoding alike."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.domain.mapping import parse_time
from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_sync import settings_for, sync


@pytest.mark.parametrize("typed", [False, True], ids=["plain", "typed"])
async def test_an_incident_made_offline_is_declared_when_it_was_made(
    serve: Serve, tmp_path: Path, typed: bool
) -> None:
    emulator: Any = serve("oneuptime", sample=0, typed_values=typed).emulator
    settings = settings_for(tmp_path, emulator.remote_config("status"))
    assert (await sync(settings)).ok
    made = FIXED_NOW - timedelta(hours=2, milliseconds=250)
    actions = Actions.open(settings.db_path(), clock=lambda: made, remotes=["status"])
    try:
        actions.create("status", "oneuptime", Draft("Disk full on db-2"))
    finally:
        actions.engine.dispose()

    assert (await sync(settings)).ok

    [row] = [r for r in emulator.tables["incident"].rows.values()
             if r["title"] == "Disk full on db-2"]
    assert row["declaredAt"] == made and row["createdAt"] > made
    detail = Reader.open(settings.db_path()).detail(f"status:{row['_id']}")
    assert detail is not None
    assert parse_time(detail.incident["occurred_at"]) == made
