"""Deleting a comment the remote has: the deletion waits in the outbox, and nothing read from
the remote meanwhile brings the comment back; OneUptime is told which kind of note it was."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Serve, no_sleep
from tests.integration.test_sync import settings_for, sync


def _with_comments(reader: Reader) -> tuple[str, list[dict[str, Any]]]:
    from incident_tui.domain.query import ListQuery

    for row in reader.all_rows(ListQuery()):
        detail = reader.detail(row.id)
        if detail is not None and len(detail.comments) >= 2:
            return row.id, detail.comments
    raise AssertionError("no incident with two comments")


async def test_a_queued_deletion_is_not_undone_by_reading_the_incident_again(
    serve: Serve, tmp_path: Path
) -> None:
    kitehouse = serve("kitehouse", sample=12)
    settings = settings_for(tmp_path, kitehouse.emulator.remote_config("school"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    incident_id, comments = _with_comments(reader)
    doomed = comments[0]
    Actions.open(settings.db_path()).delete_comment(incident_id, doomed["seq"])
    engine = SyncEngine(settings, sleep=no_sleep)
    try:
        # The detail screen reads the incident again while the deletion is still queued.
        assert await engine.refresh(incident_id)
    finally:
        await engine.aclose()
    detail = reader.detail(incident_id)
    assert detail is not None
    assert [c["seq"] for c in detail.comments] == [c["seq"] for c in comments[1:]]

    assert (await sync(settings)).ok

    detail = reader.detail(incident_id)
    assert detail is not None
    assert [c["seq"] for c in detail.comments] == [c["seq"] for c in comments[1:]]
    assert reader.outbox() == []


async def test_a_oneuptime_note_is_deleted_at_its_own_address_only(
    serve: Serve, tmp_path: Path
) -> None:
    oneuptime = serve("oneuptime", sample=6)
    settings = settings_for(tmp_path, oneuptime.emulator.remote_config("uptime"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    incident_id, comments = _with_comments(reader)
    note = comments[0]
    Actions.open(settings.db_path()).delete_comment(incident_id, note["seq"])
    oneuptime.emulator.log.clear()

    report = await sync(settings)

    assert report.ok and report.results[0].pushed == 1
    deletes = [r.path for r in oneuptime.emulator.log if r.method == "DELETE"]
    assert len(deletes) == 1 and deletes[0].startswith(f"/api/incident-{note['visibility']}-note/")
