"""A change queued for an incident someone deleted on the remote, where no listing has told
the cache yet (an incremental listing never lists a deletion): the remote answers 404 to the
change. The incident must show as deleted on the remote, with the conflict the user settles
(taking the remote's side drops it), not only a refusal that a retry can never fix."""

from __future__ import annotations

from pathlib import Path

from incident_tui.store.actions import Actions
from incident_tui.store.engine import make_engine
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync


async def test_a_change_to_an_incident_deleted_on_the_remote_offers_the_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    # Kitehouse lists by update time: a pass lists only what changed, never a deletion.
    kitehouse = serve("kitehouse", sample=0)
    emulator = kitehouse.emulator
    doomed = str(emulator.add("Deleted while we were offline")["_id"])
    kept = str(emulator.add("Still there")["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings)).ok
    doomed_id, kept_id = f"school:{doomed}", f"school:{kept}"
    Actions.open(settings.db_path()).acknowledge([doomed_id, kept_id])
    del emulator.incidents[doomed]
    emulator.changed()

    report = await sync(settings)

    result = report.results[0]
    assert result.pushed == 1 and result.failed == 1
    reader = Reader.open(settings.db_path())
    detail = reader.detail(doomed_id)
    assert detail is not None and detail.incident["remote_deleted"]
    assert detail.incident["conflict"]["reason"] == "deleted on the remote"
    assert [(c["op"], c["state"]) for c in detail.changes] == [("acknowledge", "failed")]
    # The remote's side: the incident and its change go; the other incident is untouched.
    engine = make_engine(settings.db_path())
    outbox_answers.take_theirs(engine, doomed_id)
    engine.dispose()
    assert reader.detail(doomed_id) is None and reader.outbox() == []
    assert reader.detail(kept_id) is not None
    assert (await sync(settings)).ok
