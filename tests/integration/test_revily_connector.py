"""RevilyConnector against the Revily emulator over real HTTP on loopback."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from typing import Any

import pytest

from incident_tui.config_remotes import RevilyRemote
from incident_tui.domain.model import Draft, Status
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.revily import DEFAULT_SERVICE_ID, RevilyEmulator
from incident_tui.emulators.revily_data import USERS, default_services
from incident_tui.remote.base import Page
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    NotFound,
    RateLimited,
    Refused,
    RemoteError,
    Unavailable,
    Unsupported,
)
from incident_tui.remote.revily import RevilyConnector
from tests.integration.conftest import FIXED_NOW, no_sleep

# Stopping a server costs up to half a second, so servers are shared per module: `paged` and
# `flat` are only read, `writable` takes every write (each test on incidents of its own).


@pytest.fixture(scope="module")
def paged() -> Iterator[EmulatorServer]:
    """25 sample incidents, HEAD pagination at 10 per page: three pages."""
    with EmulatorServer(RevilyEmulator(sample=25, per_page=10, clock=lambda: FIXED_NOW)) as srv:
        yield srv


@pytest.fixture(scope="module")
def flat() -> Iterator[EmulatorServer]:
    """12 sample incidents, seed-faithful: one bare array, no pagination."""
    with EmulatorServer(RevilyEmulator(sample=12, clock=lambda: FIXED_NOW)) as srv:
        yield srv


@pytest.fixture(scope="module")
def writable() -> Iterator[EmulatorServer]:
    """No sample data, HEAD fields (details), for writes."""
    with EmulatorServer(RevilyEmulator(head_fields=True, clock=lambda: FIXED_NOW)) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _clean_faults(
    paged: EmulatorServer, flat: EmulatorServer, writable: EmulatorServer
) -> Iterator[None]:
    for srv in (paged, flat, writable):
        srv.emulator.faults.clear()
        with srv.emulator.lock:
            srv.emulator.log.clear()
    yield
    for srv in (paged, flat, writable):
        srv.emulator.faults.clear()


def emu(srv: EmulatorServer) -> RevilyEmulator:
    """The server's emulator, typed."""
    assert isinstance(srv.emulator, RevilyEmulator)
    return srv.emulator


def make(srv: EmulatorServer, sleep: Any = no_sleep, **overrides: Any) -> RevilyConnector:
    """A connector on ``srv`` (close it with ``aclose``)."""
    config = RevilyRemote.model_validate({**emu(srv).remote_config("rv"), **overrides})
    return RevilyConnector(config, sleep=sleep)


@pytest.fixture
async def on_paged(paged: EmulatorServer) -> AsyncIterator[RevilyConnector]:
    connector = make(paged)
    yield connector
    await connector.aclose()


@pytest.fixture
async def on_writable(writable: EmulatorServer) -> AsyncIterator[RevilyConnector]:
    connector = make(writable)
    yield connector
    await connector.aclose()


async def pages_of(connector: RevilyConnector, cursor: str | None = None) -> list[Page]:
    return [page async for page in connector.pull(cursor)]


def requests(srv: EmulatorServer, method: str = "GET") -> list[str]:
    """The ``path?query`` of every logged request with ``method``."""
    with srv.emulator.lock:
        return [
            f"{e.path}?{e.query}" if e.query else e.path
            for e in srv.emulator.log
            if e.method == method
        ]


# Pull -----------------------------------------------------------------------------------


async def test_full_pull_follows_link_over_three_pages(
    paged: EmulatorServer, on_paged: RevilyConnector
) -> None:
    pages = await pages_of(on_paged)
    assert [len(p.incidents) for p in pages] == [10, 10, 5]
    assert [p.complete for p in pages] == [False, False, True]
    assert not any(p.partial for p in pages) and all(p.cursor is None for p in pages)
    assert [i.remote_id for p in pages for i in p.incidents] == emu(paged).order
    assert requests(paged) == ["/incidents?page=1", "/incidents?page=2", "/incidents?page=3"]


async def test_seed_server_answers_everything_in_one_request(flat: EmulatorServer) -> None:
    connector = make(flat)
    try:
        full = await pages_of(connector)
        again = await pages_of(connector, cursor="whatever-was-stored")
    finally:
        await connector.aclose()
    for pages in (full, again):
        assert len(pages) == 1 and pages[0].complete and len(pages[0].incidents) == 12
    assert requests(flat) == ["/incidents?page=1", "/incidents?page=1"]  # one list each


async def test_a_large_answer_is_handed_over_in_slices(monkeypatch: pytest.MonkeyPatch) -> None:
    """One answer with every incident still comes to the engine in pages it can store while
    the next one is mapped; only the last ends the listing."""
    from incident_tui.remote import base

    monkeypatch.setattr(base, "PAGE_ROWS", 5)
    with EmulatorServer(RevilyEmulator(sample=12, clock=lambda: FIXED_NOW)) as srv:
        connector = make(srv)
        try:
            pages = await pages_of(connector)
        finally:
            await connector.aclose()
        assert requests(srv) == ["/incidents?page=1"]
        assert [len(p.incidents) for p in pages] == [5, 5, 2]
        assert [p.complete for p in pages] == [False, False, True]
        assert [i.remote_id for p in pages for i in p.incidents] == emu(srv).order


async def test_self_hosted_api_prefix_base_url(paged: EmulatorServer) -> None:
    connector = make(paged, base_url=f"{paged.url}/api")
    try:
        pages = await pages_of(connector)
        one = await connector.get(pages[0].incidents[0].remote_id)
    finally:
        await connector.aclose()
    assert sum(len(p.incidents) for p in pages) == 25 and pages[-1].complete
    assert one.extra["links"]["self"] == f"/api/incidents/{one.remote_id}"
    assert requests(paged)[:3] == [f"/api/incidents?page={n}" for n in (1, 2, 3)]


async def test_listing_that_moved_while_paging_is_not_complete(
    paged: EmulatorServer, on_paged: RevilyConnector
) -> None:
    seen: list[Page] = []
    added = None
    async for page in on_paged.pull(None):
        seen.append(page)
        if added is None:
            added = emu(paged).add("arrived mid-pull")["id"]
    assert added is not None
    try:
        assert [len(p.incidents) for p in seen] == [10, 10, 6]
        assert seen[-1].complete is False  # Total went 25 -> 26 between pages
    finally:
        await on_paged.delete(await on_paged.get(added))
    assert len(emu(paged).order) == 25


async def test_mapping_of_a_seed_shaped_incident(
    paged: EmulatorServer, on_paged: RevilyConnector
) -> None:
    pages = await pages_of(on_paged)
    incidents = {i.remote_id: i for p in pages for i in p.incidents}
    row = emu(paged).incident(emu(paged).order[0])
    incident = incidents[row["id"]]
    assert (incident.remote, incident.kind, incident.id) == ("rv", "revily", f"rv:{row['id']}")
    assert (incident.title, incident.description) == (row["message"], row["description"])
    assert incident.status_raw == row["state"] and incident.status == Status(row["state"])
    assert incident.severity is None
    assert incident.ref == row["key"]
    assert incident.container == row["service_id"]
    assert incident.assignees == [row["_links"]["current_user"]["href"].rsplit("/", 1)[-1]]
    assert incident.occurred_at == incident.created_at
    assert incident.created_at.isoformat().startswith(row["triggered_at"][:19])
    assert incident.comments == [] and incident.attachments == []
    assert incident.custom_fields == {}
    assert incident.raw == row
    assert incident.extra["service"] == row["service_id"]
    assert incident.extra["key"] == row["key"]
    assert incident.extra["escalation policy rule"] == row["_links"]["current_policy_rule"]["href"]
    assert set(incident.extra["links"]) == {"self", "service", "current_user",
                                            "current_policy_rule"}
    assert {i.status for i in incidents.values()} == set(Status)
    assert len({i.version for i in incidents.values()}) == len(incidents)


async def test_get_and_version_changes_with_state(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    made = emu(writable).add("version me", details={"runbook": "https://wiki/rb/1"})
    before = await on_writable.get(made["id"])
    assert before.version == (await on_writable.get(made["id"])).version
    assert before.custom_fields == {"runbook": "https://wiki/rb/1"}
    emu(writable).transition(made["id"], "acknowledge")
    after = await on_writable.get(made["id"])
    assert after.status is Status.ACKNOWLEDGED and after.version != before.version
    with pytest.raises(NotFound):
        await on_writable.get("nope1234")
    with pytest.raises(NotFound):
        await on_writable.get("../users")  # escaped, never reaches another endpoint


async def test_services_lists_id_name_state(on_writable: RevilyConnector) -> None:
    services = await on_writable.services()
    assert services == [{"id": s.id, "name": s.name, "state": "enabled"}
                        for s in default_services()]


# Writes ---------------------------------------------------------------------------------


async def test_acknowledge_and_resolve(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    current = await on_writable.get(emu(writable).add("ack me")["id"])
    assert await on_writable.acknowledge(current) is None
    assert emu(writable).incident(current.remote_id)["state"] == "acknowledged"
    assert await on_writable.resolve(current) is None
    assert emu(writable).incident(current.remote_id)["state"] == "resolved"
    assert requests(writable, "PUT") == [
        f"/incidents/{current.remote_id}/acknowledge", f"/incidents/{current.remote_id}/resolve"
    ]


async def test_transition_already_made_counts_as_success(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    acked = emu(writable).add("acked elsewhere")["id"]
    emu(writable).transition(acked, "acknowledge")
    done = emu(writable).add("resolved elsewhere")["id"]
    emu(writable).transition(done, "resolve")
    stale_ack = await on_writable.get(acked)
    fresh = await on_writable.acknowledge(stale_ack)  # 422, re-read: already acknowledged
    assert fresh is not None and fresh.status is Status.ACKNOWLEDGED
    stale_done = await on_writable.get(done)
    past = await on_writable.acknowledge(stale_done)  # resolved is past acknowledged
    assert past is not None and past.status is Status.RESOLVED
    again = await on_writable.resolve(stale_done)
    assert again is not None and again.status is Status.RESOLVED


async def test_refusal_below_the_target_state_raises_refused(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    current = await on_writable.get(emu(writable).add("stuck")["id"])
    writable.emulator.faults.add(
        "status", status=422, path="/acknowledge$",
        body={"errors": {"state": ['cannot transition via "acknowledge"']}},
    )
    with pytest.raises(Refused, match="cannot transition") as caught:
        await on_writable.acknowledge(current)
    assert caught.value.status == 422
    assert emu(writable).incident(current.remote_id)["state"] == "triggered"


async def test_reopen_is_unsupported(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    current = await on_writable.get(emu(writable).add("no way back")["id"])
    with pytest.raises(Unsupported):
        await on_writable.reopen(current)
    assert requests(writable, "PUT") == []


async def test_create_in_draft_service_stores_key_and_description(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    platform = default_services()[1].id
    draft = Draft(title="Queue backlog", description="over 9000", container=platform)
    made = await on_writable.create(draft, "a" * 32)
    stored = emu(writable).incident(made.remote_id)
    assert (stored["message"], stored["description"], stored["key"]) == (
        "Queue backlog", "over 9000", "a" * 32
    )
    assert made.container == platform and made.ref == "a" * 32
    assert made.status is Status.TRIGGERED and made.assignees == [USERS[1][0]]
    assert requests(writable, "POST") == [f"/services/{platform}/incidents"]
    assert requests(writable) == []


async def test_create_falls_back_to_config_then_first_service(writable: EmulatorServer) -> None:
    facilities = default_services()[2].id
    configured = make(writable, service_id=facilities)
    bare = make(writable)
    try:
        first = await configured.create(Draft(title="Broken window"), "b" * 32)
        second = await bare.create(Draft(title="Broken door"), "c" * 32)
        third = await bare.create(Draft(title="Broken lock"), "d" * 32)
    finally:
        await configured.aclose()
        await bare.aclose()
    assert first.container == facilities
    assert second.container == third.container == DEFAULT_SERVICE_ID
    assert requests(writable) == ["/services"]  # looked up once, then remembered
    assert first.description is None


async def test_a_blank_service_id_creates_in_the_first_service(
    writable: EmulatorServer,
) -> None:
    blank = make(writable, service_id=" ")
    try:
        made = await blank.create(Draft(title="Broken gate"), "9" * 32)
    finally:
        await blank.aclose()
    # Not posted to a service named " ", which the server does not have.
    assert made.container == DEFAULT_SERVICE_ID
    assert requests(writable, "POST") == [f"/services/{DEFAULT_SERVICE_ID}/incidents"]


async def test_lost_create_is_found_by_key_and_never_repeated(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    draft = Draft(title="Lost in transit")
    key = "e" * 32
    writable.emulator.faults.add("truncated", method="POST")  # created, answer cut off
    with pytest.raises(Unavailable):
        await on_writable.create(draft, key)
    assert len(requests(writable, "POST")) == 1  # a POST is not retried
    found = await on_writable.find_created(draft, key, FIXED_NOW - timedelta(minutes=1))
    assert found is not None and found.ref == key and found.title == "Lost in transit"
    assert await on_writable.find_created(draft, "f" * 32, FIXED_NOW) is None


async def test_create_refused_by_5xx_is_not_retried(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    before = len(emu(writable).order)
    writable.emulator.faults.add("status", method="POST", status=503, retry_after="0")
    with pytest.raises(Unavailable):
        await on_writable.create(Draft(title="x", container=DEFAULT_SERVICE_ID), "0" * 32)
    assert len(requests(writable, "POST")) == 1
    assert len(emu(writable).order) == before


async def test_delete_then_gone(writable: EmulatorServer, on_writable: RevilyConnector) -> None:
    current = await on_writable.get(emu(writable).add("delete me")["id"])
    await on_writable.delete(current)
    with pytest.raises(NotFound):
        await on_writable.get(current.remote_id)
    with pytest.raises(NotFound):  # already gone: the sync counts that as deleted
        await on_writable.delete(current)
    assert requests(writable, "DELETE") == [f"/incidents/{current.remote_id}"] * 2


# Auth and faults ------------------------------------------------------------------------


async def test_wrong_token_is_auth_failed_without_leaking_it(paged: EmulatorServer) -> None:
    connector = make(paged, token="sekrit-wrong-token")
    try:
        with pytest.raises(AuthFailed) as caught:
            await pages_of(connector)
    finally:
        await connector.aclose()
    assert caught.value.status == 401 and "sekrit" not in str(caught.value)
    assert "sign in" in str(caught.value)
    assert len(requests(paged)) == 1  # not retried


@pytest.mark.parametrize(
    "fault",
    [
        {"kind": "status", "status": 503, "retry_after": "0"},
        {"kind": "status", "status": 429, "retry_after": "0"},
        {"kind": "malformed"},
        {"kind": "truncated"},
        {"kind": "drop"},
        # Never answered: the timeout passes however slow the machine, and the timeout is
        # long enough for the answers that do come.
        {"kind": "hang"},
    ],
)
async def test_a_passing_fault_is_retried_and_the_pull_succeeds(
    paged: EmulatorServer, fault: dict[str, Any]
) -> None:
    connector = make(paged, timeout=1.0)
    paged.emulator.faults.add(path="^/incidents$", times=1, **fault)
    try:
        pages = await pages_of(connector)
    finally:
        paged.emulator.faults.clear()
        await connector.aclose()
    assert sum(len(p.incidents) for p in pages) == 25 and pages[-1].complete
    assert connector.http.requests_sent == 4  # the failed attempt, then three pages


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ({"kind": "status", "status": 503, "retry_after": "0"}, Unavailable),
        ({"kind": "status", "status": 429, "retry_after": "0"}, RateLimited),
        ({"kind": "malformed"}, BadResponse),
        ({"kind": "truncated"}, Unavailable),
        ({"kind": "drop"}, Unavailable),
        ({"kind": "hang"}, Unavailable),
    ],
)
async def test_a_lasting_fault_raises_the_right_error(
    paged: EmulatorServer, fault: dict[str, Any], error: type[RemoteError]
) -> None:
    connector = make(paged, timeout=1.0)
    if fault["kind"] == "hang":
        connector.http.attempts = 2  # each attempt waits the timeout out
    paged.emulator.faults.add(path="^/incidents$", times=-1, **fault)
    try:
        with pytest.raises(error):
            await pages_of(connector)
    finally:
        paged.emulator.faults.clear()
        await connector.aclose()
    assert connector.http.requests_sent == connector.http.attempts  # retried, then gave up


async def test_retry_after_is_honoured(paged: EmulatorServer) -> None:
    waits: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)

    connector = make(paged, sleep=recording_sleep)
    paged.emulator.faults.add("status", status=429, retry_after="7", path="^/incidents$")
    paged.emulator.faults.add("status", status=503, retry_after="3", path="^/incidents$")
    try:
        pages = await pages_of(connector)
    finally:
        await connector.aclose()
    assert waits == [7.0, 3.0]
    assert sum(len(p.incidents) for p in pages) == 25


async def test_transition_retried_after_503_is_applied_once(
    writable: EmulatorServer, on_writable: RevilyConnector
) -> None:
    current = await on_writable.get(emu(writable).add("flaky ack")["id"])
    writable.emulator.faults.add("status", status=503, retry_after="0", path="/acknowledge$")
    assert await on_writable.acknowledge(current) is None
    assert emu(writable).incident(current.remote_id)["state"] == "acknowledged"
    assert len(requests(writable, "PUT")) == 2
