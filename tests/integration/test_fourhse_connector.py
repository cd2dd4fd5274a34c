"""FourhseConnector against the 4HSE emulator over real HTTP: full pulls and paging, mapping,
get with children, every write, idempotent create, OAuth2 sign-in/refresh and every fault."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from contextlib import aclosing
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from incident_tui.config_remotes import FourhseRemote
from incident_tui.domain.model import Draft, Incident, Status
from incident_tui.emulators.faults import FaultKind
from incident_tui.emulators.fourhse import FourhseEmulator
from incident_tui.emulators.fourhse_data import DEFAULT_SUBTENANT_ID, DEFAULT_TOKEN
from incident_tui.emulators.server import EmulatorServer
from incident_tui.remote.base import Page
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    Unavailable,
    Unsupported,
)
from incident_tui.remote.fourhse import FourhseConnector
from incident_tui.remote.fourhse_mapping import created_id, json_names
from incident_tui.store.upsert import content_version
from tests.integration.conftest import FIXED_NOW, no_sleep

Serve = Callable[..., EmulatorServer]


def connect(srv: EmulatorServer, **overrides: Any) -> FourhseConnector:
    options: dict[str, Any] = {"sleep": no_sleep}
    for name in ("sleep", "clock"):
        if name in overrides:
            options[name] = overrides.pop(name)
    data = {**srv.emulator.remote_config("hse"), **overrides}
    return FourhseConnector(FourhseRemote.model_validate(data), **options)


def emu(srv: EmulatorServer) -> FourhseEmulator:
    assert isinstance(srv.emulator, FourhseEmulator)
    return srv.emulator


def index_calls(srv: EmulatorServer) -> int:
    return sum(1 for entry in srv.emulator.log if entry.path == "/v2/incident/index")


async def pull_all(connector: FourhseConnector) -> list[Page]:
    return [page async for page in connector.pull(None, full=True)]


async def test_full_pull_maps_the_configured_office(serve: Serve) -> None:
    srv = serve("fourhse", sample=30, foreign=10)
    async with aclosing(connect(srv)) as connector:
        pages = await pull_all(connector)
    # Summaries: the involved people, resources and actions come with get().
    assert len(pages) == 1 and pages[0].complete and pages[0].partial
    incidents = pages[0].incidents
    assert len(incidents) == 30
    assert all(i.comments is None for i in incidents)
    assert {i.container for i in incidents} == {DEFAULT_SUBTENANT_ID}
    rows = {key: emu(srv).incident(key) for key in emu(srv).rows["incident"]}
    for incident in incidents:
        row = rows[incident.remote_id]
        assert incident.id == f"hse:{row['office_incident_id']}"
        assert incident.ref == row["code"] and incident.title == row["name"]
        assert incident.status == {"new": Status.TRIGGERED, "open": Status.ACKNOWLEDGED,
                                   "closed": Status.RESOLVED}[row["status"]]
        assert incident.severity is None and incident.updated_at is None
        assert incident.category == row["category"]
        assert incident.occurred_at is not None
        assert incident.occurred_at.date().isoformat() == row["date_incident"]
        assert incident.created_at.strftime("%Y-%m-%d %H:%M:%S") == row["created_at"]
        assert incident.reporter == row["deponent"]
        assert incident.extra["office_name"] == "Warehouse North"
        assert incident.raw == row and incident.version is None  # the store hashes raw
        assert incident.comments is None  # a summary: get() brings the rest
        if row["status"] == "closed":
            assert incident.resolved_at is not None
    assert any(i.assignees for i in incidents)


@pytest.mark.parametrize("fmt", ["epoch", "iso"])
async def test_created_at_in_other_formats(fmt: str, serve: Serve) -> None:
    srv = serve("fourhse", sample=5, created_at_format=fmt)
    async with aclosing(connect(srv)) as connector:
        incidents = (await pull_all(connector))[0].incidents
    for incident in incidents:
        created = emu(srv).rows["incident"][incident.remote_id]["created_at"]
        expected = created if fmt == "epoch" else datetime.fromisoformat(created).timestamp()
        assert incident.created_at.timestamp() == expected


async def test_pull_pages_through_three_pages(serve: Serve) -> None:
    srv = serve("fourhse", sample=250, foreign=0)
    async with aclosing(connect(srv)) as connector:
        pages = await pull_all(connector)
    assert [len(p.incidents) for p in pages] == [100, 100, 50]
    assert [p.complete for p in pages] == [False, False, True]
    assert len({i.remote_id for p in pages for i in p.incidents}) == 250
    assert index_calls(srv) == 3


async def test_a_base_url_copied_with_its_v2_prefix_works(serve: Serve) -> None:
    srv = serve("fourhse", sample=3, foreign=0)
    async with aclosing(connect(srv, base_url=f"{srv.url}/v2/")) as connector:
        pages = await pull_all(connector)
    assert len({i.remote_id for p in pages for i in p.incidents}) == 3


async def test_pull_without_pagination_headers_stops_at_a_short_page(serve: Serve) -> None:
    srv = serve("fourhse", sample=200, foreign=0, pagination_headers=False)
    async with aclosing(connect(srv)) as connector:
        pages = await pull_all(connector)
    # 200 rows: two full pages, then an empty one proves the end.
    assert [len(p.incidents) for p in pages] == [100, 100, 0]
    assert pages[-1].complete


async def test_unchanged_pull_costs_one_list_request_and_keeps_versions(serve: Serve) -> None:
    srv = serve("fourhse", sample=30)
    async with aclosing(connect(srv)) as connector:
        versions = content_version  # what the store keeps as the version (a content hash)
        before = {i.remote_id: versions(i) for p in await pull_all(connector) for i in p.incidents}
        srv.emulator.log.clear()
        again = [page async for page in connector.pull(None)]
        assert [entry.path for entry in srv.emulator.log] == ["/v2/incident/index"]
        after = {i.remote_id: versions(i) for p in again for i in p.incidents}
        assert after == before
        touched = next(iter(before))
        emu(srv).touch(touched)
        changed = {i.remote_id: versions(i) for p in await pull_all(connector) for i in p.incidents}
    assert changed[touched] != before[touched]
    assert {k: v for k, v in changed.items() if k != touched} == {
        k: v for k, v in before.items() if k != touched
    }


async def test_listing_that_moves_mid_pull_is_not_complete(serve: Serve) -> None:
    srv = serve("fourhse", sample=250, foreign=0)
    async with aclosing(connect(srv)) as connector:
        pages: list[Page] = []
        async for page in connector.pull(None, full=True):
            if not pages:
                # Page 2 is already on its way (read ahead); page 3 sees the new count.
                emu(srv).add(name="Arrived during the pull")
            pages.append(page)
    assert len(pages) == 3 and not pages[-1].complete


async def test_get_adds_children_and_raises_not_found(serve: Serve) -> None:
    srv = serve("fourhse", sample=20)
    parent = next(iter(emu(srv).by_incident["incident-person"]))
    people = len(emu(srv).by_incident["incident-person"][parent])
    async with aclosing(connect(srv)) as connector:
        pulled = {i.remote_id: i for p in await pull_all(connector) for i in p.incidents}
        incident = await connector.get(parent)
        assert incident.remote_id == parent and incident.comments == []
        assert incident.version == pulled[parent].version
        assert incident.extra["people_count"] == people
        assert len(incident.extra["involved_people"]) == people
        assert all(isinstance(name, str) and name for name in incident.extra["involved_people"])
        children = await connector.children(parent)
        assert len(children["people"]) == people
        assert children["people"][0]["person_last_name"]
        with pytest.raises(NotFound):
            await connector.get("0b6f6f0e-0000-4000-8000-000000000000")


async def fresh(connector: FourhseConnector, remote_id: str) -> Incident:
    return await connector.get(remote_id)


async def test_acknowledge_resolve_reopen_edit(serve: Serve) -> None:
    srv = serve("fourhse", sample=0)
    key = emu(srv).add(name="Spill", status="new", description_event="old text",
                       assignee='["Ana Souza"]')["office_incident_id"]
    clock = lambda: datetime(2026, 12, 1, 9, 30, tzinfo=UTC)  # noqa: E731
    async with aclosing(connect(srv, clock=clock)) as connector:
        acked = await connector.acknowledge(await fresh(connector, key))
        assert acked is not None and acked.status == Status.ACKNOWLEDGED
        resolved = await connector.resolve(await fresh(connector, key))
        assert resolved is not None and resolved.status == Status.RESOLVED
        assert emu(srv).rows["incident"][key]["date_closed"] == "2026-12-01"
        assert resolved.resolved_at == datetime(2026, 12, 1, tzinfo=UTC)
        reopened = await connector.reopen(await fresh(connector, key))
        assert reopened is not None and reopened.status_raw == "open"
        assert emu(srv).rows["incident"][key]["date_closed"] is None
        edited = await connector.edit(
            await fresh(connector, key), {"title": "Acid spill", "description": "new text"}
        )
        assert edited is not None and edited.title == "Acid spill"
        assert edited.description == "new text"
        with pytest.raises(Unsupported):
            await connector.edit(await fresh(connector, key), {"severity": "major"})
    row = emu(srv).rows["incident"][key]
    assert row["assignee"] == '["Ana Souza"]' and row["name"] == "Acid spill"
    updates = [e for e in srv.emulator.log if e.path.startswith("/v2/incident/update/")]
    assert len(updates) == 4


async def test_dates_written_are_the_users_calendar_day(
    serve: Serve, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TZ", "Europe/Rome")
    time.tzset()
    try:
        srv = serve("fourhse", sample=0)
        key = emu(srv).add(status="new")["office_incident_id"]
        # 23:30 UTC on 1 December is already 2 December in Rome.
        clock = lambda: datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # noqa: E731
        async with aclosing(connect(srv, clock=clock)) as connector:
            await connector.resolve(await fresh(connector, key))
            made = await connector.create(Draft("Slip in corridor"), "k-rome")
        assert emu(srv).rows["incident"][key]["date_closed"] == "2026-12-02"
        assert made.raw["date_incident"].startswith("2026-12-02")
    finally:
        monkeypatch.undo()
        time.tzset()


async def test_resolve_keeps_an_existing_closing_date(serve: Serve) -> None:
    srv = serve("fourhse", sample=0)
    key = emu(srv).add(status="closed", date_closed="2026-11-01")["office_incident_id"]
    async with aclosing(connect(srv)) as connector:
        await connector.resolve(await fresh(connector, key))
    assert emu(srv).rows["incident"][key]["date_closed"] == "2026-11-01"


async def test_create_is_idempotent_and_found_after_a_lost_answer(serve: Serve) -> None:
    srv = serve("fourhse", sample=3)
    key = "5f0c2d9a8b7e4c3d9a1b2c3d4e5f6a7b"
    draft = Draft(title="Forklift near-miss", description="Pallet fell at dock 3")
    async with aclosing(connect(srv)) as connector:
        # The server creates the incident, then the answer is cut off: the retry meets 422.
        srv.emulator.faults.add("truncated", method="POST", path="/v2/incident/create")
        made = await connector.create(draft, key)
        assert made.remote_id == created_id(key) == "5f0c2d9a-8b7e-4c3d-9a1b-2c3d4e5f6a7b"
        assert made.title == draft.title and made.description == draft.description
        assert made.status == Status.TRIGGERED and made.ref
        assert sum(1 for r in emu(srv).rows["incident"].values() if r["name"] == draft.title) == 1
        lost_key = "a" * 32
        srv.emulator.faults.add("truncated", path="/v2/incident/create", times=-1)
        with pytest.raises(Unavailable):
            await connector.create(draft, lost_key)
        srv.emulator.faults.clear()
        found = await connector.find_created(draft, lost_key, FIXED_NOW)
        assert found is not None and found.remote_id == created_id(lost_key)
        assert await connector.find_created(draft, "b" * 32, FIXED_NOW) is None


@pytest.mark.parametrize("answer", [{}, "", []], ids=["empty-object", "empty-string", "list"])
async def test_a_create_answered_without_the_incident_is_sent_again_not_refused(
    serve: Serve, answer: Any
) -> None:
    srv = serve("fourhse", sample=3)
    key = "6a1d3e0b9c8f4d4e8b2c3d4e5f6a7b8c"
    draft = Draft(title="Ladder left in stairwell")
    async with aclosing(connect(srv)) as connector:
        # A proxy answers 200 with no incident, and the server never saw the create: taken
        # for a 404 of the incident, the create was refused for good ("Incident not found").
        srv.emulator.faults.add(
            "status", status=200, body=answer, method="POST", path="/v2/incident/create"
        )
        with pytest.raises(BadResponse) as caught:
            await connector.create(draft, key)
        assert caught.value.retryable and not isinstance(caught.value, NotFound)
        assert "answered the create without the incident" in str(caught.value)
        made = await connector.create(draft, key)
        assert made.remote_id == created_id(key)
        assert sum(1 for r in emu(srv).rows["incident"].values() if r["name"] == draft.title) == 1


async def test_create_in_another_office_takes_the_draft_container(serve: Serve) -> None:
    srv = serve("fourhse", sample=0)
    office = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
    # Scoped to the project only: the pull sees every office of it, this one included.
    async with aclosing(connect(srv, subtenant_id=None)) as connector:
        made = await connector.create(Draft(title="Guard rail loose", container=office), "k-1")
    assert made.container == office and made.extra["office_name"] == "Sede Milano"


async def test_delete_preview_children_and_forced_delete(serve: Serve) -> None:
    srv = serve("fourhse", sample=20)
    parent = next(iter(emu(srv).by_incident["incident-person"]))
    person_ids = list(emu(srv).by_incident["incident-person"][parent])
    async with aclosing(connect(srv)) as connector:
        preview = await connector.delete_preview(parent)
        assert preview["related"]["IncidentPerson"] == person_ids
        assert len(preview["names"]["IncidentPerson"]) == len(person_ids)
        assert preview["total"] >= len(person_ids)
        assert parent in emu(srv).rows["incident"]
        await connector.delete(await fresh(connector, parent))
        assert parent not in emu(srv).rows["incident"]
        assert not set(person_ids) & set(emu(srv).rows["incident-person"])
        with pytest.raises(NotFound):  # already gone; the sync counts it as done
            await connector.delete(Incident("hse", "fourhse", parent, "gone", Status.RESOLVED,
                                            "closed", FIXED_NOW))
        with pytest.raises(NotFound):
            await connector.delete_preview(parent)
    forced = [e for e in srv.emulator.log if e.path.startswith("/v2/incident/delete/")]
    assert forced and all("force=true" in e.query for e in forced)


async def test_static_token_and_query_string_never_used(serve: Serve) -> None:
    srv = serve("fourhse", sample=5)
    static = {"username": None, "password": None}
    async with aclosing(connect(srv, **static, token=DEFAULT_TOKEN)) as connector:
        assert len((await pull_all(connector))[0].incidents) == 5
    assert emu(srv).grants == []
    assert all("access-token" not in entry.query for entry in srv.emulator.log)
    async with aclosing(connect(srv, **static, token="wrong")) as connector:
        with pytest.raises(AuthFailed):
            await pull_all(connector)


async def test_wrong_password_is_auth_failed(serve: Serve) -> None:
    srv = serve("fourhse", sample=1)
    async with aclosing(connect(srv, password="wrong")) as connector:
        with pytest.raises(AuthFailed) as caught:
            await pull_all(connector)
    assert "wrong" not in str(caught.value) and "invalid user credentials" in str(
        caught.value
    ).lower()


async def test_token_is_refreshed_before_expiry(serve: Serve) -> None:
    now = [FIXED_NOW]
    srv = serve("fourhse", sample=2, clock=lambda: now[0], token_ttl=300)
    async with aclosing(connect(srv, clock=lambda: now[0])) as connector:
        await pull_all(connector)
        now[0] += timedelta(seconds=200)
        await pull_all(connector)
        assert emu(srv).grants == ["password"]
        now[0] += timedelta(seconds=80)  # inside the renewal margin, still valid on the server
        await pull_all(connector)
        assert emu(srv).grants == ["password", "refresh_token"]
    assert all(entry.status == 200 for entry in srv.emulator.log)


async def test_a_401_renews_the_token_once(serve: Serve) -> None:
    srv = serve("fourhse", sample=2)
    async with aclosing(connect(srv)) as connector:
        await pull_all(connector)
        emu(srv).expire_tokens()
        assert len((await pull_all(connector))[0].incidents) == 2
        assert emu(srv).grants == ["password", "refresh_token"]
        srv.emulator.faults.add("status", status=401, path="/v2/incident/index", times=-1)
        with pytest.raises(AuthFailed):
            await pull_all(connector)
    assert emu(srv).grants == ["password", "refresh_token", "refresh_token"]


async def test_requests_waiting_on_a_failed_renewal_fail_with_it(serve: Serve) -> None:
    # get reads the people, resources and actions side by side: each refused as with a
    # revoked token, while the token endpoint is down. One renewal is tried, not three.
    srv = serve("fourhse", sample=2)
    some_id = next(iter(emu(srv).rows["incident"]))
    async with aclosing(connect(srv)) as connector:
        await pull_all(connector)
        srv.emulator.faults.add("status", status=401, path="^/v2/incident-", times=-1)
        srv.emulator.faults.add("status", status=500, path="^/token$", times=-1)
        srv.emulator.log.clear()
        with pytest.raises(Unavailable):
            await connector.get(some_id)
        left = asyncio.all_tasks() - {asyncio.current_task()}
        if left:
            await asyncio.wait(left, timeout=30)
    assert sum(1 for entry in srv.emulator.log if entry.path == "/token") == 4


async def test_a_refusal_that_comes_in_after_the_renewal_failed_fails_with_it(
    serve: Serve,
) -> None:
    # A read sent side by side with the others, whose 401 came in only once the renewal
    # had failed (a busy machine): it tried a renewal of its own, four more token requests.
    srv = serve("fourhse", sample=2)
    some_id = next(iter(emu(srv).rows["incident"]))
    async with aclosing(connect(srv)) as connector:
        await pull_all(connector)
        assert connector.oidc is not None
        refused = await connector.oidc.access_token()
        srv.emulator.faults.add("status", status=401, path="^/v2/incident-", times=-1)
        srv.emulator.faults.add("status", status=500, path="^/token$", times=-1)
        with pytest.raises(Unavailable):
            await connector.get(some_id)
        srv.emulator.log.clear()
        with pytest.raises(Unavailable):
            await connector.oidc.access_token(refused)
        assert [entry.path for entry in srv.emulator.log] == []


TRANSIENT: list[tuple[FaultKind, dict[str, Any], type[Exception]]] = [
    ("status", {"status": 503, "retry_after": "0"}, Unavailable),
    ("status", {"status": 429, "retry_after": "0"}, RateLimited),
    ("malformed", {}, BadResponse),
    ("truncated", {}, Unavailable),
    ("drop", {}, Unavailable),
]


async def test_transient_faults_are_retried(serve: Serve) -> None:
    srv = serve("fourhse", sample=4)
    some_id = next(iter(emu(srv).rows["incident"]))
    async with aclosing(connect(srv)) as connector:
        for kind, options, _ in TRANSIENT:
            srv.emulator.faults.add(kind, path="/v2/incident/", times=2, **options)
            assert len((await pull_all(connector))[0].incidents) == 4, kind
            srv.emulator.faults.add(kind, path="/v2/incident/view", times=1, **options)
            assert (await connector.get(some_id)).title, kind
            srv.emulator.faults.add(kind, path="/v2/incident/update", times=1, **options)
            assert await connector.acknowledge(await connector.get(some_id)), kind


async def test_persistent_faults_raise(serve: Serve) -> None:
    srv = serve("fourhse", sample=4)
    async with aclosing(connect(srv)) as connector:
        await pull_all(connector)  # sign in first, so only API calls fail
        for kind, options, error in TRANSIENT:
            srv.emulator.faults.add(kind, path="/v2/incident/", times=-1, **options)
            with pytest.raises(error):
                await pull_all(connector)
            srv.emulator.faults.clear()


async def test_retry_after_is_honoured(serve: Serve) -> None:
    srv = serve("fourhse", sample=2)
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    async with aclosing(connect(srv, sleep=record)) as connector:
        srv.emulator.faults.add("status", status=429, retry_after="7", path="/v2/incident/index")
        assert len((await pull_all(connector))[0].incidents) == 2
    assert waits == [7.0]


async def test_delay_beyond_the_timeout(serve: Serve) -> None:
    srv = serve("fourhse", sample=2)
    # A request that is never answered ("hang") passes the timeout however slow the
    # machine; the timeout is long enough for the answers that do come.
    async with aclosing(connect(srv, timeout=1.0)) as connector:
        try:
            await pull_all(connector)
            srv.emulator.faults.add("hang", path="/v2/incident/index")
            assert len((await pull_all(connector))[0].incidents) == 2
            srv.emulator.faults.add("hang", path="/v2/incident/index", times=-1)
            connector.http.attempts = 1  # each waits the timeout out; the retry was shown above
            with pytest.raises(Unavailable):
                await pull_all(connector)
        finally:
            srv.emulator.faults.clear()


def test_helpers() -> None:
    assert json_names('["Ana Souza", {"name": "Ben Okafor"}]') == ["Ana Souza", "Ben Okafor"]
    assert json_names("not json") is None and json_names("") == []
    # Parses are cached per text: a caller changing its list must not change the next one.
    first = json_names('["Ana Souza"]')
    assert first is not None
    first.append("changed")
    assert json_names('["Ana Souza"]') == ["Ana Souza"]
    assert created_id("k-1") == created_id("k-1") != created_id("k-2")
