"""OneuptimeConnector against the OneUptime emulator over real HTTP: keyset pulls, get with
notes/owners/timeline, every write, create + find_created, auth failures and every fault."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from incident_tui.config import OneuptimeRemote
from incident_tui.domain.model import Draft, Incident, Severity, Status
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.oneuptime import NO_PERMISSION_API_KEY, READ_ONLY_API_KEY
from incident_tui.emulators.server import FaultKind
from incident_tui.remote.base import Page
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    Refused,
    Unavailable,
)
from incident_tui.remote.oneuptime import KEY_FIELD, OneuptimeConnector
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep
from tests.integration.test_oneuptime_emulator import ou

MISSING = "6b1f7a3c-0d2e-4f5a-8b9c-1d2e3f4a5b6c"


@pytest.fixture
async def opened() -> AsyncIterator[list[OneuptimeConnector]]:
    """Connectors made by :func:`connect`, closed after the test."""
    made: list[OneuptimeConnector] = []
    yield made
    for connector in made:
        await connector.aclose()


def connect(srv: EmulatorServer, made: list[OneuptimeConnector], sleep: Any = no_sleep,
            **overrides: Any) -> OneuptimeConnector:
    """A connector for the emulator (config overrides as keywords), closed by ``opened``."""
    config = OneuptimeRemote(**{**ou(srv).remote_config("ou"), **overrides})
    connector = OneuptimeConnector(config, sleep=sleep)
    made.append(connector)
    return connector


async def pages(connector: OneuptimeConnector, cursor: str | None = None,
                full: bool = False) -> list[Page]:
    """Every page of one pull."""
    return [page async for page in connector.pull(cursor, full=full)]


def incident_lists(srv: EmulatorServer) -> int:
    """How many incident list calls the emulator has seen."""
    return sum(1 for e in ou(srv).log if e.path == "/api/incident/get-list")


async def test_full_pull_maps_every_incident(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=250, investigating_state=True)
    connector = connect(srv, opened)
    got = await pages(connector)
    assert len(got) == 3 and [p.complete for p in got] == [False, False, True]
    assert all(p.partial and p.cursor for p in got)
    incidents = [i for p in got for i in p.incidents]
    assert len({i.remote_id for i in incidents}) == 250
    assert all(i.comments is None for i in incidents)
    by_state = {i.status_raw: i.status for i in incidents}
    assert by_state == {"Identified": Status.TRIGGERED, "Acknowledged": Status.ACKNOWLEDGED,
                        "Investigating": Status.ACKNOWLEDGED, "Resolved": Status.RESOLVED}
    row = ou(srv).incident(incidents[0].remote_id)
    first = incidents[0]
    assert first.ref == row["incidentNumberWithPrefix"] and first.title == row["title"]
    assert first.container == row["projectId"] and first.custom_fields == row["customFields"]
    assert first.reporter and first.extra["labels"] and first.extra["monitors"]
    assert first.category == first.extra["labels"][0]
    assert {i.severity for i in incidents} == {Severity.CRITICAL, Severity.MAJOR, Severity.MINOR}
    assert any("root cause" in i.extra for i in incidents)
    assert first.version == first.raw["updatedAt"]
    # The unflagged "Investigating" needs the catalog: read once, then cached.
    paths = [e.path for e in ou(srv).log]
    assert paths.count("/api/incident-state/get-list") == 1
    assert paths.count("/api/incident-severity/get-list") == 1


async def test_flagged_states_need_no_catalog(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=50)
    got = await pages(connect(srv, opened, base_url=srv.url))  # "/api" is added when missing
    assert len(got[0].incidents) == 50
    assert {e.path for e in ou(srv).log} == {"/api/incident/get-list"}


async def test_incremental_pull_costs_one_request(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=120)
    connector = connect(srv, opened)
    cursor = (await pages(connector))[-1].cursor
    ou(srv).log.clear()
    unchanged = await pages(connector, cursor)
    assert len(ou(srv).log) == 1 and unchanged[0].incidents == []
    assert unchanged[0].cursor == cursor and not unchanged[0].complete
    some = list(ou(srv).tables["incident"].rows)[:3]
    for incident_id in some:
        ou(srv).touch(incident_id, title=f"changed {incident_id[:4]}")
    changed = await pages(connector, cursor)
    assert [i.remote_id for p in changed for i in p.incidents] == some
    assert changed[-1].cursor != cursor
    ou(srv).log.clear()
    assert (await pages(connector, changed[-1].cursor))[0].incidents == []
    assert len(ou(srv).log) == 1
    reconciled = await pages(connector, changed[-1].cursor, full=True)
    assert sum(len(p.incidents) for p in reconciled) == 120 and reconciled[-1].complete


async def test_cursor_after_every_page_resumes_without_loss(serve: Serve,
                                                            opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=230)
    connector = connect(srv, opened)
    first = (await pages(connector))[0]
    rest = await pages(connector, first.cursor)
    seen = [i.remote_id for i in first.incidents] + [i.remote_id for p in rest for i in p.incidents]
    assert sorted(seen) == sorted(ou(srv).tables["incident"].rows)
    assert len(seen) == len(set(seen))


async def test_tie_groups_larger_than_a_page(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=260)
    table = ou(srv).tables["incident"]
    for row in list(table.rows.values())[:230]:
        row["updatedAt"] = FIXED_NOW - timedelta(days=30)  # a bulk update in one millisecond
    table.changed()
    connector = connect(srv, opened)
    got = await pages(connector)
    seen = [i.remote_id for p in got for i in p.incidents]
    assert sorted(seen) == sorted(table.rows) and got[-1].complete
    middle = (await pages(connector))[0].cursor  # stored inside the tie group
    rest = [i.remote_id for p in await pages(connector, middle) for i in p.incidents]
    assert len(rest) == 160 and len(set(rest)) == 160
    ou(srv).log.clear()
    assert [i for p in await pages(connector, got[-1].cursor) for i in p.incidents] == []


async def test_get_has_notes_owners_and_timeline(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=60)
    connector = connect(srv, opened)
    emulator = ou(srv)
    resolved = next(r for r in emulator.tables["incident"].rows.values()
                    if r["currentIncidentStateId"] == emulator.state_id("Resolved"))
    emulator.add_note(resolved["_id"], "internal words")
    emulator.add_note(resolved["_id"], "public words", public=True)
    full = await connector.get(resolved["_id"])
    assert full.status == Status.RESOLVED and full.resolved_at and full.acknowledged_at
    assert full.acknowledged_at <= full.resolved_at
    assert full.assignees and full.attachments == []
    assert full.comments is not None
    visibility = {c.body: c.visibility for c in full.comments}
    assert visibility["internal words"] == "internal" and visibility["public words"] == "public"
    assert all(c.created_at for c in full.comments)
    triggered = emulator.add("Fresh")
    fresh = await connector.get(triggered["_id"])
    assert fresh.comments == [] and fresh.acknowledged_at is None and fresh.assignees == []
    with pytest.raises(NotFound):
        await connector.get(MISSING)
    with pytest.raises(NotFound):
        await connector.get("not-an-id")


async def test_transitions(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", investigating_state=True)
    emulator = ou(srv)
    connector = connect(srv, opened)
    row = emulator.add("Transitions")
    current = await connector.get(row["_id"])
    assert await connector.acknowledge(current) is None
    assert row["currentIncidentStateId"] == emulator.state_id("Acknowledged")
    current = await connector.get(row["_id"])
    assert current.status == Status.ACKNOWLEDGED and current.acknowledged_at
    ou(srv).log.clear()
    assert await connector.acknowledge(current) is current  # already there: no write
    assert not [e for e in emulator.log if e.method == "PUT"]
    await connector.resolve(current)
    current = await connector.get(row["_id"])
    assert current.status == Status.RESOLVED and current.resolved_at
    await connector.reopen(current)
    current = await connector.get(row["_id"])
    assert current.status == Status.TRIGGERED and current.resolved_at is None
    custom = connect(srv, opened, ack_state_id=emulator.state_id("Investigating"))
    await custom.acknowledge(current)
    assert row["currentIncidentStateId"] == emulator.state_id("Investigating")
    assert (await custom.get(row["_id"])).status == Status.ACKNOWLEDGED
    with pytest.raises(NotFound):
        await connector.resolve(fake(row["_id"][:-4] + "0000"))


def fake(remote_id: str) -> Incident:
    """A minimal incident to hand to a write (no comments known)."""
    return Incident("ou", "oneuptime", remote_id, "x", Status.TRIGGERED, "Identified", FIXED_NOW)


async def test_edit_comment_delete(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime")
    emulator = ou(srv)
    connector = connect(srv, opened)
    row = emulator.add("Old title")
    current = await connector.get(row["_id"])
    assert await connector.edit(current, {"title": "New", "description": "Text",
                                          "severity": "critical"}) is None
    edited = await connector.get(row["_id"])
    assert (edited.title, edited.description, edited.severity) == ("New", "Text",
                                                                   Severity.CRITICAL)
    await connector.edit(edited, {"severity": Severity.MAJOR})
    assert (await connector.get(row["_id"])).severity_raw == "Major Incident"
    with pytest.raises(Refused):
        await connector.edit(edited, {"severity": None})
    internal = await connector.comment(edited, "private")
    public = await connector.comment(edited, "for customers", public=True)
    noted = await connector.add_note(edited, "via add_note", public=False)
    assert (internal.visibility, public.visibility, noted.visibility) == (
        "internal", "public", "internal")
    assert public.created_at == FIXED_NOW
    listed = (await connector.get(row["_id"])).comments or []
    assert {c.body for c in listed} == {"private", "for customers", "via add_note"}
    after = await connector.get(row["_id"])
    await connector.delete_comment(after, public.remote_id)
    await connector.delete_comment(fake(row["_id"]), internal.remote_id)
    assert {c.body for c in (await connector.get(row["_id"])).comments or []} == {"via add_note"}
    await connector.delete(after)
    with pytest.raises(NotFound):
        await connector.get(row["_id"])
    await connector.delete(after)  # already gone: still fine


async def test_catalog_states_severities_and_rank(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", investigating_state=True)
    emulator = ou(srv)
    connector = connect(srv, opened)
    states = await connector.states()
    assert [(s["name"], s["status"]) for s in states] == [
        ("Identified", "triggered"), ("Acknowledged", "acknowledged"),
        ("Investigating", "acknowledged"), ("Resolved", "resolved")]
    assert [s["severity"] for s in await connector.severities()] == ["critical", "major", "minor"]
    # A severity without a keyword, added after the cache was filled: refreshed on the miss.
    odd = emulator.create_row("incident-severity", emulator.tables["incident-severity"].rows[
        emulator.severity_id("Critical Incident")]["projectId"], {"name": "Sev Zero", "order": 0})
    row = emulator.add("Ranked", severity="Sev Zero")
    incident = await connector.get(row["_id"])
    assert (incident.severity, incident.severity_raw) == (Severity.CRITICAL, "Sev Zero")
    assert odd["_id"] in {s["_id"] for s in await connector.severities()}


async def test_create_and_find_created_after_lost_answer(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=5)
    connector = connect(srv, opened)
    made = await connector.create(Draft("Made here", "Body", Severity.MAJOR), "key-1")
    assert made.status == Status.TRIGGERED and made.severity == Severity.MAJOR
    assert made.custom_fields == {KEY_FIELD: "key-1"} and made.ref == "INC-6"
    assert made.comments == []
    lowest = await connector.create(Draft("No severity"), "key-2")
    assert lowest.severity_raw == "Minor Incident"
    ou(srv).faults.add("truncated", method="POST", path=r"^/api/incident$")
    with pytest.raises((BadResponse, Unavailable)):
        await connector.create(Draft("Lost answer"), "key-3")
    creates = [e for e in ou(srv).log if e.method == "POST" and e.path == "/api/incident"]
    assert len(creates) == 3  # never repeated: a create is not idempotent
    found = await connector.find_created(Draft("Lost answer"), "key-3", FIXED_NOW)
    assert found is not None and found.title == "Lost answer"
    assert await connector.find_created(Draft("x"), "never-sent", FIXED_NOW) is None


async def test_auth_and_permission_failures(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=3)
    with pytest.raises(AuthFailed):
        await pages(connect(srv, opened, token=MISSING))
    with pytest.raises(AuthFailed):
        await pages(connect(srv, opened, token="garbage"))
    with pytest.raises(AuthFailed):
        await pages(connect(srv, opened, token=None))
    with pytest.raises(AuthFailed):
        await pages(connect(srv, opened, token=NO_PERMISSION_API_KEY))
    reader = connect(srv, opened, token=READ_ONLY_API_KEY)
    incident = (await pages(reader))[0].incidents[0]
    with pytest.raises(Refused, match="permission"):
        await reader.edit(incident, {"title": "nope"})
    assert all("ApiKey" not in str(e) for e in ou(srv).log)


@pytest.mark.parametrize("kind", ["status", "malformed", "truncated", "drop"])
async def test_faults_are_retried_then_succeed(serve: Serve, opened: list[Any],
                                               kind: FaultKind) -> None:
    srv = serve("oneuptime", sample=30)
    connector = connect(srv, opened)
    ou(srv).faults.add(kind, status=503, retry_after="0", times=2)
    got = await pages(connector)
    assert len(got[0].incidents) == 30


@pytest.mark.parametrize(("kind", "error"), [
    ("status", Unavailable), ("malformed", BadResponse), ("truncated", Unavailable),
    ("drop", Unavailable),
])
async def test_persistent_faults_raise(serve: Serve, opened: list[Any], kind: FaultKind,
                                       error: type[Exception]) -> None:
    srv = serve("oneuptime", sample=3)
    connector = connect(srv, opened)
    ou(srv).faults.add(kind, status=503, times=-1)
    with pytest.raises(error):
        await pages(connector)
    assert incident_lists(srv) == connector.http.attempts


async def test_rate_limit_honours_retry_after(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=3)
    waits: list[float] = []

    async def recording(seconds: float) -> None:
        waits.append(seconds)

    connector = connect(srv, opened, sleep=recording)
    ou(srv).faults.add("status", status=429, retry_after="7", times=1)
    assert len((await pages(connector))[0].incidents) == 3
    assert waits == [7.0]
    ou(srv).faults.add("status", status=429, retry_after="0", times=-1)
    with pytest.raises(RateLimited):
        await pages(connect(srv, opened))


async def test_emulator_rate_limit_then_recovers(serve: Serve, opened: list[Any]) -> None:
    clock = [0.0]
    srv = serve("oneuptime", sample=3, rate_limit=1, monotonic=lambda: clock[0])

    async def tick(seconds: float) -> None:
        clock[0] += 1.0

    connector = connect(srv, opened, sleep=tick)
    await pages(connector)
    assert len((await pages(connector))[0].incidents) == 3  # 429 once, then the next second
    assert [e.status for e in ou(srv).log] == [200, 429, 200]


async def test_delay_beyond_timeout(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=3)
    connector = connect(srv, opened, timeout=0.1)
    ou(srv).faults.add("delay", delay=0.25, times=1)
    assert len((await pages(connector))[0].incidents) == 3
    ou(srv).faults.add("delay", delay=0.25, times=-1)
    with pytest.raises(Unavailable):
        await pages(connector)
    ou(srv).faults.clear()


async def test_write_faults_are_not_repeated(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime")
    connector = connect(srv, opened)
    ou(srv).faults.add("status", status=503, method="POST", path=r"^/api/incident$",
                            times=-1)
    with pytest.raises(Unavailable):
        await connector.create(Draft("Once"), "k")
    assert [e.status for e in ou(srv).log if e.path == "/api/incident"] == [503]


async def test_typed_values_round_trip(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=40, typed_values=True)
    connector = connect(srv, opened)
    assert connector.config.typed_values
    got = await pages(connector)
    incidents = [i for p in got for i in p.incidents]
    assert len(incidents) == 40 and all(i.updated_at and i.occurred_at for i in incidents)
    assert isinstance(incidents[0].raw["createdAt"], dict)
    assert isinstance(incidents[0].container, str)
    ou(srv).touch(incidents[0].remote_id)
    again = await pages(connector, got[-1].cursor)
    assert [i.remote_id for i in again[0].incidents] == [incidents[0].remote_id]
    full = await connector.get(incidents[0].remote_id)
    await connector.comment(full, "typed note")
    await connector.resolve(full)
    resolved = await connector.get(incidents[0].remote_id)
    assert resolved.status == Status.RESOLVED and "typed note" in {
        c.body for c in resolved.comments or []}
    made = await connector.create(Draft("Typed"), "typed-key")
    assert await connector.find_created(Draft("Typed"), "typed-key", FIXED_NOW) is not None
    assert made.remote_id in ou(srv).tables["incident"].rows
