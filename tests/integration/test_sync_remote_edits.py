"""Changes someone else makes on the remote that move no version token still reach the cache:
AOH IMS attribute values (``occ_lock`` stays, contract section 5.6) with the next pull, and
comments or notes (their own resources) when the incident is read again in full (OneUptime's
notes with the next pull too: see ``test_oneuptime_pulled_notes``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from incident_tui.domain.query import ListQuery
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Serve, no_sleep
from tests.integration.test_sync import settings_for, sync


def _rows(server: Any) -> list[dict[str, Any]]:
    """The AOH emulator's incidents (one tenant)."""
    return [row for tenant in server.emulator.tenants.values() for row in tenant.incidents.values()]


def _comment_bodies(reader: Reader, incident_id: str) -> list[str]:
    detail = reader.detail(incident_id)
    assert detail is not None
    return [str(c["body"]) for c in detail.comments]


async def _refresh(settings: Any, incident_id: str) -> bool:
    engine = SyncEngine(settings, sleep=no_sleep)
    try:
        return await engine.refresh(incident_id)
    finally:
        await engine.aclose()


async def test_an_attribute_value_changed_without_a_new_occ_lock_is_pulled(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=6)
    config = aoh.emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    row = next(r for r in _rows(aoh) if r.get("attributes"))
    lock = row["occ_lock"]
    async with httpx.AsyncClient(base_url=aoh.url) as client:
        response = await client.put(
            f"/v1/incident/{row['id']}/attributes",
            json={"name": "count", "value": 99},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
    assert response.status_code == 200 and aoh.emulator.row(row["id"])["occ_lock"] == lock

    report = await sync(settings)

    assert report.ok and report.results[0].pulled == 1
    detail = Reader.open(settings.db_path()).detail(f"ops:{row['id']}")
    assert detail is not None and detail.incident["custom_fields"]["count"] == 99


async def test_reading_an_incident_again_brings_a_comment_added_on_the_remote(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=3)
    config = aoh.emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    row = next(iter(_rows(aoh)))
    incident_id = f"ops:{row['id']}"
    reader = Reader.open(settings.db_path())
    before = _comment_bodies(reader, incident_id)
    async with httpx.AsyncClient(base_url=aoh.url) as client:
        response = await client.post(
            f"/v1/incident/{row['id']}/comments",
            json={"text": "Teammate: pump replaced"},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
    assert response.status_code == 201
    assert (await sync(settings)).ok  # the listing has no comments and the lock is the same
    assert _comment_bodies(reader, incident_id) == before

    assert await _refresh(settings, incident_id)

    assert _comment_bodies(reader, incident_id) == [*before, "Teammate: pump replaced"]
    assert reader.count(ListQuery(search="pump replaced")) == 1


async def test_reading_an_incident_again_brings_a_oneuptime_note(
    serve: Serve, tmp_path: Path
) -> None:
    oneuptime = serve("oneuptime", sample=3)
    settings = settings_for(tmp_path, oneuptime.emulator.remote_config("uptime"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    incident_id = reader.page(ListQuery(), 0, 1)[0].id
    remote_id = incident_id.split(":", 1)[1]
    oneuptime.emulator.add_note(remote_id, "Status page updated by comms")

    assert await _refresh(settings, incident_id)

    assert "Status page updated by comms" in _comment_bodies(reader, incident_id)


async def test_an_incident_not_yet_on_the_remote_is_not_asked_for(
    serve: Serve, tmp_path: Path
) -> None:
    from incident_tui.domain.model import Draft
    from incident_tui.store.actions import Actions

    aoh = serve("aoh_ims", sample=0)
    settings = settings_for(tmp_path, aoh.emulator.remote_config("ops"))
    queued = Actions.open(settings.db_path()).create("ops", "aoh_ims", Draft("Made offline"))
    aoh.emulator.log.clear()

    assert not await _refresh(settings, queued.incident_id)

    assert aoh.emulator.log == []


async def test_a_revily_escalation_pages_someone_else_and_the_cache_follows(
    serve: Serve, tmp_path: Path
) -> None:
    from incident_tui.emulators.revily_lifecycle import escalate

    revily = serve("revily", sample=0)
    made = revily.emulator.add("Queue depth alarm")
    settings = settings_for(tmp_path, revily.emulator.remote_config("oncall"))
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    incident_id = f"oncall:{made['id']}"
    before = reader.detail(incident_id)
    assert before is not None
    with revily.emulator.lock:
        row = revily.emulator.incidents[made["id"]]
        escalate(row, revily.emulator.services[row.service_id].policy)
        paged = row.user_id
    # Only who is paged changed: same state, same times, same message.
    assert revily.emulator.incident(made["id"])["state"] == "triggered"

    report = await sync(settings)

    assert report.ok and report.results[0].pulled == 1
    after = reader.detail(incident_id)
    assert after is not None and after.incident["assignees"] == [paged]
    assert after.incident["assignees"] != before.incident["assignees"]


def test_show_fresh_reads_the_incident_from_its_remote_first(
    serve: Serve, tmp_path: Path, monkeypatch: Any, capsys: Any
) -> None:
    import json

    from incident_tui.cli import main

    aoh = serve("aoh_ims", sample=3)
    config = aoh.emulator.remote_config("ops")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([config]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    assert main(["sync", "--once"]) == 0
    row = _rows(aoh)[0]
    incident_id = f"ops:{row['id']}"
    with httpx.Client(base_url=aoh.url) as client:
        response = client.post(
            f"/v1/incident/{row['id']}/comments",
            json={"text": "Added by the day shift"},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
    assert response.status_code == 201
    capsys.readouterr()

    assert main(["show", incident_id, "--json"]) == 0
    assert "Added by the day shift" not in capsys.readouterr().out
    assert main(["show", incident_id, "--json", "--fresh"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert "Added by the day shift" in [c["body"] for c in shown["comments"]]

    aoh.stop()
    assert main(["show", incident_id, "--fresh"]) == 0
    captured = capsys.readouterr()
    assert "Added by the day shift" in captured.out
    assert captured.err.startswith(f"incident-tui: cannot read {incident_id} from its remote: ")
    assert captured.err.rstrip().endswith("showing the cached copy")
