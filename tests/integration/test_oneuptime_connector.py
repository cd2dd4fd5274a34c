"""OneuptimeConnector against the OneUptime emulator over real HTTP: keyset pulls, get with
notes/owners/timeline, every write, create + find_created, auth failures and every fault."""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import ValidationError

from incident_tui.config_remotes import OneuptimeRemote
from incident_tui.domain.capabilities import Capability
from incident_tui.domain.model import Attachment, Draft, Incident, Severity, Status
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.faults import FaultKind
from incident_tui.emulators.oneuptime import (
    NO_PERMISSION_API_KEY,
    PROJECT_ID,
    READ_ONLY_API_KEY,
)
from incident_tui.emulators.oneuptime_values import iso
from incident_tui.remote.base import Page
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    Refused,
    Unavailable,
    Unsupported,
)
from incident_tui.remote.oneuptime import KEY_FIELD, OneuptimeConnector
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep
from tests.integration.test_oneuptime_emulator import ou

MISSING = "6b1f7a3c-0d2e-4f5a-8b9c-1d2e3f4a5b6c"
NOTE_LISTS = ("/api/incident-internal-note/get-list", "/api/incident-public-note/get-list")
"""What a pull lists after the incidents: the notes since its last pass."""


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
    assert {e.path for e in ou(srv).log} == {"/api/incident/get-list", *NOTE_LISTS}


async def test_incremental_pull_costs_one_request_a_listing(serve: Serve,
                                                             opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=120)
    connector = connect(srv, opened)
    cursor = (await pages(connector))[-1].cursor
    ou(srv).log.clear()
    unchanged = await pages(connector, cursor)
    # The incidents', then each kind of note's (a note moves no incident's updatedAt).
    assert [e.path for e in ou(srv).log] == ["/api/incident/get-list", *NOTE_LISTS]
    assert unchanged[0].incidents == [] and unchanged[0].comments == {}
    assert unchanged[0].cursor == cursor and not unchanged[0].complete
    some = list(ou(srv).tables["incident"].rows)[:3]
    for incident_id in some:
        ou(srv).touch(incident_id, title=f"changed {incident_id[:4]}")
    changed = await pages(connector, cursor)
    assert [i.remote_id for p in changed for i in p.incidents] == some
    assert changed[-1].cursor != cursor
    ou(srv).log.clear()
    assert (await pages(connector, changed[-1].cursor))[0].incidents == []
    assert len(ou(srv).log) == 3
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
    assert full.assignees and full.attachments is not None
    notes = [n for path in ("incident-internal-note", "incident-public-note")
             for n in emulator.tables[path].indexed(resolved["_id"])]
    held = [*(resolved.get("postmortemAttachments") or []),
            *(f for n in notes for f in n.get("attachments") or [])]
    assert [a.remote_id for a in full.attachments] == held
    assert full.comments is not None
    visibility = {c.body: c.visibility for c in full.comments}
    assert visibility["internal words"] == "internal" and visibility["public words"] == "public"
    assert all(c.created_at for c in full.comments)
    triggered = emulator.add("Fresh")
    fresh = await connector.get(triggered["_id"])
    assert fresh.comments == [] and fresh.acknowledged_at is None and fresh.assignees == []
    assert fresh.attachments == []
    with pytest.raises(NotFound):
        await connector.get(MISSING)
    with pytest.raises(NotFound):
        await connector.get("not-an-id")


async def test_items_of_a_full_read_that_are_no_rows_are_left_out(
    serve: Serve, opened: list[Any]
) -> None:
    srv = serve("oneuptime")
    connector = connect(srv, opened)
    emulator = ou(srv)
    acked = emulator.state_id("Acknowledged")
    row = emulator.touch(emulator.add("Pump 3 tripped")["_id"], currentIncidentStateId=acked)
    lists = {
        "incident-internal-note": {"_id": MISSING, "note": "Restarted it",
                                   "createdAt": "2026-11-22T10:00:00.000Z"},
        "incident-owner-user": {"userId": "u1", "user": {"name": "Ann Lee"}},
        "incident-state-timeline": {"incidentStateId": acked, "startsAt": "2026-11-22T11:00:00Z",
                                    "incidentState": {"_id": acked, "isAcknowledgedState": True}},
    }
    for path, item in lists.items():
        emulator.faults.add("status", path=f"/{path}/get-list", status=200,
                            body={"data": ["not a row", 7, None, item], "count": 4})

    full = await connector.get(row["_id"])

    assert [c.body for c in full.comments or []] == ["Restarted it"]
    assert full.assignees == ["Ann Lee"]
    assert full.acknowledged_at == datetime(2026, 11, 22, 11, 0, tzinfo=UTC)


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
    # The key stays on the remote (find_created reads it) but is no field of ours.
    assert made.custom_fields == {} and made.raw["customFields"][KEY_FIELD] == "key-1"
    assert made.ref == "INC-6"
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


class SeedCreateAnswer(httpx.AsyncBaseTransport):
    """Answers a create as the API reference's example does: the row the server made, but
    only the ids, declaredAt and slug of it (no title, no description)."""

    KEPT = ("_id", "currentIncidentStateId", "declaredAt", "incidentSeverityId", "projectId",
            "slug")

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.method != "POST" or request.url.path != "/api/incident":
            return response
        made = json.loads(await response.aread())
        return httpx.Response(200, json={k: v for k, v in made.items() if k in self.KEPT})

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_create_answer_without_the_title_keeps_the_one_sent(serve: Serve) -> None:
    # Mapped as it came, the new incident showed an empty title until the next pull.
    srv = serve("oneuptime", sample=0)
    config = OneuptimeRemote(**ou(srv).remote_config("ou"))
    connector = OneuptimeConnector(config, transport=SeedCreateAnswer(), sleep=no_sleep)
    try:
        made = await connector.create(Draft("Made here", "Body", Severity.MAJOR), "key-1")
    finally:
        await connector.aclose()
    assert (made.title, made.description, made.severity) == ("Made here", "Body", Severity.MAJOR)


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
    ou(srv).log.clear()
    # Each listing (incidents, then each kind of note) 429 once, then the next second.
    assert len((await pages(connector))[0].incidents) == 3
    assert [e.status for e in ou(srv).log] == [429, 200] * 3


async def test_delay_beyond_timeout(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=3)
    # A request that is never answered ("hang") passes the timeout however slow the
    # machine; the timeout is long enough for the answers that do come.
    connector = connect(srv, opened, timeout=1.0)
    try:
        ou(srv).faults.add("hang", times=1)
        assert len((await pages(connector))[0].incidents) == 3
        ou(srv).faults.add("hang", times=-1)
        connector.http.attempts = 1  # each waits the timeout out; the retry was shown above
        with pytest.raises(Unavailable):
            await pages(connector)
    finally:
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


# Same-millisecond ties and count ---------------------------------------------------------------


class Clock:
    """An emulator clock the test moves by hand (``precise_stamps`` keeps its microseconds)."""

    def __init__(self) -> None:
        self.now = FIXED_NOW

    def __call__(self) -> datetime:
        return self.now

    def step(self, **delta: float) -> None:
        """Move the clock on by ``timedelta(**delta)``."""
        self.now += timedelta(**delta)


async def test_same_millisecond_tie_at_a_page_edge_is_not_skipped(serve: Serve,
                                                                  opened: list[Any]) -> None:
    clock = Clock()
    srv = serve("oneuptime", precise_stamps=True, clock=clock)
    emulator = ou(srv)
    rows = []
    for number in range(101):
        clock.step(milliseconds=1)
        rows.append(emulator.add(f"Incident {number}"))
    # Two rows changed in one millisecond, the higher _id first: the server sorts them by their
    # microseconds, so they straddle the edge of the first page in the order opposite to _id.
    high, low = sorted(rows[:2], key=lambda row: row["_id"], reverse=True)
    clock.step(seconds=1)
    emulator.touch(high["_id"], title="changed first")
    clock.step(microseconds=800)
    emulator.touch(low["_id"], title="changed second")
    assert iso(high["updatedAt"]) == iso(low["updatedAt"])
    connector = connect(srv, opened)
    got = await pages(connector)
    first = [i.remote_id for i in got[0].incidents]
    assert first[-1] == high["_id"] and low["_id"] not in first
    assert sorted(i.remote_id for p in got for i in p.incidents) == sorted(emulator.tables[
        "incident"].rows)
    assert got[-1].complete
    # Resuming from the cursor stored after the first page (inside the tie) brings the other,
    # also from a cursor in the older "<updatedAt>|<last _id>" form.
    for cursor in (got[0].cursor, f"{iso(high['updatedAt'])}|{high['_id']}"):
        rest = [i.remote_id for p in await pages(connector, cursor) for i in p.incidents]
        assert rest == [low["_id"]]
    ou(srv).log.clear()
    assert [i for p in await pages(connector, got[-1].cursor) for i in p.incidents] == []
    assert incident_lists(srv) == 1


async def test_a_millisecond_holding_more_than_a_page(serve: Serve, opened: list[Any]) -> None:
    # The clock stands still: 230 writes land in one millisecond, a microsecond apart, so the
    # server's order inside it has nothing to do with _id (a bulk update looks the same).
    srv = serve("oneuptime", precise_stamps=True)
    made = [ou(srv).add(f"Bulk {number}")["_id"] for number in range(230)]
    assert len({iso(ou(srv).incident(i)["updatedAt"]) for i in made}) == 1
    connector = connect(srv, opened)
    got = await pages(connector)
    seen = [i.remote_id for p in got for i in p.incidents]
    assert sorted(seen) == sorted(made) and len(seen) == 230 and got[-1].complete
    assert incident_lists(srv) == 3
    rest = [i.remote_id for p in await pages(connector, got[0].cursor) for i in p.incidents]
    assert sorted(rest) == sorted(made[100:])
    assert [i for p in await pages(connector, got[-1].cursor) for i in p.incidents] == []


class Hooked(httpx.AsyncBaseTransport):
    """Real HTTP to the emulator, with a hook run before the n-th incident list request goes
    out and one that may change its answer (both get ``n``, counted from 1)."""

    def __init__(self, before: Callable[[int], None] | None = None,
                 answer: Callable[[int, dict[str, Any]], dict[str, Any]] | None = None) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.before, self.answer, self.lists = before, answer, 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if not request.url.path.endswith("/incident/get-list"):
            return await self.inner.handle_async_request(request)
        self.lists += 1
        if self.before:
            self.before(self.lists)
        response = await self.inner.handle_async_request(request)
        if self.answer is None:
            return response
        payload = json.loads(await response.aread())
        return httpx.Response(response.status_code, json=self.answer(self.lists, payload),
                              request=request)

    async def aclose(self) -> None:
        await self.inner.aclose()


def hooked(srv: EmulatorServer, made: list[OneuptimeConnector], transport: Hooked
           ) -> OneuptimeConnector:
    """A connector for the emulator whose requests go through ``transport``."""
    connector = OneuptimeConnector(OneuptimeRemote(**ou(srv).remote_config("ou")),
                                   transport=transport, sleep=no_sleep)
    made.append(connector)
    return connector


async def test_rows_leaving_a_tie_while_skip_walks_it(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=260)
    table = ou(srv).tables["incident"]
    tied = list(table.rows.values())[:230]
    for row in tied:
        row["updatedAt"] = FIXED_NOW - timedelta(days=30)  # a bulk update in one millisecond
    table.changed()
    first_page: list[str] = []

    def record(n: int, payload: dict[str, Any]) -> dict[str, Any]:
        first_page.extend(row["_id"] for row in payload["data"] if n == 1)
        return payload

    def before(n: int) -> None:
        if n == 3:
            # Someone changes rows the first page delivered from the tie: they leave it, and
            # every row behind them moves up, under the offset the next request asks for.
            for row_id in [i for i in first_page if table.rows[i] in tied][:5]:
                ou(srv).touch(row_id, title="moved on")

    got = await pages(hooked(srv, opened, Hooked(before, record)), full=True)
    seen = {i.remote_id for p in got for i in p.incidents}
    assert seen == set(table.rows) and got[-1].complete
    moved = [i for p in got for i in p.incidents if i.title == "moved on"]
    assert len(moved) == 5  # and delivered again, changed
    skips = [e.query for e in ou(srv).log if e.path == "/api/incident/get-list"]
    assert skips[1:4] == ["skip=99&limit=100", "skip=198&limit=100", "skip=0&limit=100"]


async def test_a_short_page_is_not_the_end_while_count_says_more(serve: Serve,
                                                                 opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=250)

    def short_first(n: int, payload: dict[str, Any]) -> dict[str, Any]:
        # A page shorter than asked for (as a proxy or a capped server may answer), while
        # count still says how many rows match.
        return {**payload, "data": payload["data"][:60]} if n == 1 else payload

    got = await pages(hooked(srv, opened, Hooked(answer=short_first)), full=True)
    seen = [i.remote_id for p in got for i in p.incidents]
    assert sorted(seen) == sorted(ou(srv).tables["incident"].rows) and got[-1].complete


async def test_capped_limit_still_reads_every_note(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", limit_cap=40)  # fewer rows a page than the connector asks for
    emulator = ou(srv)
    connector = connect(srv, opened)
    row = emulator.add("Chatty")
    for n in range(95):
        emulator.add_note(row["_id"], f"internal {n}")
    for n in range(45):
        emulator.add_note(row["_id"], f"public {n}", public=True)
    full = await connector.get(row["_id"])
    assert sorted(c.body for c in full.comments or []) == sorted(
        [f"internal {n}" for n in range(95)] + [f"public {n}" for n in range(45)])
    skips = [e.query for e in emulator.log if e.path == "/api/incident-internal-note/get-list"]
    assert skips == ["skip=0&limit=100", "skip=40&limit=100", "skip=80&limit=100"]


async def test_find_created_beyond_a_capped_first_page(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", limit_cap=10)
    emulator = ou(srv)
    connector = connect(srv, opened)
    for n in range(25):
        emulator.add(f"Someone else's {n}")
    made = await connector.create(Draft("Ours"), "key-late")
    found = await connector.find_created(Draft("Ours"), "key-late", FIXED_NOW)
    assert found is not None and found.remote_id == made.remote_id
    assert incident_lists(srv) == 3  # 10 + 10 + 6 rows: count says when it is all read


async def test_paging_ends_despite_a_wrong_count_or_an_ignored_skip(serve: Serve,
                                                                    opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=150)
    since = datetime(2000, 1, 1, tzinfo=UTC)

    def count_too_high(n: int, payload: dict[str, Any]) -> dict[str, Any]:
        return {**payload, "count": 10**6}

    transport = Hooked(answer=count_too_high)
    assert await hooked(srv, opened, transport).find_created(Draft("x"), "none", since) is None
    assert transport.lists == 3  # 100 rows, 50, then the empty page ends it

    first: list[dict[str, Any]] = []

    def skip_ignored(n: int, payload: dict[str, Any]) -> dict[str, Any]:
        first.append(payload)
        return {**first[0], "count": 10**6}

    with pytest.raises(BadResponse, match="ignored skip"):
        await hooked(srv, opened, Hooked(answer=skip_ignored)).find_created(
            Draft("x"), "none", since)
    # The same with pages shorter than asked for: the repeat ends the listing.
    capped = serve("oneuptime", sample=150, limit_cap=40)
    first.clear()
    transport = Hooked(answer=skip_ignored)
    assert await hooked(capped, opened, transport).find_created(
        Draft("x"), "none", since) is None
    assert transport.lists == 2


async def test_full_listing_short_of_count_is_not_complete(serve: Serve,
                                                          opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=250)
    lost: list[str] = []

    def drop_one(n: int, payload: dict[str, Any]) -> dict[str, Any]:
        if n != 2:
            return payload
        lost.append(payload["data"][50]["_id"])
        return {**payload, "data": payload["data"][:50] + payload["data"][51:]}

    got = await pages(hooked(srv, opened, Hooked(answer=drop_one)), full=True)
    assert lost and lost[0] not in {i.remote_id for p in got for i in p.incidents}
    assert not any(p.complete for p in got)
    # A row deleted during the pull cannot be told from a lost one: incomplete too, so the
    # engine keeps its cache as is until a full listing that adds up.
    table = ou(srv).tables["incident"]
    doomed = list(table.rows)[-1]

    def delete(n: int) -> None:
        if n == 2:
            ou(srv).tables["incident"].remove(doomed)

    got = await pages(hooked(srv, opened, Hooked(delete)), full=True)
    assert len({i.remote_id for p in got for i in p.incidents}) == 249
    assert not got[-1].complete
    again = await pages(connect(srv, opened), full=True)
    assert again[-1].complete and sum(len(p.incidents) for p in again) == 249


PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(200))
NOW_SHOWN = FIXED_NOW.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
"""The emulator's time as a note's label shows it (notes made by API key have no author)."""


def with_files(emulator: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """An incident with two postmortem files and a file on an internal and on a public note:
    the incident row and the File rows by role."""
    row = emulator.add("With files")
    internal = emulator.add_note(row["_id"], "see the log")
    public = emulator.add_note(row["_id"], "status page", public=True)
    files = {
        "report": emulator.attach_file(row["_id"], "postmortem.pdf", b"%PDF-1.4 report",
                                       "application/pdf"),
        "graph": emulator.attach_file(row["_id"], "graph.png", PNG, "image/png"),
        "log": emulator.attach_file(internal["_id"], "error.log", b"boom\n", "text/plain"),
        "shot": emulator.attach_file(public["_id"], "screen.png", PNG[::-1], "image/png"),
    }
    return row, files


@pytest.mark.parametrize("typed", [False, True])
async def test_get_maps_postmortem_and_note_attachments(serve: Serve, opened: list[Any],
                                                        typed: bool) -> None:
    srv = serve("oneuptime", typed_values=typed)
    emulator = ou(srv)
    connector = connect(srv, opened)
    row, files = with_files(emulator)
    full = await connector.get(row["_id"])
    route = f"{srv.url}/api/incident/postmortem/attachment/{row['projectId']}/{row['_id']}"
    assert full.attachments == [
        Attachment(files["report"]["_id"], "postmortem.pdf", "application/pdf",
                   f"{route}/{files['report']['_id']}"),
        Attachment(files["graph"]["_id"], "graph.png", "image/png",
                   f"{route}/{files['graph']['_id']}"),
        Attachment(files["log"]["_id"], f"error.log (internal note, {NOW_SHOWN})",
                   "text/plain", None),
        Attachment(files["shot"]["_id"], f"screen.png (public note, {NOW_SHOWN})", "image/png",
                   None),
    ]
    assert await connector.list_attachments(row["_id"]) == full.attachments
    # The postmortem url is the live route: with the ApiKey it serves the file.
    async with httpx.AsyncClient(headers={"ApiKey": str(connector.config.secret())}) as http:
        served = await http.get(str(full.attachments[1].url))
    assert served.content == PNG and served.headers["Content-Type"] == "image/png"
    # Listing rows are summaries: the files come with the full read only.
    listed = [i for p in await pages(connector) for i in p.incidents]
    assert [i.attachments for i in listed] == [None]


async def test_note_files_are_named_after_their_note(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime", sample=40)
    emulator = ou(srv)
    connector = connect(srv, opened)
    users = emulator.tables["user"].rows
    checked: set[str] = set()
    for path, visibility in (("incident-internal-note", "internal"),
                             ("incident-public-note", "public")):
        for note in emulator.tables[path].rows.values():
            if not note.get("attachments"):
                continue
            full = await connector.get(note["incidentId"])
            comment = next(c for c in full.comments or [] if c.remote_id == note["_id"])
            author = users[note["createdByUserId"]]["name"]
            assert comment.author == author and comment.created_at
            # What the comment list shows of the note: its author and its time.
            shown = comment.created_at.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
            for file_id in note["attachments"]:
                attachment = next(a for a in full.attachments or [] if a.remote_id == file_id)
                name = emulator.tables["file"].rows[file_id]["name"]
                assert attachment.name == f"{name} ({visibility} note by {author}, {shown})"
                assert attachment.url is None
            checked.add(visibility)
    assert checked == {"internal", "public"}


async def test_download_writes_postmortem_files_safely(serve: Serve, opened: list[Any],
                                                       tmp_path: Path) -> None:
    srv = serve("oneuptime")
    emulator = ou(srv)
    connector = connect(srv, opened)
    row, files = with_files(emulator)
    hostile = emulator.attach_file(row["_id"], "../../etc/passwd", b"not yours", "text/plain")
    dest = tmp_path / "downloads"
    report = await connector.download_attachment_to(row["_id"], files["report"]["_id"], dest,
                                                    "postmortem.pdf")
    assert report == dest / "postmortem.pdf" and report.read_bytes() == b"%PDF-1.4 report"
    again = await connector.download_attachment_to(row["_id"], files["report"]["_id"], dest,
                                                   "postmortem.pdf")
    assert again.name == "postmortem (1).pdf" and report.read_bytes() == b"%PDF-1.4 report"
    escaped = await connector.download_attachment_to(row["_id"], hostile["_id"], dest,
                                                     hostile["name"])
    assert escaped == dest / "passwd" and escaped.read_bytes() == b"not yours"
    reader = connect(srv, opened, token=READ_ONLY_API_KEY)  # reading is all it takes
    graph = await reader.download_attachment_to(row["_id"], files["graph"]["_id"], dest, "g.png")
    assert graph.read_bytes() == PNG
    assert sorted(os.listdir(dest)) == ["g.png", "passwd", "postmortem (1).pdf",
                                        "postmortem.pdf"]
    assert not (tmp_path / "etc").exists()


async def test_download_streams_with_progress_and_survives_a_cut_answer(
    serve: Serve, opened: list[Any], tmp_path: Path
) -> None:
    srv = serve("oneuptime")
    emulator = ou(srv)
    connector = connect(srv, opened)
    row, _ = with_files(emulator)
    body = os.urandom(3 * 1024 * 1024)
    big = emulator.attach_file(row["_id"], "capture.pcap", body, "application/octet-stream")
    emulator.faults.add("truncated", path="^/api/incident/postmortem/", times=1)
    told: list[tuple[int, int | None]] = []
    saved = await connector.download_attachment_to(
        row["_id"], big["_id"], tmp_path, "capture.pcap",
        progress=lambda done, size: told.append((done, size)),
    )
    assert saved.read_bytes() == body and os.listdir(tmp_path) == ["capture.pcap"]
    # Told as the bytes came, not once at the end; the retry after the cut started over.
    second = told[told.index((0, len(body)), 1):]
    assert len(second) > 3 and second[-1] == (len(body), len(body))


async def test_download_refuses_and_leaves_nothing_behind(serve: Serve, opened: list[Any],
                                                          tmp_path: Path) -> None:
    srv = serve("oneuptime")
    emulator = ou(srv)
    connector = connect(srv, opened)
    row, files = with_files(emulator)
    with pytest.raises(Unsupported, match="note"):
        await connector.download_attachment_to(row["_id"], files["log"]["_id"], tmp_path, "x")
    with pytest.raises(Unsupported, match="note"):
        await connector.download_attachment_to(row["_id"], files["shot"]["_id"], tmp_path, "x")
    with pytest.raises(NotFound):
        await connector.download_attachment_to(row["_id"], MISSING, tmp_path, "x")
    with pytest.raises(NotFound):
        await connector.download_attachment_to(MISSING, files["report"]["_id"], tmp_path, "x")
    with pytest.raises(NotFound):
        await connector.download_attachment_to(row["_id"], "../../x", tmp_path, "x")
    assert not any(e.path.startswith("/api/incident/postmortem/") for e in emulator.log)
    # The route itself answers 404 (a File row without its bytes): refused, nothing written.
    emulator.tables["file"].rows[files["graph"]["_id"]]["file"] = None
    with pytest.raises(NotFound, match="Attachment not found"):
        await connector.download_attachment_to(row["_id"], files["graph"]["_id"], tmp_path,
                                               "graph.png")
    emulator.faults.add("truncated", path="^/api/incident/postmortem/", times=-1)
    with pytest.raises(Unavailable):
        await connector.download_attachment_to(row["_id"], files["report"]["_id"], tmp_path,
                                               "postmortem.pdf")
    assert os.listdir(tmp_path) == []
    (tmp_path / "postmortem.pdf").write_bytes(b"mine")
    emulator.faults.clear()
    saved = await connector.download_attachment_to(row["_id"], files["report"]["_id"],
                                                   tmp_path, "postmortem.pdf")
    assert (tmp_path / "postmortem.pdf").read_bytes() == b"mine"  # never overwritten
    assert saved.name == "postmortem (1).pdf" and len(os.listdir(tmp_path)) == 2


def severities_with_custom_names(emulator: Any) -> dict[str, str]:
    """Add "P1 - customers down" (order 4) and "Cosmetic" (order 5) to the default three;
    every severity id by name."""
    for order, name in ((4, "P1 - customers down"), (5, "Cosmetic")):
        emulator.create_row("incident-severity", PROJECT_ID, {"name": name, "order": order})
    rows = emulator.tables["incident-severity"].select(PROJECT_ID, None, {"order": "ASC"})
    return {r["name"]: r["_id"] for r in rows}


async def test_severity_map_reads(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime")
    emulator = ou(srv)
    ids = severities_with_custom_names(emulator)
    rows = {name: emulator.add(name, severity=name)["_id"] for name in ids}
    mapped = connect(srv, opened, severity_map={
        "P1 - customers down": "critical", "critical incident": "major", "Cosmetic": ""})
    plain_rules = connect(srv, opened)
    for connector, expected in (
        (plain_rules, {"Critical Incident": Severity.CRITICAL, "Major Incident": Severity.MAJOR,
                       "Minor Incident": Severity.MINOR, "P1 - customers down": Severity.MINOR,
                       "Cosmetic": Severity.MINOR}),
        (mapped, {"Critical Incident": Severity.MAJOR, "Major Incident": Severity.MAJOR,
                  "Minor Incident": Severity.MINOR, "P1 - customers down": Severity.CRITICAL,
                  "Cosmetic": None}),
    ):
        pulled = {i.title: i.severity for p in await pages(connector) for i in p.incidents}
        assert pulled == expected
        for name, remote_id in rows.items():
            got = await connector.get(remote_id)
            assert (got.severity, got.severity_raw) == (expected[name], name)
        listing = {s["name"]: s["severity"] for s in await connector.severities()}
        assert listing == {k: v.value if v else "" for k, v in expected.items()}


async def test_severity_map_writes(serve: Serve, opened: list[Any]) -> None:
    srv = serve("oneuptime")
    emulator = ou(srv)
    ids = severities_with_custom_names(emulator)
    connector = connect(srv, opened, severity_map={
        "p1 - customers down": "critical", "Cosmetic": "", "Major Incident": "major"})
    row = emulator.add("Edited", severity="Minor Incident")
    current = await connector.get(row["_id"])
    await connector.edit(current, {"severity": "critical"})
    # The map's choice, although "Critical Incident" also reads as critical and comes first.
    assert row["incidentSeverityId"] == ids["P1 - customers down"]
    assert (await connector.get(row["_id"])).severity == Severity.CRITICAL
    await connector.edit(current, {"severity": Severity.MINOR})
    assert row["incidentSeverityId"] == ids["Minor Incident"]  # not in the map: the old rule
    await connector.edit(current, {"severity": Severity.MAJOR})
    assert row["incidentSeverityId"] == ids["Major Incident"]
    made = await connector.create(Draft("No severity"), "key-none")
    assert made.severity_raw == "Cosmetic" and made.severity is None
    made = await connector.create(Draft("Critical", severity=Severity.CRITICAL), "key-crit")
    assert made.severity_raw == "P1 - customers down"
    unmapped = connect(srv, opened)
    await unmapped.edit(current, {"severity": "critical"})
    assert row["incidentSeverityId"] == ids["Critical Incident"]
    made = await unmapped.create(Draft("No severity either"), "key-none-2")
    assert made.severity_raw == "Cosmetic"  # the least severe, by order


def test_severity_map_is_validated() -> None:
    base = {"kind": "oneuptime", "name": "ou", "project_id": PROJECT_ID}
    with pytest.raises(ValidationError, match="severity_map"):
        OneuptimeRemote(**base, severity_map={"Sev 1": "urgent"})
    assert OneuptimeRemote(**base).severity_map == {}
    assert OneuptimeRemote(**base, severity_map={"Sev 1": ""}).severity_map == {"Sev 1": ""}


def test_capabilities_offer_download_but_not_attachments() -> None:
    # Attachments also mean upload and delete in the app, which OneUptime's API cannot do here.
    assert Capability.ATTACHMENTS not in OneuptimeConnector.capabilities
    assert Capability.DOWNLOAD in OneuptimeConnector.capabilities
    assert not hasattr(OneuptimeConnector, "upload_attachment")
    assert not hasattr(OneuptimeConnector, "delete_attachment")


async def test_notes_written_since_the_last_pull_come_with_its_last_page(
    serve: Serve, opened: list[Any]
) -> None:
    srv = serve("oneuptime", sample=120)
    connector = connect(srv, opened)
    first = await pages(connector)
    incident_id = next(iter(ou(srv).tables["incident"].rows))
    ou(srv).add_note(incident_id, "Written before: the full record's")
    # A cursor from before notes were read: they start at the newest, none brought.
    older = json.loads(first[-1].cursor or "")["incidents"]
    again = await pages(connector, older)
    assert again[-1].comments == {} and again[-1].cursor != older
    ou(srv).add_note(incident_id, "Paged the DBA")
    ou(srv).add_note(incident_id, "Customers told", public=True)

    got = await pages(connector, again[-1].cursor)

    assert {k: [(c.body, c.visibility) for c in v] for k, v in got[-1].comments.items()} == {
        f"ou:{incident_id}": [("Paged the DBA", "internal"), ("Customers told", "public")]}
    assert (await pages(connector, got[-1].cursor))[-1].comments == {}
