"""AohImsConnector against the AOH IMS emulator over real loopback HTTP, with a static token
or signing in to the emulated Keycloak realm (client_credentials, password, refresh)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from incident_tui.config_remotes import AohImsRemote
from incident_tui.domain.model import Draft, Incident, Severity, Status
from incident_tui.emulators.aoh_ims import (
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT,
    DEFAULT_TOKEN,
    DEFAULT_USER,
    REALM_TOKEN_PATH,
    SERVICE_ACCOUNT_USER,
    AohImsEmulator,
    SignIn,
)
from incident_tui.emulators.server import EmulatorServer
from incident_tui.remote.aoh_ims import AohImsConnector
from incident_tui.remote.base import Page
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    Conflict,
    NotFound,
    RateLimited,
    Refused,
    Unavailable,
)
from incident_tui.remote.http import Http
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep

OTHER_TOKEN = "token-of-ops-bot"
TOKENS = {DEFAULT_TOKEN: (DEFAULT_TENANT, DEFAULT_USER), OTHER_TOKEN: (DEFAULT_TENANT, "Ops Bot")}


def emu(srv: EmulatorServer) -> AohImsEmulator:
    assert isinstance(srv.emulator, AohImsEmulator)
    return srv.emulator


def connect(srv: EmulatorServer, sleep: Any = no_sleep, **overrides: Any) -> AohImsConnector:
    # verify_tls=False: plain loopback HTTP, and it skips building a CA store per test.
    config = {**emu(srv).remote_config("ims"), "verify_tls": False, **overrides}
    return AohImsConnector(AohImsRemote(**config), sleep=sleep)


def stored(srv: EmulatorServer, remote_id: str) -> dict[str, Any]:
    row = emu(srv).row(remote_id)
    assert row is not None
    return row


async def pull_all(conn: AohImsConnector, cursor: str | None = None) -> list[Page]:
    return [page async for page in conn.pull(cursor)]


def incidents(pages: list[Page]) -> list[Incident]:
    return [incident for page in pages for incident in page.incidents]


def list_requests(srv: EmulatorServer) -> list[str]:
    return [r.query for r in emu(srv).log if r.method == "GET" and r.path == "/v1/incident"]


async def test_full_pull_maps_the_contract_fields(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=30)
    conn = connect(srv)
    pages = await pull_all(conn)
    await conn.aclose()
    assert len(pages) == 1 and pages[0].complete and pages[0].partial and pages[0].cursor is None
    got = {i.remote_id: i for i in incidents(pages)}
    rows = emu(srv).tenant(DEFAULT_TENANT).incidents
    assert set(got) == set(rows)
    for remote_id, row in rows.items():
        incident = got[remote_id]
        assert incident.id == f"ims:{remote_id}" and incident.kind == "aoh_ims"
        assert incident.title == row["name"] and incident.description == row["description"]
        assert incident.raw == row
        # occ_lock, then a digest of the attribute values when there are any.
        lock, _, digest = (incident.version or "").partition("+")
        assert lock == str(row["occ_lock"]) and bool(digest) == bool(row.get("attributes"))
        assert incident.container == DEFAULT_TENANT and incident.ref is None
        assert incident.reporter == row["reported_by"] and incident.category == row["type"]
        assert incident.status_raw == row["status"]
        assert incident.custom_fields == (row["attributes"] or {})
        assert incident.comments is None
        expected = {"NEW": Status.TRIGGERED, "RESOLVED": Status.RESOLVED,
                    "CLOSED": Status.RESOLVED}.get(row["status"], Status.ACKNOWLEDGED)
        assert incident.status is expected
        assert incident.severity is {"CRITICAL": Severity.CRITICAL, "MAJOR": Severity.MAJOR,
                                     "HIGH": Severity.MAJOR, "": None}.get(
            row["severity"], Severity.MINOR)
        assert incident.occurred_at is not None and incident.occurred_at.tzinfo is not None
        assert (incident.resolved_at is None) == (row["resolved_date"] is None)
        assert set(incident.extra) == {"type", "location", "next_update", "backdated",
                                       "created_by", "updated_by"}
        if row["next_update"]:
            when = datetime.fromisoformat(incident.extra["next_update"])
            assert when == datetime.fromtimestamp(row["next_update"], UTC)
        else:
            assert incident.extra["next_update"] is None
    overdue = [i for i in got.values() if i.extra["next_update"]
               and datetime.fromisoformat(i.extra["next_update"]) < FIXED_NOW]
    assert overdue


async def test_incremental_pull_with_nothing_changed_costs_one_request(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=30)
    conn = connect(srv)
    await pull_all(conn)
    emu(srv).log.clear()
    pages = await pull_all(conn, cursor="anything")
    await conn.aclose()
    assert len(emu(srv).log) == 1 and list_requests(srv) == [""]
    assert pages[-1].complete and len(incidents(pages)) == 30


async def test_pull_pages_when_the_server_applies_a_default_size(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=250, default_size=100)
    conn = connect(srv)
    pages = await pull_all(conn)
    await conn.aclose()
    assert list_requests(srv) == ["", "page=1&size=100", "page=2&size=100", "page=3&size=100"]
    ids = [i.remote_id for i in incidents(pages)]
    assert len(ids) == len(set(ids)) == 250
    assert [p.complete for p in pages] == [False] * (len(pages) - 1) + [True]


async def test_pull_follows_a_server_capped_page_size(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=35, default_size=10, max_size=10)
    conn = connect(srv)
    pages = await pull_all(conn)
    await conn.aclose()
    assert len({i.remote_id for i in incidents(pages)}) == 35 and pages[-1].complete
    assert len(list_requests(srv)) == 5


async def test_pull_stops_with_a_warning_when_paging_is_ignored(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    srv = serve("aoh_ims", sample=30, default_size=10, paging=False)
    conn = connect(srv)
    with caplog.at_level(logging.WARNING):
        pages = await pull_all(conn)
    await conn.aclose()
    assert len(incidents(pages)) == 10
    assert not any(p.complete for p in pages)
    assert "ignore page/size" in caplog.text and len(list_requests(srv)) == 3


class DeleteDuringListing(httpx.AsyncBaseTransport):
    """Deletes the newest incident right after page 1 is served: later pages shift by one."""

    def __init__(self, emulator: AohImsEmulator) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.emulator = emulator

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        response = await self.inner.handle_async_request(request)
        if request.url.params.get("page") == "1":
            with self.emulator.lock:
                tenant = self.emulator.tenant(DEFAULT_TENANT)
                tenant.remove(tenant.rows()[-1]["id"])
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


async def test_a_row_missed_by_shifting_pages_blocks_completion(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=250, default_size=100)
    config = AohImsRemote(**{**emu(srv).remote_config("ims"), "verify_tls": False})
    conn = AohImsConnector(config, transport=DeleteDuringListing(emu(srv)), sleep=no_sleep)
    pages = await pull_all(conn)
    await conn.aclose()
    assert len({i.remote_id for i in incidents(pages)}) == 249
    assert not any(p.complete for p in pages)


async def test_status_and_severity_maps_from_config(
    serve: Serve, caplog: pytest.LogCaptureFixture
) -> None:
    srv = serve("aoh_ims", statuses=["NEW", "Triaged", "PARKED", "DONE"],
                severities=["", "SEV-1", "HIGH"], resolved_statuses=["DONE"])
    emulator = emu(srv)
    triaged = emulator.add(status="Triaged", severity="SEV-1")
    parked = emulator.add(status="PARKED", severity="HIGH")
    conn = connect(srv, status_map={"triaged": "acknowledged", "Done": "resolved"},
                   severity_map={"sev 1": "critical", "high": ""})
    with caplog.at_level(logging.WARNING):
        got = {i.remote_id: i for i in incidents(await pull_all(conn))}
    assert got[triaged["id"]].status is Status.ACKNOWLEDGED
    assert got[triaged["id"]].severity is Severity.CRITICAL
    assert got[parked["id"]].status is Status.TRIGGERED and "PARKED" in caplog.text
    assert got[parked["id"]].severity is None
    conn2 = connect(srv, resolve_status="DONE", status_map={"done": "resolved"})
    done = await conn2.resolve(await conn2.get(triaged["id"]))
    assert done is not None and done.status is Status.RESOLVED and done.resolved_at is not None
    await conn.aclose()
    await conn2.aclose()


async def test_a_severity_is_written_as_a_code_that_reads_back_as_it(serve: Serve) -> None:
    # A deployment whose MAJOR is its top level: writing MAJOR for major would read back as
    # critical, while HIGH still means major.
    srv = serve("aoh_ims")
    emulator = emu(srv)
    conn = connect(srv, severity_map={"MAJOR": "critical"})
    made = await conn.create(Draft(title="Boiler pressure", severity=Severity.MAJOR), "k1")
    assert stored(srv, made.remote_id)["severity"] == "HIGH" and made.severity is Severity.MAJOR
    row = emulator.add(severity="LOW")
    edited = await conn.edit(await conn.get(row["id"]), {"severity": "major"})
    assert edited is not None and edited.severity is Severity.MAJOR
    assert stored(srv, row["id"])["severity"] == "HIGH"
    edited = await conn.edit(edited, {"severity": "critical"})
    assert edited is not None and stored(srv, row["id"])["severity"] == "MAJOR"
    # No code left that means critical: refused, naming what to change, and nothing sent.
    strict = connect(srv, severity_map={"CRITICAL": "major"})
    with pytest.raises(Refused, match="severity_map of ims leaves no AOH IMS code") as caught:
        await strict.edit(await strict.get(row["id"]), {"severity": "critical"})
    assert "'critical'" in str(caught.value)
    assert stored(srv, row["id"])["severity"] == "MAJOR"
    await conn.aclose()
    await strict.aclose()


async def test_a_severity_map_key_in_another_case_is_written_as_the_code(serve: Serve) -> None:
    # The keys match in any case, but "major" sent as typed was refused by the code table.
    srv = serve("aoh_ims", severities=["", "MAJOR", "MINOR", "SEV-1"])
    conn = connect(srv, severity_map={"major": "critical", "sev-1": "major", "Minor": "minor"})
    try:
        made = await conn.create(Draft(title="Flooded plant room", severity=Severity.CRITICAL),
                                 "k1")
        assert stored(srv, made.remote_id)["severity"] == "MAJOR"
        assert made.severity is Severity.CRITICAL
        edited = await conn.edit(made, {"severity": "minor"})
        assert edited is not None and stored(srv, made.remote_id)["severity"] == "MINOR"
    finally:
        await conn.aclose()


async def test_a_resolved_date_left_on_an_open_incident_is_no_resolution_time(
    serve: Serve,
) -> None:
    # Moved back to OPEN by a client that left resolved_date as it was.
    srv = serve("aoh_ims")
    emulator = emu(srv)
    reopened = emulator.add(status="OPEN", resolved_date="2024-11-12T08:00:00Z")
    resolved = emulator.add(status="RESOLVED", resolved_date="2024-11-12T08:00:00Z")
    conn = connect(srv)
    got = {i.remote_id: i for i in incidents(await pull_all(conn))}
    assert got[reopened["id"]].status is Status.ACKNOWLEDGED
    assert got[reopened["id"]].resolved_at is None
    assert got[resolved["id"]].resolved_at == datetime(2024, 11, 12, 8, tzinfo=UTC)
    assert (await conn.get(reopened["id"])).resolved_at is None
    await conn.aclose()


async def test_bare_bodies_and_the_singular_attribute_key(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = emu(srv)
    row = emulator.add(attributes=None, attribute={"workflowId": "wf-1"})
    emulator.faults.add("status", method="GET", path="^/v1/incident$", status=200, body=[row])
    conn = connect(srv)
    pages = await pull_all(conn)
    assert pages[-1].complete and incidents(pages)[0].custom_fields == {"workflowId": "wf-1"}
    bare_edit = {k: v for k, v in row.items() if k != "id"} | {"occ_lock": 1}
    emulator.faults.add("status", method="PUT", status=200, body=bare_edit)
    assert await conn.acknowledge(await conn.get(row["id"])) is None
    await conn.aclose()


async def test_get_returns_comments_and_raises_not_found(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=40)
    emulator = emu(srv)
    tenant = emulator.tenant(DEFAULT_TENANT)
    remote_id = next(i for i, c in tenant.comments.items() if c)
    conn = connect(srv)
    incident = await conn.get(remote_id)
    stored = list(tenant.comments[remote_id].values())
    assert incident.comments is not None and incident.attachments == []
    assert [c.remote_id for c in incident.comments] == [c["id"] for c in stored]
    assert incident.comments[0].author == stored[0]["name"]
    assert incident.comments[0].body == stored[0]["text"]
    assert incident.comments[0].created_at is not None
    emulator.log.clear()
    with pytest.raises(NotFound):
        await conn.get("00000000-0000-4000-8000-000000000000")
    assert list_requests(srv) == []  # the get route is known to work: no list fallback
    quiet = next(i for i in tenant.incidents if not tenant.comments.get(i))
    assert (await conn.get(quiet)).comments == []
    await conn.aclose()


async def test_get_falls_back_to_the_list_without_a_get_route(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=5, get_route=False)
    conn = connect(srv)
    remote_id = next(iter(emu(srv).tenant(DEFAULT_TENANT).incidents))
    first = await conn.get(remote_id)
    assert first.remote_id == remote_id and first.comments is not None
    emu(srv).log.clear()
    await conn.get(remote_id)
    assert f"/v1/incident/{remote_id}" not in [r.path for r in emu(srv).log]
    with pytest.raises(NotFound):
        await conn.get("gone")
    await conn.aclose()


async def test_acknowledge_resolve_reopen_and_edit(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = emu(srv)
    row = emulator.add(severity="HIGH", location="Hall", next_update=1674521800)
    conn = connect(srv, ack_status="IN_PROGRESS")
    acked = await conn.acknowledge(await conn.get(row["id"]))
    assert acked is not None and acked.status is Status.ACKNOWLEDGED
    assert acked.status_raw == "IN_PROGRESS" and acked.version == "1"
    assert stored(srv, row["id"])["location"] == "Hall"  # the full set was sent back
    assert stored(srv, row["id"])["next_update"] == 1674521800
    resolved = await conn.resolve(acked)
    assert resolved is not None and resolved.status is Status.RESOLVED and resolved.version == "2"
    assert resolved.resolved_at is not None
    assert abs(resolved.resolved_at - datetime.now(UTC)) < timedelta(minutes=1)
    reopened = await conn.reopen(resolved)
    assert reopened is not None and reopened.status is Status.TRIGGERED
    assert reopened.resolved_at is None and stored(srv, row["id"])["resolved_date"] is None
    edited = await conn.edit(reopened, {"title": "New title", "description": "",
                                        "severity": Severity.MAJOR})
    assert edited is not None and edited.title == "New title"
    assert edited.severity_raw == "HIGH"  # already major: the deployment's code is kept
    # The API needs a description: a placeholder is sent for none, and read back as none.
    assert edited.description is None
    assert stored(srv, row["id"])["description"] == "(no description)"
    edited = await conn.edit(edited, {"severity": "critical", "description": "Now known"})
    assert edited is not None and edited.severity_raw == "CRITICAL"
    edited = await conn.edit(edited, {"severity": None})
    assert edited is not None and edited.severity is None and edited.severity_raw is None
    assert stored(srv, row["id"])["occ_lock"] == 6
    await conn.aclose()


async def test_a_stale_lock_raises_conflict_without_retrying(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = emu(srv)
    row = emulator.add()
    conn = connect(srv)
    current = await conn.get(row["id"])
    emulator.touch(row["id"], description="Changed by someone else")
    emulator.log.clear()
    with pytest.raises(Conflict) as caught:
        await conn.acknowledge(current)
    assert caught.value.status == 409 and "occ_lock" in str(caught.value)
    assert [r.method for r in emulator.log].count("PUT") == 1
    assert stored(srv, row["id"])["status"] == "NEW"
    await conn.aclose()


async def test_lock_400s_are_conflicts_and_other_400s_are_refusals(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = emu(srv)
    conn = connect(srv)
    current = await conn.get(emulator.add()["id"])
    lock_error = {"message": "bad request", "errors": [{"message": "occ lock is stale"}]}
    emulator.faults.add("status", method="PUT", status=400, body=lock_error)
    with pytest.raises(Conflict):
        await conn.acknowledge(current)
    # The lock named only in the top-level message (or the newer errorMessage) still counts.
    # So does a lock named inside an identifier, or only by the error's code.
    for top in (
        {"message": "occ_lock mismatch"}, {"errorMessage": "Version conflict"},
        {"message": "OCC_LOCK_MISMATCH"}, {"message": "OccLockMismatch"},
        {"message": "versionConflict"}, {"message": "stale occ_lock_value"},
        {"errorCode": "OCC_LOCK_MISMATCH", "errorMessage": "update rejected"},
    ):
        emulator.faults.add("status", method="PUT", status=400,
                            body={**top, "errors": [{"message": "update rejected"}]})
        with pytest.raises(Conflict):
            await conn.acknowledge(current)
    emulator.faults.add("status", method="PUT", status=400,
                        body={"message": "bad request", "errors": [{"message": "date occurred"}]})
    with pytest.raises(Refused):
        await conn.acknowledge(current)
    # Words that only contain one of the lock's words are not about it.
    emulator.faults.add("status", method="PUT", status=400,
                        body={"message": "clock skew: the date is blocked", "errors": []})
    with pytest.raises(Refused):
        await conn.acknowledge(current)
    await conn.aclose()


async def test_a_put_that_landed_before_its_answer_was_lost_counts_as_done(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = emu(srv)
    conn = connect(srv)
    current = await conn.get(emulator.add()["id"])
    emulator.faults.add("truncated", method="PUT")  # applied, then the answer is cut off
    acked = await conn.acknowledge(current)
    assert acked is not None and acked.status is Status.ACKNOWLEDGED and acked.version == "1"
    assert [r.status for r in emulator.log if r.method == "PUT"] == [200, 409]
    await conn.aclose()


async def test_comment_and_delete_comment(serve: Serve) -> None:
    srv = serve("aoh_ims", tokens=TOKENS)
    emulator = emu(srv)
    conn = connect(srv, token=OTHER_TOKEN)
    current = await conn.get(emulator.add()["id"])
    made = await conn.comment(current, "Looking into it")
    assert made.body == "Looking into it" and made.author == "Ops Bot"
    assert made.created_at is not None
    assert [c.remote_id for c in (await conn.get(current.remote_id)).comments or []] == [
        made.remote_id]
    await conn.delete_comment(current, made.remote_id)
    assert (await conn.get(current.remote_id)).comments == []
    with pytest.raises(NotFound):  # already gone: the sync decides what that means
        await conn.delete_comment(current, made.remote_id)
    await conn.aclose()


async def test_delete(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=3)
    conn = connect(srv)
    current = incidents(await pull_all(conn))[0]
    await conn.delete(current)
    assert emu(srv).row(current.remote_id) is None
    with pytest.raises(NotFound):  # a retried DELETE sees 404; the sync counts it as done
        await conn.delete(current)
    with pytest.raises(NotFound):
        await conn.get(current.remote_id)
    await conn.aclose()


async def test_create_then_find_created_after_a_lost_answer(serve: Serve) -> None:
    srv = serve("aoh_ims", tokens=TOKENS)
    emulator = emu(srv)
    conn = connect(srv, reported_by="tui-user", default_type="SECURITY")
    made = await conn.create(Draft(title="Fire door propped open", severity=Severity.MAJOR),
                             "k1")
    assert made.status is Status.TRIGGERED and made.status_raw == "NEW"
    assert made.category == "SECURITY" and made.reporter == "tui-user"
    assert made.severity_raw == "MAJOR" and made.description is None
    assert made.version == "0" and made.comments == []
    assert DEFAULT_USER in conn.identities  # read from the token's name claim

    since = FIXED_NOW  # the emulator's clock stamps created_at
    draft = Draft(title="Server room too hot", description="31 degrees")
    # Same title, but by someone else and not ours to claim.
    other = connect(srv, token=OTHER_TOKEN, reported_by="tui-user")
    assert other.identities == set()  # an opaque token
    decoy = await other.create(draft, "k-other")
    assert other.identities == {"Ops Bot"}  # learnt from the server's created_by
    emulator.faults.add("truncated", method="POST", path="^/v1/incident$")
    with pytest.raises(Unavailable):
        await conn.create(draft, "k2")
    posts = [r for r in emulator.log if r.method == "POST"]
    assert len(posts) == 3  # the cut-off create was not retried blindly
    restarted = connect(srv, reported_by="tui-user")
    found = await restarted.find_created(draft, "k2", since)
    assert found is not None and found.remote_id != decoy.remote_id
    assert found.title == draft.title and found.raw["created_by"] == DEFAULT_USER
    assert await restarted.find_created(Draft(title="Never made"), "k3", since) is None
    later = FIXED_NOW + timedelta(minutes=5)
    assert await restarted.find_created(draft, "k2", later) is None
    for connector in (conn, other, restarted):
        await connector.aclose()


async def test_attribute_definitions_and_set_attribute(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = emu(srv)
    conn = connect(srv)
    definitions = await conn.attribute_definitions()
    assert {"name": "count", "type": "NUMBER"} in definitions and len(definitions) == 3
    current = await conn.get(emulator.add()["id"])
    first = await conn.set_attribute(current, "workflowId", "wf-9", create=True)
    assert first is not None and first.custom_fields == {"workflowId": "wf-9"}
    assert first.comments == [] and (first.version or "").startswith("0+")
    second = await conn.set_attribute(first, "workflowId", "wf-10", create=False)
    assert second is not None and second.custom_fields == {"workflowId": "wf-10"}
    # The lock stays (contract 5.6), the version token moves with the values.
    assert second.raw["occ_lock"] == 0 and second.version != first.version
    methods = [r.method for r in emulator.log if r.path.endswith("/attributes")
               and r.path != "/v1/incident/attributes"]
    assert methods == ["POST", "PUT"]
    # Initialising a value someone set meanwhile is refused as a conflict (contract 5.6).
    with pytest.raises(Conflict):
        await conn.set_attribute(current, "workflowId", "wf-11", create=True)
    with pytest.raises(Refused):
        await conn.set_attribute(second, "undefined", 1, create=False)
    await conn.aclose()


async def test_bad_or_missing_token_is_auth_failed(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    for token in ("wrong-secret-token", None):
        conn = connect(srv, token=token)
        with pytest.raises(AuthFailed) as caught:
            await pull_all(conn)
        assert "wrong-secret-token" not in str(caught.value)
        await conn.aclose()


async def test_transient_faults_are_retried(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=5)
    emulator = emu(srv)
    # "hang": never answered, so the timeout passes however slow the machine; the timeout
    # is long enough for the answers that do come.
    conn = connect(srv, timeout=1.0)
    for kind, options in (
        ("status", {"status": 503, "retry_after": "0"}),
        ("status", {"status": 429, "retry_after": "0"}),
        ("hang", {}),
        ("truncated", {}),
        ("drop", {}),
    ):
        sent = conn.http.requests_sent
        emulator.faults.add(kind, path="^/v1/incident$", **options)  # type: ignore[arg-type]
        pages = await pull_all(conn)
        emulator.faults.clear()  # lets the hung request's server thread go
        assert len(incidents(pages)) == 5, kind
        assert conn.http.requests_sent - sent == 2, kind  # one failure, one retry
    await conn.aclose()


async def test_malformed_json_is_retried_then_a_bad_response(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=5)
    emu(srv).faults.add("malformed", path="^/v1/incident$")
    conn = connect(srv)
    assert len(incidents(await pull_all(conn))) == 5  # one garbled body: read again
    emu(srv).faults.add("malformed", path="^/v1/incident$", times=-1)
    with pytest.raises(BadResponse):
        await pull_all(conn)
    emu(srv).faults.clear()
    assert len(incidents(await pull_all(conn))) == 5  # the next pass is fine
    await conn.aclose()


async def test_persistent_faults_raise_the_right_error(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    emulator = emu(srv)
    conn = connect(srv, timeout=1.0)  # as in test_transient_faults_are_retried
    cases: list[tuple[str, dict[str, Any], type[Exception]]] = [
        ("status", {"status": 503}, Unavailable),
        ("status", {"status": 429, "retry_after": "0"}, RateLimited),
        ("hang", {}, Unavailable),
        ("truncated", {}, Unavailable),
        ("drop", {}, Unavailable),
        ("malformed", {}, BadResponse),
    ]
    for kind, options, error in cases:
        emulator.faults.clear()
        emulator.faults.add(kind, times=-1, **options)  # type: ignore[arg-type]
        # Each attempt at a hung request waits the timeout out; its retry is shown in
        # test_transient_faults_are_retried.
        conn.http.attempts = 1 if kind == "hang" else Http.attempts
        with pytest.raises(error):
            await pull_all(conn)
    emulator.faults.clear()
    conn.http.attempts = Http.attempts
    emulator.log.clear()
    emulator.faults.add("status", method="POST", status=503, times=-1)
    with pytest.raises(Unavailable):
        await conn.create(Draft(title="x"), "k")
    assert len(emulator.log) == 1  # a create is never repeated blindly
    await conn.aclose()


async def test_retry_after_is_honoured(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    waits: list[float] = []

    async def recording_sleep(seconds: float) -> None:
        waits.append(seconds)

    emu(srv).faults.add("status", status=429, retry_after="2")
    conn = connect(srv, sleep=recording_sleep)
    assert len(incidents(await pull_all(conn))) == 2
    assert waits == [2.0]
    await conn.aclose()


# Keycloak sign-in (OIDC) -------------------------------------------------------------------


def sign_in(
    srv: EmulatorServer, how: SignIn, now: list[datetime] | None = None, **overrides: Any
) -> AohImsConnector:
    """A connector that signs in to the emulator's realm (``client_credentials``/``password``);
    ``now`` is a shared mutable clock for token expiry."""
    config = {**emu(srv).remote_config("ims", sign_in=how), "verify_tls": False, **overrides}
    clock = (lambda: now[0]) if now else (lambda: FIXED_NOW)
    return AohImsConnector(AohImsRemote(**config), sleep=no_sleep, clock=clock)


def token_calls(srv: EmulatorServer) -> list[int]:
    return [r.status for r in emu(srv).log if r.path == REALM_TOKEN_PATH]


async def test_client_credentials_sign_in_syncs_and_writes_as_the_service_account(
    serve: Serve,
) -> None:
    srv = serve("aoh_ims", sample=5)
    conn = sign_in(srv, "client_credentials")
    assert conn.oidc is not None and conn.oidc.grant == "client_credentials"
    pages = await pull_all(conn)
    assert pages[-1].complete and len(incidents(pages)) == 5
    draft = Draft(title="Badge reader offline")
    made = await conn.create(draft, "k1")
    assert made.raw["created_by"] == SERVICE_ACCOUNT_USER
    assert SERVICE_ACCOUNT_USER in conn.identities  # read from the issued token's claims
    again = sign_in(srv, "client_credentials")
    found = await again.find_created(draft, "k1", FIXED_NOW)
    assert found is not None and found.remote_id == made.remote_id
    assert emu(srv).realm.grants == ["client_credentials", "client_credentials"]
    assert all("token" not in r.query for r in emu(srv).log)
    for connector in (conn, again):
        await connector.aclose()


async def test_password_sign_in_acts_as_the_user(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=3)
    conn = sign_in(srv, "password")
    current = incidents(await pull_all(conn))[0]
    note = await conn.comment(current, "On it")
    assert note.author == DEFAULT_USER
    assert emu(srv).realm.grants == ["password"] and token_calls(srv) == [200]
    await conn.aclose()


async def test_concurrent_requests_share_one_sign_in(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=6)
    conn = sign_in(srv, "client_credentials")
    ids = list(emu(srv).tenant(DEFAULT_TENANT).incidents)
    got = await asyncio.gather(*(conn.get(remote_id) for remote_id in ids))
    assert [i.remote_id for i in got] == ids and emu(srv).realm.grants == ["client_credentials"]
    await conn.aclose()


async def test_the_token_is_refreshed_before_expiry_and_signs_in_again_after_the_session(
    serve: Serve,
) -> None:
    now = [FIXED_NOW]
    srv = serve("aoh_ims", sample=2, clock=lambda: now[0], token_ttl=300)
    conn = sign_in(srv, "password", now)
    realm = emu(srv).realm
    await pull_all(conn)
    now[0] += timedelta(seconds=200)
    await pull_all(conn)
    assert realm.grants == ["password"]
    now[0] += timedelta(seconds=80)  # inside the renewal margin, still valid on the server
    assert len(incidents(await pull_all(conn))) == 2
    assert realm.grants == ["password", "refresh_token"]
    assert all(r.status == 200 for r in emu(srv).log)
    now[0] += timedelta(seconds=1800)  # the refresh token has lapsed too: sign in afresh
    await pull_all(conn)
    assert realm.grants == ["password", "refresh_token", "password"]
    now[0] += timedelta(seconds=300)
    realm.refresh.clear()  # the server ended the session early: refresh refused, then sign in
    assert len(incidents(await pull_all(conn))) == 2
    assert realm.grants == ["password", "refresh_token", "password", "password"]
    assert token_calls(srv) == [200, 200, 200, 400, 200]
    await conn.aclose()


async def test_an_expired_token_is_renewed_after_a_401_and_the_sync_continues(
    serve: Serve,
) -> None:
    srv = serve("aoh_ims", sample=2)
    emulator = emu(srv)
    conn = sign_in(srv, "password")
    await pull_all(conn)
    emulator.expire_tokens()
    emulator.log.clear()
    assert len(incidents(await pull_all(conn))) == 2
    assert emulator.realm.grants == ["password", "refresh_token"]
    assert [(r.path, r.status) for r in emulator.log] == [
        ("/v1/incident", 401), (REALM_TOKEN_PATH, 200), ("/v1/incident", 200)]
    emulator.expire_tokens()  # a create refused with 401 did nothing: sent again, made once
    made = await conn.create(Draft(title="Made after renewal"), "k1")
    assert emulator.row(made.remote_id) is not None
    assert len(emulator.tenant(DEFAULT_TENANT).incidents) == 3
    emulator.faults.add("status", path="^/v1/incident$", status=401, times=-1)
    emulator.log.clear()
    with pytest.raises(AuthFailed):
        await pull_all(conn)
    assert [r.path for r in emulator.log] == ["/v1/incident", REALM_TOKEN_PATH, "/v1/incident"]
    await conn.aclose()


async def test_client_credentials_signs_in_again_without_a_refresh_token(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=1)
    conn = sign_in(srv, "client_credentials")
    await pull_all(conn)
    emu(srv).expire_tokens()
    assert len(incidents(await pull_all(conn))) == 1
    assert emu(srv).realm.grants == ["client_credentials", "client_credentials"]
    await conn.aclose()


@pytest.mark.parametrize(
    ("how", "overrides", "reason"),
    [
        ("client_credentials", {"client_secret": "wrong-secret"},
         "sign-in refused (HTTP 401): Invalid client or Invalid client credentials"),
        ("password", {"password": "wrong-password"},
         "sign-in refused (HTTP 401): Invalid user credentials"),
        ("password", {"username": "nobody"}, "Invalid user credentials"),
        ("client_credentials", {"client_id": "someone-else"}, "Invalid client"),
    ],
)
async def test_bad_credentials_are_auth_failed_with_keycloaks_reason(
    serve: Serve, how: SignIn, overrides: dict[str, Any], reason: str
) -> None:
    srv = serve("aoh_ims", sample=1)
    conn = sign_in(srv, how, **overrides)
    with pytest.raises(AuthFailed) as caught:
        await pull_all(conn)
    message = str(caught.value)
    assert message.startswith("AOH IMS") and reason in message
    assert "wrong-" not in message  # no secret in what the user sees
    assert [r.path for r in emu(srv).log] == [REALM_TOKEN_PATH]  # not retried, no API call
    await conn.aclose()


async def test_secrets_from_the_environment(serve: Serve, monkeypatch: pytest.MonkeyPatch) -> None:
    srv = serve("aoh_ims", sample=1)
    monkeypatch.setenv("IMS_CLIENT_SECRET", DEFAULT_CLIENT_SECRET)
    conn = sign_in(srv, "client_credentials", client_secret=None,
                   client_secret_env="IMS_CLIENT_SECRET")
    assert len(incidents(await pull_all(conn))) == 1
    await conn.aclose()
    conn = sign_in(srv, "password", password=None, password_env="IMS_PASSWORD_UNSET")
    with pytest.raises(AuthFailed, match="password_env IMS_PASSWORD_UNSET is not set"):
        await pull_all(conn)
    await conn.aclose()
    assert token_calls(srv) == [200]


async def test_a_static_token_never_touches_the_token_endpoint(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    conn = connect(srv)
    assert conn.oidc is None and DEFAULT_USER in conn.identities
    emu(srv).expire_tokens()  # only issued tokens expire
    assert len(incidents(await pull_all(conn))) == 2
    assert token_calls(srv) == [] and emu(srv).realm.grants == []
    await conn.aclose()
