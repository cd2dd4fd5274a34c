"""A listing read before the cache stored a newer copy of an incident, stored after it (as a
second incident-tui on the cache would store its slow listing), over HTTP against each
emulator whose remote gives its own update time: the newer copy stays, and a resolved
incident is not taken for reopened. Revily's race between two processes is in
``test_two_pushers``."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import system_clock
from incident_tui.domain.query import ListQuery
from incident_tui.remote.base import Page, make_connector
from incident_tui.store.actions import Actions
from incident_tui.store.engine import make_engine
from incident_tui.store.reader import Reader
from incident_tui.sync.pull_store import store_page
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep
from tests.integration.test_sync import settings_for, sync


@pytest.mark.parametrize("kind", ["kitehouse", "oneuptime", "aoh_ims"])
async def test_a_listing_read_before_a_resolve_leaves_the_incident_resolved(
    kind: str, serve: Serve, tmp_path: Path
) -> None:
    moment = [FIXED_NOW - timedelta(hours=2)]
    server = serve(kind, sample=6, clock=lambda: moment[0])
    config: dict[str, Any] = server.emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    incident_id = next(
        row.id for row in reader.all_rows(ListQuery()) if row.status != "resolved"
    )
    connector = make_connector(settings.remote("ops"), sleep=no_sleep)
    try:
        read_before: list[Page] = [page async for page in connector.pull(None, full=True)]
    finally:
        await connector.aclose()

    moment[0] = FIXED_NOW
    Actions.open(settings.db_path()).resolve([incident_id])
    assert (await sync(settings)).ok
    shown = "SELECT status, reopened_at FROM incident WHERE id = ?"
    assert reader.query(shown, [incident_id]) == [("resolved", None)]

    engine = make_engine(settings.db_path())
    try:
        for page in read_before:
            gaps = connector.summary_gaps if page.partial else None
            store_page(engine, "ops", kind, page.incidents, None, system_clock(), gaps)
    finally:
        engine.dispose()
    assert reader.query(shown, [incident_id]) == [("resolved", None)]
