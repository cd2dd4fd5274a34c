"""Several changes queued for one incident while someone else edits it on the remote: each
is checked against what the remote had when the cache last saw it. Sending one change must
not make the others take the remote's unseen edits for agreed: a later change to a field
someone else changed is a conflict, never an overwrite."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx

from incident_tui.config import Settings
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from tests.integration.conftest import Serve
from tests.integration.test_discard_refresh import Clock
from tests.integration.test_sync import settings_for, sync


async def synced_kitehouse(
    serve: Serve, tmp_path: Path, *titles: str
) -> tuple[Any, Settings, list[str]]:
    """A Kitehouse emulator (which lists by update time, so a pass lists only what changed)
    holding incidents with these titles, synced into a cache: the emulator, the settings and
    the incidents' remote ids."""
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_ids = [str(emulator.add(title)["_id"]) for title in titles]
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings)).ok
    return emulator, settings, remote_ids


async def test_an_edit_queued_after_an_ack_does_not_overwrite_their_title(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Our first title")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.acknowledge([incident_id])
    actions.edit(incident_id, {"title": "My title"})
    emulator.touch(remote_id, short_description="Their title")

    result = (await sync(settings)).results[0]

    # The acknowledge went (nobody else changed the status); the edit waits for the user.
    assert result.pushed == 1 and result.conflicts == 1
    assert emulator.incident(remote_id)["short_description"] == "Their title"
    assert emulator.incident(remote_id)["status"] == "in_progress"
    changes = [(c["op"], c["state"]) for c in Reader.open(settings.db_path()).outbox()]
    assert changes == [("edit", "conflict")]


async def test_an_ack_queued_after_an_edit_does_not_undo_their_resolve(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Leak in the gym")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.edit(incident_id, {"title": "Leak in the gym, east side"})
    actions.acknowledge([incident_id])
    emulator.touch(remote_id, status="closed")

    result = (await sync(settings)).results[0]

    assert result.pushed == 1 and result.conflicts == 1
    assert emulator.incident(remote_id)["status"] == "closed"
    assert emulator.incident(remote_id)["short_description"] == "Leak in the gym, east side"
    changes = [(c["op"], c["state"]) for c in Reader.open(settings.db_path()).outbox()]
    assert changes == [("acknowledge", "conflict")]


async def test_an_ack_then_a_resolve_queued_together_are_no_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Smoke alarm")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.acknowledge([incident_id])
    actions.resolve([incident_id])

    result = (await sync(settings)).results[0]

    assert result.pushed == 2 and result.conflicts == 0
    assert emulator.incident(remote_id)["status"] == "closed"


async def test_keeping_mine_overwrites_what_was_seen_and_nothing_later(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "First")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.edit(incident_id, {"title": "Mine"})
    emulator.touch(remote_id, short_description="Theirs")
    assert (await sync(settings)).results[0].conflicts == 1
    outbox_answers.keep_mine(actions.engine, incident_id)
    # Someone writes again after the user settled, before the next sync.
    emulator.touch(remote_id, short_description="Theirs 2")

    assert (await sync(settings)).results[0].conflicts == 1
    assert emulator.incident(remote_id)["short_description"] == "Theirs 2"
    # Settled again, with nothing new on the remote: mine goes over what the user saw.
    outbox_answers.keep_mine(actions.engine, incident_id)
    result = (await sync(settings)).results[0]
    assert result.pushed == 1 and result.conflicts == 0
    assert emulator.incident(remote_id)["short_description"] == "Mine"


async def test_an_edit_made_against_values_a_sync_replaced_is_a_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    clock = Clock()
    emulator: Any = serve("kitehouse", sample=0, clock=clock).emulator
    remote_id = str(emulator.add("Gas smell", description="Lab 2")["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings)).ok
    incident_id = f"school:{remote_id}"
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None
    read = {name: detail.incident[name] for name in ("title", "description", "severity")}
    # The user is still typing when a sync brings a colleague's title.
    clock.advance()
    emulator.touch(remote_id, short_description="Gas smell, lab evacuated")
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    actions.edit(incident_id, {"title": "Gas smell in lab 2"}, read=read)

    assert (await sync(settings)).results[0].conflicts == 1
    assert emulator.incident(remote_id)["short_description"] == "Gas smell, lab evacuated"
    # Keeping mine goes over the title the user was shown in the conflict.
    outbox_answers.keep_mine(actions.engine, incident_id)
    result = (await sync(settings)).results[0]
    assert result.pushed == 1 and result.conflicts == 0
    assert emulator.incident(remote_id)["short_description"] == "Gas smell in lab 2"


async def test_an_edit_read_as_the_cache_still_has_it_goes_without_asking(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Door jammed")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.edit(incident_id, {"title": "Door jammed, exit 3"}, read={"title": "Door jammed"})

    result = (await sync(settings)).results[0]

    assert result.pushed == 1 and result.conflicts == 0
    assert emulator.incident(remote_id)["short_description"] == "Door jammed, exit 3"


async def test_an_attribute_someone_else_changed_is_a_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=6)
    emulator: Any = aoh.emulator
    config = emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    row = next(r for tenant in emulator.tenants.values() for r in tenant.incidents.values()
               if "count" in (r.get("attributes") or {}))
    incident_id = f"ops:{row['id']}"
    actions = Actions.open(settings.db_path())
    actions.set_attribute(incident_id, "count", 5)
    actions.set_attribute(incident_id, "count", 6)  # checked against the 5 queued before
    async with httpx.AsyncClient(base_url=aoh.url) as client:
        response = await client.put(
            f"/v1/incident/{row['id']}/attributes", json={"name": "count", "value": 99},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
        assert response.status_code == 200

    result = (await sync(settings)).results[0]

    assert result.conflicts == 1 and emulator.row(row["id"])["attributes"]["count"] == 99
    [first, second] = Reader.open(settings.db_path()).outbox()
    assert (first["state"], second["state"]) == ("conflict", "queued")
    assert "the remote changed count since the last sync (it has 99)" in first["last_error"]
    # Keeping mine sends both over their value.
    outbox_answers.keep_mine(actions.engine, incident_id)
    result = (await sync(settings)).results[0]
    assert result.pushed == 2 and emulator.row(row["id"])["attributes"]["count"] == 6


async def test_a_description_never_read_is_not_written_over_unseen(
    serve: Serve, tmp_path: Path
) -> None:
    # Kitehouse list rows carry no description; past the hydrate limit (0 here) the cache
    # never read this one, and an edit typed into the empty field must not replace it.
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_id = str(emulator.add("Gas smell", description="Lab 2, keep the door shut")["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings)).ok
    incident_id = f"school:{remote_id}"
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None and detail.incident["description"] is None
    actions = Actions.open(settings.db_path())
    actions.edit(incident_id, {"description": "Student OK"})

    result = (await sync(settings)).results[0]

    assert result.pushed == 0 and result.conflicts == 1
    assert emulator.incident(remote_id)["description"] == "Lab 2, keep the door shut"
    [change] = Reader.open(settings.db_path()).outbox()
    assert change["state"] == "conflict"
    assert "description that was not loaded" in change["last_error"]
    # Keeping mine, now that the remote's text was shown, sends it.
    outbox_answers.keep_mine(actions.engine, incident_id)
    assert (await sync(settings)).results[0].pushed == 1
    assert emulator.incident(remote_id)["description"] == "Student OK"


async def test_a_description_never_read_goes_when_the_remote_has_none(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Door jammed")
    incident_id = f"school:{remote_id}"
    Actions.open(settings.db_path()).edit(incident_id, {"description": "Exit 3"})

    result = (await sync(settings)).results[0]

    assert result.pushed == 1 and result.conflicts == 0
    assert emulator.incident(remote_id)["description"] == "Exit 3"


async def test_keeping_mine_of_a_status_does_not_agree_to_their_title_for_an_edit_held_behind(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Boiler noise")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.acknowledge([incident_id])
    actions.edit(incident_id, {"title": "Boiler noise, room 4"})
    emulator.touch(remote_id, status="closed", short_description="Boiler fixed")
    assert (await sync(settings)).results[0].conflicts == 1

    # The answer is about the status alone: the edit waiting behind it was never shown
    # their new title, so it is a conflict of its own, not written over theirs.
    outbox_answers.keep_mine(actions.engine, incident_id)
    result = (await sync(settings)).results[0]

    assert result.pushed == 1 and result.conflicts == 1
    assert emulator.incident(remote_id)["status"] == "in_progress"
    assert emulator.incident(remote_id)["short_description"] == "Boiler fixed"
    changes = [(c["op"], c["state"]) for c in Reader.open(settings.db_path()).outbox()]
    assert changes == [("edit", "conflict")]


async def test_taking_theirs_of_a_status_keeps_an_edit_held_behind_shown_and_contested(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Boiler noise")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    actions.acknowledge([incident_id])
    actions.edit(incident_id, {"title": "Boiler noise, room 4"})
    emulator.touch(remote_id, status="closed", short_description="Boiler fixed")
    assert (await sync(settings)).results[0].conflicts == 1

    outbox_answers.take_theirs(actions.engine, incident_id)
    reader = Reader.open(settings.db_path())
    detail = reader.detail(incident_id)
    assert detail is not None
    # Their status; the title is still the one the queued edit shows.
    assert detail.incident["status"] == "resolved"
    assert detail.incident["title"] == "Boiler noise, room 4"

    result = (await sync(settings)).results[0]
    assert result.pushed == 0 and result.conflicts == 1
    assert emulator.incident(remote_id)["short_description"] == "Boiler fixed"
    changes = [(c["op"], c["state"]) for c in reader.outbox()]
    assert changes == [("edit", "conflict")]


async def test_discarding_a_contested_status_leaves_an_edit_held_behind_contested(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [remote_id] = await synced_kitehouse(serve, tmp_path, "Boiler noise")
    incident_id = f"school:{remote_id}"
    actions = Actions.open(settings.db_path())
    [ack] = actions.acknowledge([incident_id])
    actions.edit(incident_id, {"title": "Boiler noise, room 4"})
    emulator.touch(remote_id, status="closed", short_description="Boiler fixed")
    assert (await sync(settings)).results[0].conflicts == 1

    outbox_answers.discard(actions.engine, ack.seq)
    result = (await sync(settings)).results[0]

    assert result.pushed == 0 and result.conflicts == 1
    assert emulator.incident(remote_id)["short_description"] == "Boiler fixed"


async def test_taking_theirs_of_an_attribute_shows_their_value_at_once(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=6)
    emulator: Any = aoh.emulator
    config = emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    row = next(r for tenant in emulator.tenants.values() for r in tenant.incidents.values()
               if "count" in (r.get("attributes") or {}))
    incident_id = f"ops:{row['id']}"
    actions = Actions.open(settings.db_path())
    actions.set_attribute(incident_id, "count", 5)
    async with httpx.AsyncClient(base_url=aoh.url) as client:
        response = await client.put(
            f"/v1/incident/{row['id']}/attributes", json={"name": "count", "value": 99},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
        assert response.status_code == 200
    assert (await sync(settings)).results[0].conflicts == 1

    outbox_answers.take_theirs(actions.engine, incident_id)

    # Ours is dropped: the incident shows their value, not the one never sent.
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None and detail.incident["custom_fields"]["count"] == 99
    assert emulator.row(row["id"])["attributes"]["count"] == 99


async def test_discarding_a_contested_attribute_shows_their_value_at_once(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=6)
    emulator: Any = aoh.emulator
    config = emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    row = next(r for tenant in emulator.tenants.values() for r in tenant.incidents.values()
               if "count" in (r.get("attributes") or {}))
    incident_id = f"ops:{row['id']}"
    actions = Actions.open(settings.db_path())
    change = actions.set_attribute(incident_id, "count", 5)
    async with httpx.AsyncClient(base_url=aoh.url) as client:
        response = await client.put(
            f"/v1/incident/{row['id']}/attributes", json={"name": "count", "value": 99},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
        assert response.status_code == 200
    assert (await sync(settings)).results[0].conflicts == 1

    outbox_answers.discard(actions.engine, change.seq)

    # The value never sent is gone from sight too: the incident shows theirs, offline.
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None and detail.incident["custom_fields"]["count"] == 99
    assert detail.incident["pending"] == 0


async def test_taking_theirs_of_an_attribute_sends_a_value_held_behind_over_theirs(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=6)
    emulator: Any = aoh.emulator
    config = emulator.remote_config("ops")
    settings = settings_for(tmp_path, config)
    assert (await sync(settings)).ok
    row = next(r for tenant in emulator.tenants.values() for r in tenant.incidents.values()
               if "count" in (r.get("attributes") or {}))
    incident_id = f"ops:{row['id']}"
    actions = Actions.open(settings.db_path())
    actions.set_attribute(incident_id, "count", 5)
    actions.set_attribute(incident_id, "count", 6)
    async with httpx.AsyncClient(base_url=aoh.url) as client:
        response = await client.put(
            f"/v1/incident/{row['id']}/attributes", json={"name": "count", "value": 99},
            headers={"Authorization": f"Bearer {config['token']}"},
        )
        assert response.status_code == 200
    assert (await sync(settings)).results[0].conflicts == 1

    # Their 99 was shown and taken: the 6 queued after the dropped 5 goes over it, as a
    # held edit of a contested title goes over the title seen, not asked about again.
    outbox_answers.take_theirs(actions.engine, incident_id)
    result = (await sync(settings)).results[0]

    assert result.pushed == 1 and result.conflicts == 0
    assert emulator.row(row["id"])["attributes"]["count"] == 6
    assert Reader.open(settings.db_path()).outbox() == []
