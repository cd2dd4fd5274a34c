"""OneUptime's ``created_state_id``, ``ack_state_id`` and ``resolved_state_id`` decide how its
incidents' states read, as a ``status_map`` does for other kinds: set or changed, the cached
incidents are read again at the next sync, not left as the old setting read them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.domain.query import ListQuery
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


def statuses(settings: Any) -> dict[str, str]:
    """Each cached incident's common status."""
    return {row.id: row.status for row in Reader.open(settings.db_path()).all_rows(ListQuery())}


async def test_a_resolved_state_id_set_later_reads_the_cached_incidents_again(
    serve: Serve, tmp_path: Path
) -> None:
    emulator: Any = serve("oneuptime", sample=30).emulator
    config = emulator.remote_config("ou")
    assert (await sync(settings_for(tmp_path, config))).ok
    before = statuses(settings_for(tmp_path, config))
    acknowledged = {i for i, status in before.items() if status == "acknowledged"}
    assert acknowledged

    # This team's "Acknowledged" state means it is done with the incident.
    settings = settings_for(
        tmp_path, {**config, "resolved_state_id": emulator.state_id("Acknowledged")}
    )
    assert (await sync(settings)).ok

    after = statuses(settings)
    assert {i for i in acknowledged if after[i] == "resolved"} == acknowledged
    assert {i: s for i, s in after.items() if i not in acknowledged} == {
        i: s for i, s in before.items() if i not in acknowledged
    }
