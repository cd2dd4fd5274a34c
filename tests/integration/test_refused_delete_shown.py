"""A delete the remote refuses leaves an incident that is still there, against a Kitehouse
emulator over HTTP: it shows again in the list, the search and the handover, marked as
refused, for the user to open and answer. A retry hides it again, as when the delete was
queued; a discard leaves it shown. A delete queued behind another refused change does not
hide the incident either, as the user has to find it to answer. Deleted on the remote since,
an incident whose delete was refused goes, as the user asked."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx

from incident_tui.config import Settings
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.handover_queries import handover_report
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_sync import settings_for, sync

TITLE = "Water leak in the science block"

REFUSED = {"statusCode": 400, "error": "Bad Request", "message": "Incident has open actions"}
"""Kitehouse's answer refusing a write."""


def handed_over(reader: Reader) -> set[str]:
    """The incidents any section of the handover of the last 12 hours lists."""
    report = handover_report(
        reader, now=FIXED_NOW + timedelta(hours=1), hours=12, stale_hours=24
    )
    return {item.id for section in report.sections for item in section.items}


def shown(reader: Reader, incident_id: str) -> bool:
    """Whether the incident shows: on the list, found by a search of its title, opened, and
    in the handover; all or nothing, else the test says which."""
    places = {
        "list": any(r.id == incident_id for r in reader.all_rows(ListQuery())),
        "search": any(r.id == incident_id for r in reader.all_rows(ListQuery(search=TITLE))),
        "detail": reader.detail(incident_id) is not None,
        "handover": incident_id in handed_over(reader),
    }
    assert len(set(places.values())) == 1, places
    return places["list"]


async def site(serve: Serve, tmp_path: Path) -> tuple[Any, Settings, str, str]:
    """A Kitehouse emulator holding one open major incident, synced into a cache: the
    emulator, the settings, the incident's remote id and its id in the cache."""
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_id = str(emulator.add(TITLE, priority="High")["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings)).ok
    return emulator, settings, remote_id, f"school:{remote_id}"


async def test_a_refused_delete_shows_the_incident_until_it_is_retried(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, remote_id, incident_id = await site(serve, tmp_path)
    reader = Reader.open(settings.db_path())
    assert shown(reader, incident_id)
    queued = Actions.open(settings.db_path()).delete(incident_id)
    assert not shown(reader, incident_id)  # hidden at once, as queued
    emulator.faults.add("status", status=400, method="DELETE", times=-1, body=REFUSED)

    result = (await sync(settings)).results[0]

    assert result.ok and result.failed == 1, result.error
    assert remote_id in emulator.incidents
    # Still there on the remote: shown again, marked refused with the remote's reason.
    assert shown(reader, incident_id)
    [row] = reader.list_rows([incident_id])
    detail = reader.detail(incident_id)
    assert detail is not None and row.failed
    assert "Incident has open actions" in str(detail.incident["failed"])
    assert reader.queue_counts() == (1, 1, 0)
    attention = handover_report(
        reader, now=FIXED_NOW + timedelta(hours=1), hours=12, stale_hours=24
    ).section("attention")
    assert incident_id in {item.id for item in attention.items}
    # The next pull leaves it shown.
    assert (await sync(settings)).ok
    assert shown(reader, incident_id)

    # A retry hides it again, as when the delete was queued; refused again, it shows again.
    engine = SyncEngine(settings).engine
    outbox_answers.retry(engine, queued.seq)
    assert not shown(reader, incident_id)
    assert (await sync(settings)).results[0].failed == 1
    assert shown(reader, incident_id)

    # Retried once the remote takes it: gone here and there.
    emulator.faults.clear()
    outbox_answers.retry(engine, queued.seq)
    result = (await sync(settings)).results[0]
    assert result.ok and result.pushed == 1, result.error
    assert remote_id not in emulator.incidents
    assert reader.detail(incident_id) is None and reader.queue_counts() == (0, 0, 0)


async def test_a_discarded_refused_delete_leaves_the_incident_shown(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, remote_id, incident_id = await site(serve, tmp_path)
    queued = Actions.open(settings.db_path()).delete(incident_id)
    emulator.faults.add("status", status=400, method="DELETE", times=-1, body=REFUSED)
    assert (await sync(settings)).results[0].failed == 1

    outbox_answers.discard(SyncEngine(settings).engine, queued.seq)

    reader = Reader.open(settings.db_path())
    assert shown(reader, incident_id)
    [row] = reader.list_rows([incident_id])
    assert not row.failed and reader.queue_counts() == (0, 0, 0)
    result = (await sync(settings)).results[0]
    assert result.ok and result.pushed == 0, result.error
    assert shown(reader, incident_id) and remote_id in emulator.incidents


async def test_a_delete_queued_behind_a_refused_change_does_not_hide_the_incident(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, remote_id, incident_id = await site(serve, tmp_path)
    actions = Actions.open(settings.db_path())
    edit = actions.edit(incident_id, {"title": f"{TITLE}, lab 2"})
    emulator.faults.add("status", status=400, method="PUT", times=1, body=REFUSED)
    assert (await sync(settings)).results[0].failed == 1
    reader = Reader.open(settings.db_path())

    # The delete cannot go before the refused edit is answered: the incident stays shown.
    actions.delete(incident_id)
    assert shown(reader, incident_id)
    assert (await sync(settings)).ok
    assert shown(reader, incident_id) and remote_id in emulator.incidents

    # Answered (the edit discarded), the delete goes.
    outbox_answers.discard(SyncEngine(settings).engine, edit.seq)
    assert not shown(reader, incident_id)
    result = (await sync(settings)).results[0]
    assert result.ok and result.pushed == 1, result.error
    assert remote_id not in emulator.incidents


async def test_a_refused_delete_of_an_incident_deleted_there_since_lets_it_go(
    serve: Serve, tmp_path: Path
) -> None:
    revily = serve("revily", sample=0)
    gone = revily.emulator.add(TITLE)
    incident_id = f"oncall:{gone['id']}"
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    Actions.open(settings.db_path()).delete(incident_id)
    revily.emulator.faults.add("status", status=422, method="DELETE", times=1,
                               body={"errors": {"base": ["only administrators may delete"]}})
    assert (await sync(settings)).results[0].failed == 1
    reader = Reader.open(settings.db_path())
    assert reader.detail(incident_id) is not None

    # Someone allowed to deletes it there: what the user asked for happened, nothing to settle.
    token = revily.emulator.remote_config("x")["token"]
    async with httpx.AsyncClient(base_url=revily.url) as client:
        response = await client.delete(
            f"/incidents/{gone['id']}", headers={"Authorization": f'Token token="{token}"'}
        )
    assert response.status_code == 204
    result = (await sync(settings)).results[0]

    assert result.ok and result.removed == 1, result.error
    assert reader.detail(incident_id) is None and reader.queue_counts() == (0, 0, 0)
