"""A server that answers its listing with an empty list by mistake (a proxy, a deployment
half started) must not empty the cache: before a complete listing of nothing removes every
cached incident, the sync asks for a few of them. When the remote really has none left,
they go as usual."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.fourhse_data import OFFICES
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


async def test_an_empty_answer_while_the_incidents_are_there_removes_nothing(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=5)
    emulator: Any = revily.emulator
    settings = settings_for(tmp_path, emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    assert reader.count(ListQuery()) == 5
    emulator.faults.add("status", method="GET", path=r"/incidents$", status=200, body=[])

    result = (await sync(settings)).results[0]

    assert not result.ok and "listed no incidents, but still has" in (result.error or "")
    assert result.removed == 0 and reader.count(ListQuery()) == 5
    assert (await sync(settings)).ok and reader.count(ListQuery()) == 5


async def test_an_empty_listing_of_a_remote_that_has_none_left_empties_the_cache(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=5)
    emulator: Any = revily.emulator
    settings = settings_for(tmp_path, emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    token = emulator.remote_config("x")["token"]
    async with httpx.AsyncClient(base_url=revily.url) as client:
        for remote_id in list(emulator.incidents):
            response = await client.delete(
                f"/incidents/{remote_id}", headers={"Authorization": f'Token token="{token}"'}
            )
            assert response.is_success

    result = (await sync(settings)).results[0]

    assert result.ok and result.removed == 5
    assert Reader.open(settings.db_path()).count(ListQuery()) == 0


async def test_a_4hse_scope_narrowed_to_an_office_with_no_incidents_lets_them_go(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("fourhse", sample=5, foreign=0)
    whole = server.emulator.remote_config("plant")
    assert (await sync(settings_for(tmp_path, whole))).ok
    empty_office = next(o for o in OFFICES if o != whole["subtenant_id"])
    settings = settings_for(tmp_path, {**whole, "subtenant_id": empty_office})

    result = (await sync(settings)).results[0]

    assert result.ok and result.removed == 5
    assert Reader.open(settings.db_path()).count(ListQuery()) == 0


async def test_a_4hse_empty_answer_while_its_office_has_the_incidents_removes_nothing(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("fourhse", sample=5, foreign=0)
    emulator: Any = server.emulator
    settings = settings_for(tmp_path, emulator.remote_config("plant"))
    assert (await sync(settings)).ok
    emulator.faults.add(
        "status", method="POST", path=r"/incident/index$", status=200, body=[], times=-1
    )

    result = (await sync(settings)).results[0]

    assert not result.ok and "listed no incidents, but still has" in (result.error or "")
    assert result.removed == 0
    assert Reader.open(settings.db_path()).count(ListQuery()) == 5
