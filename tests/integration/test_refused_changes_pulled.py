"""A change the remote refused waits for the user (retry or discard), possibly for days; the
pulls meanwhile store what the remote really has, against a Kitehouse emulator over HTTP.
The refused change stays listed with its reason; a retry shows it again and is still checked
against what the remote had when it was queued, so someone else's edit since is a conflict;
a discard leaves the remote's values shown. An incident with a change still queued keeps its
local view, as before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.config import Settings
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from tests.integration.conftest import Serve
from tests.integration.test_discard_refresh import Clock
from tests.integration.test_sync import settings_for, sync

LOCKED = {"statusCode": 422, "error": "Unprocessable Entity", "message": "Locked by policy"}
"""The Kitehouse answer that refuses a write."""


async def refused_site(
    serve: Serve, tmp_path: Path, title: str
) -> tuple[Any, Clock, Settings, str, str]:
    """A Kitehouse emulator holding one open incident with ``title``, synced into a cache,
    and set to refuse the next write to that incident: the emulator, its clock, the
    settings, the incident's remote id and its id in the cache."""
    clock = Clock()
    emulator: Any = serve("kitehouse", sample=0, clock=clock).emulator
    remote_id = str(emulator.add(title)["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings)).ok
    emulator.faults.add("status", method="PUT", path=remote_id, status=422, body=LOCKED)
    return emulator, clock, settings, remote_id, f"school:{remote_id}"


def shown(settings: Settings, incident_id: str) -> dict[str, Any]:
    """The incident as the cache shows it."""
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None
    return detail.incident


def changes(settings: Settings) -> list[tuple[str, str, str | None]]:
    """Operation, state and reason of every change in the outbox, in order."""
    return [
        (c["op"], c["state"], c["last_error"]) for c in Reader.open(settings.db_path()).outbox()
    ]


async def test_a_pull_shows_what_they_changed_while_a_refused_change_waits(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, clock, settings, remote_id, incident_id = await refused_site(
        serve, tmp_path, "Leak in the gym"
    )
    Actions.open(settings.db_path()).edit(incident_id, {"title": "Leak in the gym, east side"})

    result = (await sync(settings)).results[0]

    assert result.ok and result.failed == 1
    # The refused edit never happened on the remote: the cache says so at once.
    assert shown(settings, incident_id)["title"] == "Leak in the gym"

    # A colleague closes and renames it while the refused edit waits for the user.
    clock.advance()
    emulator.touch(remote_id, status="closed", short_description="Leak fixed")
    assert (await sync(settings)).ok

    incident = shown(settings, incident_id)
    assert (incident["title"], incident["status"]) == ("Leak fixed", "resolved")
    assert incident["pending"] == 1 and "Locked by policy" in incident["failed"]
    [(op, state, reason)] = changes(settings)
    assert (op, state) == ("edit", "failed") and reason and "Locked by policy" in reason
    assert emulator.incident(remote_id)["short_description"] == "Leak fixed"


async def test_a_retry_after_their_edit_of_the_same_field_is_a_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, clock, settings, remote_id, incident_id = await refused_site(
        serve, tmp_path, "Leak in the gym"
    )
    actions = Actions.open(settings.db_path())
    refused = actions.edit(incident_id, {"title": "Mine"})
    assert (await sync(settings)).results[0].failed == 1
    clock.advance()
    emulator.touch(remote_id, short_description="Theirs")
    assert (await sync(settings)).ok
    assert shown(settings, incident_id)["title"] == "Theirs"
    # A later pull (they close it) must not make "Theirs" the edit's base either.
    clock.advance()
    emulator.touch(remote_id, status="closed")
    assert (await sync(settings)).ok
    assert shown(settings, incident_id)["status"] == "resolved"

    outbox_answers.retry(actions.engine, refused.seq)

    assert shown(settings, incident_id)["title"] == "Mine"  # shown again, as when queued
    result = (await sync(settings)).results[0]
    assert result.conflicts == 1 and result.pushed == 0
    assert emulator.incident(remote_id)["short_description"] == "Theirs"
    assert [(op, state) for op, state, _ in changes(settings)] == [("edit", "conflict")]
    # Keeping mine goes over what the user saw now, not over the base first queued against.
    outbox_answers.keep_mine(actions.engine, incident_id)
    result = (await sync(settings)).results[0]
    assert result.pushed == 1 and result.conflicts == 0
    assert emulator.incident(remote_id)["short_description"] == "Mine"


async def test_a_retried_resolve_shows_again_and_keeps_their_other_edits(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, clock, settings, remote_id, incident_id = await refused_site(
        serve, tmp_path, "Smoke alarm"
    )
    actions = Actions.open(settings.db_path())
    [refused] = actions.resolve([incident_id])
    assert (await sync(settings)).results[0].failed == 1
    incident = shown(settings, incident_id)
    assert (incident["status"], incident["resolved_at"]) == ("triggered", None)
    clock.advance()
    emulator.touch(remote_id, short_description="Smoke alarm, hall B")
    assert (await sync(settings)).ok

    outbox_answers.retry(actions.engine, refused.seq)

    incident = shown(settings, incident_id)
    assert (incident["title"], incident["status"]) == ("Smoke alarm, hall B", "resolved")
    assert incident["resolved_at"] is not None and incident["failed"] is None
    result = (await sync(settings)).results[0]
    assert result.pushed == 1 and result.conflicts == 0
    record = emulator.incident(remote_id)
    assert (record["status"], record["short_description"]) == ("closed", "Smoke alarm, hall B")
    assert changes(settings) == []
    incident = shown(settings, incident_id)
    assert (incident["title"], incident["status"], incident["pending"]) == (
        "Smoke alarm, hall B", "resolved", 0,
    )  # fmt: skip


async def test_discarding_a_refused_change_keeps_what_the_remote_has_shown(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, clock, settings, remote_id, incident_id = await refused_site(
        serve, tmp_path, "Broken window"
    )
    actions = Actions.open(settings.db_path())
    refused = actions.edit(incident_id, {"title": "Broken window, room 4"})
    assert (await sync(settings)).results[0].failed == 1
    clock.advance()
    emulator.touch(remote_id, short_description="Broken window, room 5", status="closed")
    assert (await sync(settings)).ok

    outbox_answers.discard(actions.engine, refused.seq)

    incident = shown(settings, incident_id)
    assert (incident["title"], incident["status"]) == ("Broken window, room 5", "resolved")
    assert (incident["pending"], incident["failed"]) == (0, None)
    assert changes(settings) == []


async def test_an_incident_with_a_change_still_queued_keeps_its_local_view(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, clock, settings, remote_id, incident_id = await refused_site(
        serve, tmp_path, "Flooded corridor"
    )
    actions = Actions.open(settings.db_path())
    actions.acknowledge([incident_id])
    actions.comment(incident_id, "Mopping up")  # waits behind the refused acknowledgement
    assert (await sync(settings)).results[0].failed == 1
    clock.advance()
    emulator.touch(remote_id, short_description="Flooded corridor, ground floor")
    assert (await sync(settings)).ok

    incident = shown(settings, incident_id)
    assert (incident["title"], incident["status"]) == ("Flooded corridor", "acknowledged")
    assert [(op, state) for op, state, _ in changes(settings)] == [
        ("acknowledge", "failed"), ("comment", "queued"),
    ]  # fmt: skip
