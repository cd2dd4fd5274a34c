"""A delete queued while someone else changes the incident on the remote (queued offline, or
waiting behind a refusal) must not take their changes with it unseen: the push reads the
incident first, and a field changed since it was last read here makes the delete a conflict.
Keeping mine deletes it anyway; taking theirs keeps it with their values. A remote that
changed nothing, or a description never read here, is no conflict."""

from __future__ import annotations

from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from tests.integration.conftest import Serve
from tests.integration.test_queued_changes_conflicts import synced_kitehouse
from tests.integration.test_sync import sync


async def test_a_delete_over_their_new_title_waits_and_keep_mine_deletes_it(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id, other] = await synced_kitehouse(
        serve, tmp_path, "Broken window", "Wet floor"
    )
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.delete(incident_id)
    actions.delete(f"school:{other}")
    emulator.touch(remote_id, short_description="Broken window, glass on the stairs")

    result = (await sync(settings)).results[0]

    # The untouched one goes; the one they changed stays, shown with their title.
    assert result.pushed == 1 and result.conflicts == 1
    assert other not in emulator.incidents and remote_id in emulator.incidents
    reader = Reader.open(settings.db_path())
    [change] = reader.outbox()
    assert (change["op"], change["state"]) == ("delete", "conflict")
    assert "the remote changed title since it was last read here" in change["last_error"]
    detail = reader.detail(incident_id)
    assert detail is not None
    assert detail.incident["conflict"]["theirs"]["title"] == "Broken window, glass on the stairs"
    assert [row.id for row in reader.all_rows(ListQuery())] == [incident_id]

    outbox_answers.keep_mine(actions.engine, incident_id)
    result = (await sync(settings)).results[0]

    assert result.ok and result.pushed == 1
    assert remote_id not in emulator.incidents and reader.outbox() == []


async def test_take_theirs_keeps_the_incident_they_resolved(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Gas smell")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.delete(incident_id)
    emulator.touch(remote_id, status="closed")

    assert (await sync(settings)).results[0].conflicts == 1
    outbox_answers.take_theirs(actions.engine, incident_id)
    assert (await sync(settings)).ok

    assert remote_id in emulator.incidents
    reader = Reader.open(settings.db_path())
    assert reader.outbox() == []
    detail = reader.detail(incident_id)
    assert detail is not None and detail.incident["status"] == "resolved"


async def test_a_delete_of_an_incident_nobody_changed_goes_at_once(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Fallen shelf")
    # Synced as a summary (hydrate_limit=0): the description was never read here, so the
    # remote's text is none the user could have seen changed.
    emulator.touch(remote_id, description="Shelf in room 12 fell over")
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).delete(f"school:{remote_id}")

    result = (await sync(settings)).results[0]

    assert result.ok and result.pushed == 1 and result.conflicts == 0
    assert remote_id not in emulator.incidents


async def test_a_delete_whose_incident_the_remote_will_not_show_still_goes(
    serve: Serve, tmp_path: Path
) -> None:
    # The check reads the incident first; a read refused for it alone leaves nothing to
    # compare, and must not have the delete refused for a request the user never made.
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Loose tile")
    Actions.open(settings.db_path()).delete(f"school:{remote_id}")
    emulator.faults.add(
        "status", method="GET", status=400, body={"message": "view broken"},
        path=f"/{remote_id}$", times=-1,
    )

    result = (await sync(settings)).results[0]

    assert result.ok and result.pushed == 1, result.error
    assert remote_id not in emulator.incidents
