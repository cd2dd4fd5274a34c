"""The Revily emulator's HEAD additions over real HTTP (contracts/revily.md §3, §5.1, §9):
the read-only event log ``GET /incidents/:id/events`` and ``?expand=`` embedding, both only in
``head_fields`` mode; the seed shape has neither."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import httpx
import pytest

from incident_tui.emulators import EmulatorServer
from incident_tui.emulators.revily import DEFAULT_SERVICE_ID, DEFAULT_TOKEN, RevilyEmulator
from incident_tui.emulators.revily_data import USERS, default_services
from tests.integration.conftest import FIXED_NOW

AUTH = {"Authorization": f'Token token="{DEFAULT_TOKEN}"'}
CLOCK = [FIXED_NOW]
"""The HEAD server's clock; tests move it, every test starts at FIXED_NOW."""
ANA = USERS[0][0]
CHECKOUT = default_services()[0]


@pytest.fixture(scope="module")
def head() -> Iterator[EmulatorServer]:
    """A server without sample data, in HEAD mode, running its timers on ``CLOCK``."""
    emulator = RevilyEmulator(clock=lambda: CLOCK[0], head_fields=True, automatic=True)
    with EmulatorServer(emulator) as srv:
        yield srv


@pytest.fixture(scope="module")
def seed() -> Iterator[EmulatorServer]:
    """A seed-faithful server (no HEAD fields) with a few sample incidents."""
    with EmulatorServer(RevilyEmulator(sample=3, clock=lambda: FIXED_NOW)) as srv:
        yield srv


@pytest.fixture(autouse=True)
def _reset_clock() -> None:
    CLOCK[0] = FIXED_NOW


def emu(srv: EmulatorServer) -> RevilyEmulator:
    """The server's emulator, typed."""
    assert isinstance(srv.emulator, RevilyEmulator)
    return srv.emulator


def client(url: str) -> httpx.Client:
    """A client on the emulator, authenticated as the default user."""
    return httpx.Client(base_url=url, headers=AUTH, timeout=5)


def at(minutes: float) -> str:
    """``minutes`` after FIXED_NOW, as the API writes times."""
    return (FIXED_NOW + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_the_event_log_lists_what_happened_oldest_first(head: EmulatorServer) -> None:
    with client(head.url) as http:
        created = http.post(f"/services/{DEFAULT_SERVICE_ID}/incidents",
                            data={"message": "Disk full"})
        incident_id = created.json()["id"]
        assert created.json()["_links"]["events"] == {"href": f"/incidents/{incident_id}/events"}
        CLOCK[0] = FIXED_NOW + timedelta(minutes=5)
        assert http.put(f"/incidents/{incident_id}/acknowledge").status_code == 204
        CLOCK[0] = FIXED_NOW + timedelta(minutes=9)
        emu(head).transition(incident_id, "resolve")  # someone else, not a user request
        response = http.get(f"/incidents/{incident_id}/events")
        under_api = http.get(f"/api/incidents/{incident_id}/events").json()
    assert response.status_code == 200
    log = response.json()
    assert [(e["action"], e["created_at"], e["changeset"]) for e in log] == [
        ("created", at(0), {"message": [None, "Disk full"]}),
        ("triggered", at(0), {"state": ["pending", "triggered"]}),
        ("acknowledged", at(5), {"state": ["triggered", "acknowledged"]}),
        ("resolved", at(9), {"state": ["acknowledged", "resolved"]}),
    ]
    assert len({e["id"] for e in log}) == 4
    assert all(e["incident"] == {"id": incident_id, "type": "incident"} for e in log)
    assert log[2]["_links"] == {"source": {"href": f"/incidents/{incident_id}"},
                                "actor": {"href": f"/users/{ANA}"}}
    assert "actor" not in log[3]["_links"]
    assert under_api[0]["_links"]["source"] == {"href": f"/api/incidents/{incident_id}"}


def test_the_servers_own_timers_and_edits_are_logged_too(head: EmulatorServer) -> None:
    incident_id = emu(head).add("Queue backing up")["id"]
    first, second = (rule.id for rule in CHECKOUT.policy.rules)
    with client(head.url) as http:
        assert http.put(f"/incidents/{incident_id}", data={"message": "Queue stuck"}).status_code \
            == 204
        CLOCK[0] = FIXED_NOW + timedelta(minutes=30)  # the first rule times out
        log = http.get(f"/incidents/{incident_id}/events").json()
    assert [(e["action"], e["changeset"]) for e in log[2:]] == [
        ("updated", {"message": ["Queue backing up", "Queue stuck"]}),
        ("escalated", {"current_policy_rule_id": [first, second]}),
    ]


def test_the_event_log_is_read_only_and_404s_for_unknown_incidents(head: EmulatorServer) -> None:
    incident_id = emu(head).add("read only")["id"]
    with client(head.url) as http:
        assert http.get("/incidents/nope1234/events").json() == {"error": "not found"}
        assert http.get("/incidents/nope1234/events").status_code == 404
        # PUT .../events is no state-machine event: the same 404 as any unknown event.
        assert http.put(f"/incidents/{incident_id}/events").status_code == 404


def test_the_seed_has_no_event_log_and_ignores_expand(seed: EmulatorServer) -> None:
    incident_id = emu(seed).order[0]
    with client(seed.url) as http:
        assert http.get(f"/incidents/{incident_id}/events").status_code == 404
        row = http.get(f"/incidents/{incident_id}", params={"expand": "all"}).json()
    assert "service" not in row and "events" not in row["_links"]


def test_sample_incidents_come_with_the_history_their_stamps_imply() -> None:
    emulator = RevilyEmulator(sample=30, head_fields=True, clock=lambda: FIXED_NOW)
    with EmulatorServer(emulator) as srv, client(srv.url) as http:
        for incident_id in emulator.order:
            row = http.get(f"/incidents/{incident_id}").json()
            log = http.get(f"/incidents/{incident_id}/events").json()
            actions = [e["action"] for e in log]
            assert actions[:2] == ["created", "triggered"]
            assert actions[-1] == row["state"]
            if row["state"] != "triggered":
                assert log[-1]["created_at"] == row[f"{row['state']}_at"]


@pytest.mark.parametrize(
    ("expand", "embedded"),
    [
        ("service", {"service"}),
        ("current_user,current_policy_rule", {"current_user", "current_policy_rule"}),
        ("all", {"service", "current_user", "current_policy_rule"}),
        ("nonsense", set()),
    ],
)
def test_expand_embeds_the_named_objects(
    head: EmulatorServer, expand: str, embedded: set[str]
) -> None:
    incident_id = emu(head).add("expand me")["id"]
    with client(head.url) as http:
        one = http.get(f"/incidents/{incident_id}", params={"expand": expand}).json()
        listed = http.get("/incidents", params={"expand": expand}).json()
    extra = {"service", "current_user", "current_policy_rule"} & set(one)
    assert extra == embedded
    assert next(r for r in listed if r["id"] == incident_id) == one
    if "service" in embedded:
        assert one["service"]["id"] == DEFAULT_SERVICE_ID
        assert one["service"]["_links"]["self"] == {"href": f"/services/{DEFAULT_SERVICE_ID}"}
    if "current_user" in embedded:
        assert one["current_user"] == {"id": ANA, "email": USERS[0][1]}  # no auth_token
    if "current_policy_rule" in embedded:
        assert one["current_policy_rule"]["id"] == one["current_policy_rule_id"]
        assert one["current_policy_rule"]["assignment"] == {"id": ANA, "type": "User"}
