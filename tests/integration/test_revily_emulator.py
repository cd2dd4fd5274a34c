"""The Revily emulator speaks contracts/revily.md over real HTTP."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import httpx
import pytest

from incident_tui.config_remotes import RevilyRemote
from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.revily import (
    DEFAULT_SERVICE_ID,
    DEFAULT_TOKEN,
    UNAUTHORIZED,
    RevilyEmulator,
)
from incident_tui.emulators.revily_data import USERS, Policy, default_services
from tests.integration.conftest import FIXED_NOW, Serve

AUTH = {"Authorization": f'Token token="{DEFAULT_TOKEN}"'}
SEED_KEYS = {
    "id", "state", "triggered_at", "acknowledged_at", "resolved_at", "message", "description",
    "key", "service_id", "_links",
}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
CLOCK = [FIXED_NOW]
"""The writable server's clock; tests move it, every test starts at FIXED_NOW."""

# Stopping a server costs up to half a second (the stdlib poll interval), so tests that only
# read share one sample server and tests that write share one empty server, each writing
# incidents of its own.


@pytest.fixture(scope="module")
def shared() -> Iterator[EmulatorServer]:
    """A read-only server with 30 sample incidents."""
    with EmulatorServer(RevilyEmulator(sample=30, clock=lambda: FIXED_NOW)) as srv:
        yield srv


@pytest.fixture(scope="module")
def blank() -> Iterator[EmulatorServer]:
    """A server without sample data, in HEAD mode, on the adjustable ``CLOCK``."""
    with EmulatorServer(RevilyEmulator(clock=lambda: CLOCK[0], head_fields=True)) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset_clock() -> None:
    CLOCK[0] = FIXED_NOW


def emu(srv: EmulatorServer) -> RevilyEmulator:
    """The server's emulator, typed."""
    assert isinstance(srv.emulator, RevilyEmulator)
    return srv.emulator


def client(url: str, headers: dict[str, str] | None = None) -> httpx.Client:
    """A client on the emulator, authenticated as the default user unless told otherwise."""
    return httpx.Client(base_url=url, headers=AUTH if headers is None else headers, timeout=5)


# Auth -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": f"Token token={DEFAULT_TOKEN}"},  # quotes are required
        {"Authorization": f"Bearer {DEFAULT_TOKEN}"},
        {"Authorization": 'Token token="wrong"'},
    ],
)
def test_bad_credentials_get_devise_401(shared: EmulatorServer, headers: dict[str, str]) -> None:
    with client(shared.url, headers) as http:
        response = http.get("/incidents")
    assert response.status_code == 401
    assert response.json() == {"error": UNAUTHORIZED}


def test_token_header_and_auth_token_param_both_work(shared: EmulatorServer) -> None:
    other_user_token = USERS[1][2]
    with client(shared.url, {}) as http:
        assert http.get("/incidents", headers=AUTH).status_code == 200
        assert http.get("/incidents", params={"auth_token": DEFAULT_TOKEN}).status_code == 200
        assert http.get("/incidents", params={"auth_token": other_user_token}).status_code == 200
        assert http.get("/incidents", params={"auth_token": "nope"}).status_code == 401


def test_service_token_only_opens_the_integration_api(blank: EmulatorServer) -> None:
    service = default_services()[0]
    with client(blank.url, {"Authorization": f'Token token="{service.token}"'}) as http:
        assert http.get("/incidents").status_code == 401
        assert http.put("/trigger", data={"message": "token test"}).status_code == 201
    with client(blank.url) as http:  # a user token is not a service token
        assert http.put("/trigger", data={"message": "token test"}).status_code == 401


# Shapes and discovery -------------------------------------------------------------------


def test_root_discovery_and_api_prefix_alias(shared: EmulatorServer) -> None:
    with client(shared.url) as http:
        root = http.get("/").json()
        api_root = http.get("/api").json()
        at_root = http.get("/incidents").json()
        under_api = http.get("/api/incidents").json()
    assert set(root) == {
        "incidents_url", "services_url", "policies_url", "schedules_url", "users_url"
    }
    assert root["incidents_url"] == f"{shared.url}/incidents"
    assert api_root["services_url"] == f"{shared.url}/api/services"
    assert [i["id"] for i in at_root] == [i["id"] for i in under_api]
    assert under_api[0]["_links"]["self"]["href"] == f"/api/incidents/{under_api[0]['id']}"


def test_incident_json_is_exactly_the_seed_shape(shared: EmulatorServer) -> None:
    with client(shared.url) as http:
        listed = http.get("/incidents")
    assert listed.status_code == 200
    assert listed.headers["Content-Type"].startswith("application/json")
    rows = listed.json()
    assert isinstance(rows, list) and len(rows) == 30
    for row in rows:
        assert set(row) == SEED_KEYS
        assert re.fullmatch(r"[A-Za-z0-9_-]{8}", row["id"])
        assert ISO.match(row["triggered_at"])
        assert set(row["_links"]) == {"self", "service", "current_user", "current_policy_rule"}
        assert row["_links"]["self"] == {"href": f"/incidents/{row['id']}"}
        assert row["_links"]["service"] == {"href": f"/services/{row['service_id']}"}
        assert re.fullmatch(
            r"/policies/\w{8}/rules/\w{8}", row["_links"]["current_policy_rule"]["href"]
        )
    assert len({row["service_id"] for row in rows}) == 3
    assert {row["state"] for row in rows} == {"triggered", "acknowledged", "resolved"}
    assert any(re.fullmatch(r"[0-9a-f]{32}", row["key"]) for row in rows)


def test_sample_is_deterministic_per_seed() -> None:
    first, second = RevilyEmulator(sample=5), RevilyEmulator(sample=5)
    assert first.order == second.order
    assert first.order != RevilyEmulator(sample=5, seed=8).order


def test_head_fields_mode_adds_details_and_created_at(blank: EmulatorServer) -> None:
    incident_id = emu(blank).add("head", details={"host": "db1"})["id"]
    with client(blank.url) as http:
        row = http.get(f"/incidents/{incident_id}").json()
    assert set(row) == SEED_KEYS | {
        "created_at", "details", "escalation_loop_count", "current_user_id",
        "current_policy_rule_id",
    }
    assert row["details"] == {"host": "db1"}
    assert row["current_user_id"] == USERS[0][0]


def test_get_one_and_unknown_ids_404(shared: EmulatorServer) -> None:
    incident_id = emu(shared).order[1]
    with client(shared.url) as http:
        assert http.get(f"/incidents/{incident_id}").json()["id"] == incident_id
        for method, path in [
            ("GET", "/incidents/nope1234"),
            ("PUT", "/incidents/nope1234/acknowledge"),
            ("DELETE", "/incidents/nope1234"),
            ("GET", "/services/nope1234/incidents"),
            ("POST", "/services/nope1234/incidents"),
            ("GET", "/users/nope1234"),
        ]:
            response = http.request(method, path, data={"message": "x"})
            assert response.status_code == 404, path
            assert response.json() == {"error": "not found"}


# Listing --------------------------------------------------------------------------------


def test_no_pagination_by_default_page_is_ignored(shared: EmulatorServer) -> None:
    with client(shared.url) as http:
        response = http.get("/incidents", params={"page": 2})
    assert len(response.json()) == 30
    assert "Link" not in response.headers and "Total" not in response.headers


def test_opt_in_pagination_has_link_and_total(serve: Serve) -> None:
    srv = serve("revily", sample=7, per_page=3)
    with client(srv.url) as http:
        pages = [http.get("/incidents", params={"page": n}) for n in (1, 2, 3, 9)]
        open_only = http.get("/incidents", params={"page": 1, "state": "resolved"})
    first, middle, last, beyond = pages
    assert [len(r.json()) for r in pages] == [3, 3, 1, 0]
    assert all(r.headers["Total"] == "7" for r in pages)
    assert set(first.links) == {"next", "last"}
    assert first.links["next"]["url"] == f"{srv.url}/incidents?page=2"
    assert first.links["last"]["url"] == f"{srv.url}/incidents?page=3"
    assert set(middle.links) == {"first", "prev", "next", "last"}
    assert set(last.links) == {"first", "prev"}
    ids = [row["id"] for r in (first, middle, last) for row in r.json()]
    assert ids == emu(srv).order
    resolved = sum(1 for r in emu(srv).incidents.values() if r.state == "resolved")
    assert open_only.headers["Total"] == str(resolved)
    if "next" in open_only.links:
        assert "state=resolved" in open_only.links["next"]["url"]


def test_state_filter_and_service_listing(shared: EmulatorServer) -> None:
    with client(shared.url) as http:
        open_rows = http.get("/incidents", params={"state": "triggered,acknowledged"}).json()
        checkout = http.get(f"/services/{DEFAULT_SERVICE_ID}/incidents").json()
    everything = emu(shared).incidents.values()
    assert {r["state"] for r in open_rows} == {"triggered", "acknowledged"}
    assert len(open_rows) == sum(1 for r in everything if r.state != "resolved")
    assert checkout and all(r["service_id"] == DEFAULT_SERVICE_ID for r in checkout)
    assert len(checkout) == sum(1 for r in everything if r.service_id == DEFAULT_SERVICE_ID)


# Create ---------------------------------------------------------------------------------


def test_create_form_encoded_stores_message_key_description(blank: EmulatorServer) -> None:
    with client(blank.url) as http:
        response = http.post(
            f"/services/{DEFAULT_SERVICE_ID}/incidents",
            data={
                "message": "load average alert on host.example.com",
                "key": "host.example.com/load_average",
                "description": "The load average on host.example.com is over 9000!",
            },
        )
        body = response.json()
        again = http.get(f"/incidents/{body['id']}").json()
    assert response.status_code == 201
    assert response.headers["Location"] == f"/incidents/{body['id']}"
    assert body == again
    assert body["state"] == "triggered"
    assert body["triggered_at"] == "2026-11-22T12:00:00Z"
    assert body["acknowledged_at"] is None and body["resolved_at"] is None
    assert body["key"] == "host.example.com/load_average"
    assert body["description"] == "The load average on host.example.com is over 9000!"
    assert body["service_id"] == DEFAULT_SERVICE_ID
    assert body["_links"]["current_user"] == {"href": f"/users/{USERS[0][0]}"}


def test_create_json_defaults_key_and_does_not_dedupe(blank: EmulatorServer) -> None:
    with client(blank.url) as http:
        made = [
            http.post(f"/api/services/{DEFAULT_SERVICE_ID}/incidents", json={"message": "same"})
            for _ in range(2)
        ]
    first, second = (r.json() for r in made)
    assert [r.status_code for r in made] == [201, 201]
    assert made[0].headers["Location"] == f"/api/incidents/{first['id']}"
    assert first["id"] != second["id"]
    assert re.fullmatch(r"[0-9a-f]{32}", first["key"])
    assert first["description"] is None


@pytest.mark.parametrize("data", [{}, {"message": ""}, {"message": "   "}])
def test_create_without_message_is_422_in_rails_shape(
    blank: EmulatorServer, data: dict[str, str]
) -> None:
    before = len(emu(blank).order)
    with client(blank.url) as http:
        response = http.post(f"/services/{DEFAULT_SERVICE_ID}/incidents", data=data)
    assert response.status_code == 422
    assert response.json() == {"errors": {"message": ["can't be blank"]}}
    assert len(emu(blank).order) == before


# State machine --------------------------------------------------------------------------


def test_acknowledge_then_resolve_are_204_with_timestamps(blank: EmulatorServer) -> None:
    incident_id = emu(blank).add("ack then resolve")["id"]
    with client(blank.url) as http:
        CLOCK[0] = FIXED_NOW + timedelta(minutes=5)
        ack = http.put(f"/incidents/{incident_id}/acknowledge")
        CLOCK[0] = FIXED_NOW + timedelta(minutes=9)
        res = http.put(f"/incidents/{incident_id}/resolve")
        body = http.get(f"/incidents/{incident_id}").json()
    assert (ack.status_code, ack.content, res.status_code) == (204, b"", 204)
    assert body["state"] == "resolved"
    assert body["triggered_at"] == "2026-11-22T12:00:00Z"
    assert body["acknowledged_at"] == "2026-11-22T12:05:00Z"
    assert body["resolved_at"] == "2026-11-22T12:09:00Z"


def test_resolving_from_triggered_also_sets_acknowledged_at(blank: EmulatorServer) -> None:
    incident_id = emu(blank).add("straight to resolved")["id"]
    CLOCK[0] = FIXED_NOW + timedelta(minutes=3)
    with client(blank.url) as http:
        assert http.put(f"/incidents/{incident_id}/resolve").status_code == 204
        body = http.get(f"/incidents/{incident_id}").json()
    assert body["acknowledged_at"] == body["resolved_at"] == "2026-11-22T12:03:00Z"


def test_resolving_from_triggered_again_moves_acknowledged_at(blank: EmulatorServer) -> None:
    # Acknowledged, then triggered again (as a timed-out acknowledgement does), then resolved
    # straight from triggered: the resolve is the acknowledgement now, not the old one.
    emulator = emu(blank)
    incident_id = emulator.add("acked, triggered again, resolved")["id"]
    CLOCK[0] = FIXED_NOW + timedelta(minutes=1)
    emulator.transition(incident_id, "acknowledge")
    CLOCK[0] = FIXED_NOW + timedelta(minutes=2)
    emulator.transition(incident_id, "trigger")
    CLOCK[0] = FIXED_NOW + timedelta(minutes=3)
    with client(blank.url) as http:
        assert http.put(f"/incidents/{incident_id}/resolve").status_code == 204
        body = http.get(f"/incidents/{incident_id}").json()
    assert body["acknowledged_at"] == body["resolved_at"] == "2026-11-22T12:03:00Z"


@pytest.mark.parametrize(
    ("events", "illegal"),
    [
        (["acknowledge"], "acknowledge"),
        (["resolve"], "acknowledge"),
        (["resolve"], "resolve"),
        (["resolve"], "trigger"),  # no reopen
        ([], "trigger"),
    ],
)
def test_illegal_transitions_are_422(
    blank: EmulatorServer, events: list[str], illegal: str
) -> None:
    incident_id = emu(blank).add("illegal")["id"]
    with client(blank.url) as http:
        for event in events:
            assert http.put(f"/incidents/{incident_id}/{event}").status_code == 204
        response = http.put(f"/incidents/{incident_id}/{illegal}")
    assert response.status_code == 422
    assert response.json() == {"errors": {"state": [f'cannot transition via "{illegal}"']}}


def test_trigger_and_escalate_from_acknowledged(blank: EmulatorServer) -> None:
    incident_id = emu(blank).add("escalate me")["id"]
    with client(blank.url) as http:
        http.put(f"/incidents/{incident_id}/acknowledge")
        assert http.put(f"/incidents/{incident_id}/trigger").status_code == 204
        assert http.get(f"/incidents/{incident_id}").json()["state"] == "triggered"
        assert http.put(f"/incidents/{incident_id}/escalate").status_code == 204
        body = http.get(f"/incidents/{incident_id}").json()
    assert body["current_user_id"] == USERS[1][0]  # the Checkout policy's second rule
    assert body["_links"]["current_user"] == {"href": f"/users/{USERS[1][0]}"}


def test_update_message_and_details_then_delete(blank: EmulatorServer) -> None:
    incident_id = emu(blank).add("disk full")["id"]
    with client(blank.url) as http:
        update = http.put(
            f"/incidents/{incident_id}", data={"message": "disk 99% full", "details[host]": "db1"}
        )
        body = http.get(f"/incidents/{incident_id}").json()
        blank_message = http.put(f"/incidents/{incident_id}", data={"message": ""})
        deleted = http.delete(f"/incidents/{incident_id}")
        gone = http.get(f"/incidents/{incident_id}")
    assert update.status_code == 204
    assert (body["message"], body["details"]) == ("disk 99% full", {"host": "db1"})
    assert blank_message.status_code == 422
    assert (deleted.status_code, gone.status_code) == (204, 404)
    assert incident_id not in emu(blank).order


def test_automatic_timers_are_off_by_default_and_on_when_asked(
    blank: EmulatorServer, serve: Serve
) -> None:
    busy = serve("revily", clock=lambda: CLOCK[0], automatic=True)
    ids: dict[str, tuple[str, str]] = {}
    for srv in (blank, busy):
        emulator = emu(srv)
        acked = emulator.add("acked")["id"]
        emulator.transition(acked, "acknowledge")
        ids[srv.url] = (acked, emulator.add("left alone")["id"])
    CLOCK[0] = FIXED_NOW + timedelta(minutes=31)  # past the 30 minute acknowledge timeout
    states = {}
    for srv in (blank, busy):
        with client(srv.url) as http:
            states[srv.url] = [http.get(f"/incidents/{i}").json()["state"] for i in ids[srv.url]]
    assert states[blank.url] == ["acknowledged", "triggered"]
    assert states[busy.url] == ["triggered", "triggered"]
    CLOCK[0] = FIXED_NOW + timedelta(minutes=241)  # past the 240 minute auto-resolve
    with client(busy.url) as http:
        left_alone = http.get(f"/incidents/{ids[busy.url][1]}").json()
        CLOCK[0] = FIXED_NOW + timedelta(minutes=300)  # 240 after it was triggered again
        timed_out = http.get(f"/incidents/{ids[busy.url][0]}").json()
    assert left_alone["state"] == "resolved"
    assert left_alone["resolved_at"] == "2026-11-22T16:00:00Z"
    assert left_alone["acknowledged_at"] == "2026-11-22T16:00:00Z"
    # Triggered again when its acknowledgement timed out: resolved from triggered, so its
    # resolution is its acknowledgement too (contract 6).
    assert timed_out["state"] == "resolved"
    assert timed_out["acknowledged_at"] == timed_out["resolved_at"]


# Escalation timers ----------------------------------------------------------------------

CHECKOUT = default_services()[0].policy
FIRST, SECOND = (f"/policies/{CHECKOUT.id}/rules/{rule.id}" for rule in CHECKOUT.rules)
ANA, BEN = (f"/users/{user[0]}" for user in USERS[:2])
"""The Checkout policy's two rules (30 minutes each, loop limit 3) and the users they page."""


@pytest.fixture(scope="module")
def timed() -> Iterator[EmulatorServer]:
    """A server without sample data, in HEAD mode, running its timers on ``CLOCK``."""
    emulator = RevilyEmulator(clock=lambda: CLOCK[0], head_fields=True, automatic=True)
    with EmulatorServer(emulator) as srv:
        yield srv


def checkout_policy(monkeypatch: pytest.MonkeyPatch, srv: EmulatorServer, policy: Policy) -> None:
    """Give the Checkout service ``policy`` for this test only."""
    monkeypatch.setattr(emu(srv).services[DEFAULT_SERVICE_ID], "policy", policy)


def paging(http: httpx.Client, incident_id: str, minutes: float) -> tuple[str, str, str, int]:
    """``minutes`` after FIXED_NOW: the incident's state, current user and policy rule hrefs
    and loop count, read over HTTP (each request runs the timers first)."""
    CLOCK[0] = FIXED_NOW + timedelta(minutes=minutes)
    body = http.get(f"/incidents/{incident_id}").json()
    links = body["_links"]
    assert links["current_user"]["href"] == f"/users/{body['current_user_id']}"
    assert links["current_policy_rule"]["href"].endswith(f"/{body['current_policy_rule_id']}")
    return (
        body["state"],
        links["current_user"]["href"],
        links["current_policy_rule"]["href"],
        body["escalation_loop_count"],
    )


def test_a_triggered_incident_escalates_when_its_rule_times_out(timed: EmulatorServer) -> None:
    incident_id = emu(timed).add("escalates on time")["id"]
    with client(timed.url) as http:
        assert paging(http, incident_id, 29.9) == ("triggered", ANA, FIRST, 0)
        assert paging(http, incident_id, 30) == ("triggered", BEN, SECOND, 0)
        assert paging(http, incident_id, 59.9) == ("triggered", BEN, SECOND, 0)
        # Past the last rule the policy starts again from the first, counting a loop.
        assert paging(http, incident_id, 60) == ("triggered", ANA, FIRST, 1)


def test_each_rule_waits_its_own_escalation_timeout(
    timed: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = CHECKOUT.rules
    rules = (replace(first, escalation_timeout=5), replace(second, escalation_timeout=20))
    checkout_policy(monkeypatch, timed, replace(CHECKOUT, rules=rules))
    incident_id = emu(timed).add("short first step")["id"]
    with client(timed.url) as http:
        assert paging(http, incident_id, 4.9) == ("triggered", ANA, FIRST, 0)
        assert paging(http, incident_id, 5) == ("triggered", BEN, SECOND, 0)
        assert paging(http, incident_id, 24.9) == ("triggered", BEN, SECOND, 0)
        assert paging(http, incident_id, 25) == ("triggered", ANA, FIRST, 1)
        assert paging(http, incident_id, 30) == ("triggered", BEN, SECOND, 1)


def test_acknowledged_incidents_do_not_escalate_and_a_retrigger_starts_afresh(
    timed: EmulatorServer,
) -> None:
    incident_id = emu(timed).add("acknowledged in time")["id"]
    with client(timed.url) as http:
        CLOCK[0] = FIXED_NOW + timedelta(minutes=10)
        assert http.put(f"/incidents/{incident_id}/acknowledge").status_code == 204
        assert paging(http, incident_id, 39.9) == ("acknowledged", ANA, FIRST, 0)
        # The acknowledgement lapses at 40 minutes and the first rule gets its 30 minutes again.
        assert paging(http, incident_id, 69.9) == ("triggered", ANA, FIRST, 0)
        assert paging(http, incident_id, 70) == ("triggered", BEN, SECOND, 0)


@pytest.mark.parametrize(("limit", "last_minute", "loops"), [(3, 150, 2), (1, 30, 0)])
def test_escalation_stops_on_the_last_rule_at_the_loop_limit(
    timed: EmulatorServer,
    monkeypatch: pytest.MonkeyPatch,
    limit: int,
    last_minute: int,
    loops: int,
) -> None:
    checkout_policy(monkeypatch, timed, replace(CHECKOUT, escalation_loop_limit=limit))
    incident_id = emu(timed).add(f"loop limit {limit}")["id"]
    with client(timed.url) as http:
        assert paging(http, incident_id, last_minute - 0.1) == ("triggered", ANA, FIRST, loops)
        assert paging(http, incident_id, last_minute) == ("triggered", BEN, SECOND, loops)
        # Another loop would reach the limit, so nobody else is paged until the auto-resolve.
        assert paging(http, incident_id, 239.9) == ("triggered", BEN, SECOND, loops)


def test_a_late_request_replays_escalations_before_the_auto_resolve(
    timed: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    checkout_policy(monkeypatch, timed, replace(CHECKOUT, escalation_loop_limit=100))
    incident_id = emu(timed).add("nobody looked")["id"]
    with client(timed.url) as http:
        # Escalations at 30, 60 ... 210 minutes; at 240 the auto-resolve and the next
        # escalation fall due together and the resolve goes first.
        assert paging(http, incident_id, 500) == ("resolved", BEN, SECOND, 3)
        assert http.get(f"/incidents/{incident_id}").json()["resolved_at"] == (
            "2026-11-22T16:00:00Z"
        )
        assert paging(http, incident_id, 1000) == ("resolved", BEN, SECOND, 3)


def test_escalation_timers_are_off_without_automatic(blank: EmulatorServer) -> None:
    incident_id = emu(blank).add("never escalates")["id"]
    with client(blank.url) as http:
        assert paging(http, incident_id, 500) == ("triggered", ANA, FIRST, 0)
        emu(blank).tick()
        assert paging(http, incident_id, 500) == ("triggered", ANA, FIRST, 0)


# Services, users, integration -----------------------------------------------------------


def test_services_users_and_policies(shared: EmulatorServer) -> None:
    with client(shared.url) as http:
        services = http.get("/services").json()
        one = http.get(f"/services/{DEFAULT_SERVICE_ID}").json()
        users = http.get("/users").json()
        user = http.get(f"/users/{USERS[0][0]}").json()
        rule_href = http.get("/incidents").json()[0]["_links"]["current_policy_rule"]["href"]
        rule = http.get(rule_href)
    assert len(services) == 3
    assert set(services[0]) == {
        "id", "name", "auto_resolve_timeout", "acknowledge_timeout", "state", "current_status",
        "_links",
    }
    assert one == services[0] and one["state"] == "enabled"
    assert set(one["_links"]) == {"self", "incidents"}
    assert [u["id"] for u in users] == [u[0] for u in USERS]
    assert user == {"id": USERS[0][0], "email": USERS[0][1], "auth_token": DEFAULT_TOKEN}
    assert rule.status_code == 200 and rule.json()["assignment"]["type"] == "User"


def test_integration_trigger_dedupes_on_key_and_resolve_finds_it(blank: EmulatorServer) -> None:
    service = default_services()[1]
    with client(blank.url, {"Authorization": f'Token token="{service.token}"'}) as http:
        first = http.put("/trigger", data={"message": "cpu high", "key": "db1/cpu"})
        dup = http.put("/trigger", data={"message": "cpu still high", "key": "db1/cpu"})
        by_message = http.put("/trigger", data={"message": "cpu high"})
        resolved = http.put("/resolve", data={"key": "db1/cpu"})
        none_left = http.put("/resolve", data={"key": "db1/cpu"})
        fresh = http.put("/trigger", data={"message": "cpu high", "key": "db1/cpu"})
        blank_message = http.put("/trigger", data={"key": "x"})
    assert (first.status_code, dup.status_code) == (201, 202)
    assert dup.json()["id"] == first.json()["id"]
    assert first.json()["service_id"] == service.id
    assert by_message.status_code == 202  # without a key, the same message is the match
    assert by_message.json()["id"] == first.json()["id"]
    assert resolved.status_code == 202 and resolved.json()["state"] == "resolved"
    assert none_left.status_code == 404
    assert fresh.status_code == 201 and fresh.json()["id"] != first.json()["id"]
    assert blank_message.status_code == 422


def test_remote_config_works_with_the_config_model(shared: EmulatorServer) -> None:
    config = RevilyRemote.model_validate(emu(shared).remote_config("ops"))
    assert config.secret() == DEFAULT_TOKEN and config.base_url == shared.url
