"""Changes queued after a create, to the incident it creates, go out in the same pass as the
create: once the remote takes the incident they name it by the remote's id, and a pass that
kept its first reading of the queue would find nothing under the local id, count them as
pushed, and leave them for the next pass (a ``sync --once`` exiting 0 with them queued).

Against a real Kitehouse emulator over HTTP and a real cache, as an offline user leaves it:
the incident created, acknowledged and commented on before any of it was sent."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


async def test_an_incident_created_acknowledged_and_commented_offline_goes_out_in_one_pass(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("kitehouse", sample=0)
    emulator: Any = server.emulator
    emulator.add("Flooded basement")  # the connector learns category and source from it
    settings = settings_for(tmp_path, emulator.remote_config("site"))
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    local = actions.create("site", "kitehouse", Draft("Gas leak", "smell in hall B", None))
    actions.acknowledge([local.incident_id])
    actions.comment(local.incident_id, "engineer on the way")

    [result] = (await sync(settings)).results

    assert result.ok and result.pushed == 3, result.summary()
    assert Reader.open(settings.db_path()).outbox() == []
    [created] = [i for i in emulator.incidents.values() if i.short_description == "Gas leak"]
    assert created.status == "in_progress"  # Kitehouse's word for acknowledged
    assert [c.message for c in created.comments] == ["engineer on the way"]
