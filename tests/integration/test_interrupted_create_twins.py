"""An interrupted AOH IMS create (the remote took it, the local commit never happened) is
looked for by title, as the API keeps no key of ours. The lookup must not take an incident
another create from here made with the same title, and what the user did meanwhile to a
pulled copy of the incident (a comment) must survive the create being settled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from incident_tui.clock import system_clock
from incident_tui.domain.model import Draft
from incident_tui.domain.query import ListQuery
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_push_once import crash
from tests.integration.test_sync import settings_for, sync


def _titled(emulator: Any, title: str) -> list[dict[str, Any]]:
    rows = [row for tenant in emulator.tenants.values() for row in tenant.incidents.values()]
    return sorted((r for r in rows if r["name"] == title), key=lambda r: r["created_at"])


def _comments(emulator: Any, remote_id: str) -> list[str]:
    comments = emulator.tenants[next(iter(emulator.tenants))].comments
    return [c["text"] for c in comments.get(remote_id, {}).values()]


async def test_a_second_create_with_the_same_title_is_not_taken_for_the_first(
    serve: Serve, tmp_path: Path
) -> None:
    # The emulator dates incidents by the same clock as the lookup's window.
    aoh = serve("aoh_ims", sample=0, clock=system_clock)
    emulator: Any = aoh.emulator
    settings = settings_for(tmp_path, emulator.remote_config("ops"), hydrate_limit=0)
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    actions.create("ops", "aoh_ims", Draft(title="Server down"))
    assert (await sync(settings)).ok
    [first] = _titled(emulator, "Server down")
    # The second create dies after the remote took it; then the user comments on the first.
    actions.create("ops", "aoh_ims", Draft(title="Server down"))
    await sync(settings, after_push=crash)
    actions.comment(f"ops:{first['id']}", "on the first one")

    assert (await sync(settings)).ok

    first_row, second_row = _titled(emulator, "Server down")
    assert first_row["id"] == first["id"]
    assert _comments(emulator, first["id"]) == ["on the first one"]
    reader = Reader.open(settings.db_path())
    cached = {row.id for row in reader.all_rows(ListQuery()) if row.title == "Server down"}
    assert cached == {f"ops:{first['id']}", f"ops:{second_row['id']}"}
    assert reader.outbox() == []


async def test_a_comment_on_the_pulled_copy_of_an_interrupted_create_is_sent(
    serve: Serve, tmp_path: Path
) -> None:
    aoh = serve("aoh_ims", sample=0, clock=system_clock)
    emulator: Any = aoh.emulator
    settings = settings_for(tmp_path, emulator.remote_config("ops"), hydrate_limit=0)
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    made = actions.create("ops", "aoh_ims", Draft(title="Generator room flooded"))
    await sync(settings, after_push=crash)
    [created] = _titled(emulator, "Generator room flooded")
    # The lookup for the create is told to wait: the push holds, the pull brings the
    # incident as a copy of its own, and the user comments on that copy.
    emulator.faults.add("status", method="GET", status=503, retry_after="30", times=1)
    await sync(settings)
    pulled = f"ops:{created['id']}"
    reader = Reader.open(settings.db_path())
    assert {made.incident_id, pulled} <= {row.id for row in reader.all_rows(ListQuery())}
    actions.comment(pulled, "pumps on their way")

    later = datetime.now(UTC) + timedelta(minutes=1)  # the wait the remote asked for is over
    assert (await sync(settings, clock=lambda: later)).ok

    assert _comments(emulator, created["id"]) == ["pumps on their way"]
    assert len(_titled(emulator, "Generator room flooded")) == 1
    rows = [row.id for row in reader.all_rows(ListQuery()) if row.title.startswith("Generator")]
    assert rows == [pulled] and reader.outbox() == []
