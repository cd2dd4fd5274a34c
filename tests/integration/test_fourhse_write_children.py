"""A 4HSE write keeps the incident's involved people, resources and actions in the cache:
the answer to an update is the incident alone, and only a full read lists its children."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_sync import settings_for, sync

CHILD_KEYS = ("people_count", "resources_count", "actions_count", "involved_people")


def _children(reader: Reader, incident_id: str) -> dict[str, Any]:
    detail = reader.detail(incident_id)
    assert detail is not None
    return {key: detail.incident["extra"].get(key) for key in CHILD_KEYS}


async def _with_people(serve: Serve, tmp_path: Path, hydrate: int) -> tuple[Any, Reader, str]:
    plant = serve("fourhse", sample=20)
    settings = settings_for(tmp_path, plant.emulator.remote_config("plant"), hydrate_limit=hydrate)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    involved = set(plant.emulator.by_incident["incident-person"])
    incident_id = next(
        row.id for row in reader.all_rows(ListQuery())
        if row.id.split(":", 1)[1] in involved and row.status != "resolved"
    )
    actions = Actions.open(settings.db_path(), clock=lambda: FIXED_NOW)
    actions.resolve([incident_id])
    actions.engine.dispose()
    return settings, reader, incident_id


async def test_resolving_keeps_the_people_read_before(serve: Serve, tmp_path: Path) -> None:
    settings, reader, incident_id = await _with_people(serve, tmp_path, hydrate=20)
    before = _children(reader, incident_id)
    assert before["people_count"] and before["involved_people"]
    assert (await sync(settings)).ok
    after = reader.detail(incident_id)
    assert after is not None and after.incident["status"] == "resolved"
    assert _children(reader, incident_id) == before
    # And a later pass (a summary of the unchanged incident) leaves them be.
    assert (await sync(settings)).ok
    assert _children(reader, incident_id) == before


async def test_resolving_one_never_read_in_full_reads_its_people(
    serve: Serve, tmp_path: Path
) -> None:
    settings, reader, incident_id = await _with_people(serve, tmp_path, hydrate=0)
    assert _children(reader, incident_id)["people_count"] is None
    assert (await sync(settings.model_copy(update={"hydrate_limit": 0}))).ok
    children = _children(reader, incident_id)
    assert children["people_count"] and children["involved_people"]
