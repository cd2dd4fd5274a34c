"""The AOH IMS emulator speaks contracts/aoh-ims.md over real HTTP."""

from __future__ import annotations

import base64
import json
import re
from datetime import timedelta
from typing import Any

import httpx
import pytest

from incident_tui.config_remotes import AohImsRemote
from incident_tui.emulators.aoh_ims import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_TENANT,
    DEFAULT_TOKEN,
    DEFAULT_USER,
    DEFAULT_USERNAME,
    REALM_TOKEN_PATH,
    SERVICE_ACCOUNT_USER,
    AohImsEmulator,
)
from incident_tui.emulators.server import EmulatorServer
from tests.integration.conftest import FIXED_NOW, Serve

OTHER_TOKEN = "token-of-someone-else"
OTHER_TENANT = "7d3a7c1e-0000-4000-8000-000000000002"
UNKNOWN = "00000000-0000-4000-8000-000000000000"
"""A well-formed incident id no tenant has."""
NANO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$")

NEW_INCIDENT: dict[str, Any] = {
    "name": "Server Outage in Data Center A",
    "status": "NEW",
    "type": "SYSTEM_FAILURE",
    "date": "2024-11-22T15:30:00+08:00",
    "description": "Multiple servers lost power.",
    "reported_by": "System Monitor",
    "location": "Data Center A",
    "severity": "MAJOR",
    "next_update": 1674521800,
    "resolved_date": None,
    "backdated": False,
}


def client(srv: EmulatorServer, token: str | None = DEFAULT_TOKEN) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    # verify=False: plain loopback HTTP, and it skips building a CA store per client.
    return httpx.Client(base_url=srv.url, headers=headers, timeout=5, verify=False)


def assert_module_error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["data"] is None and body["message"] and body["sent_at"].endswith("Z")
    assert body["errors"] and all(e["message"] for e in body["errors"])
    return body


def create(http: httpx.Client, **changes: Any) -> dict[str, Any]:
    response = http.post("/v1/incident", json={**NEW_INCIDENT, **changes})
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()["data"]
    return data


def test_auth_is_required_and_checked(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=3)
    for token in (None, "wrong"):
        body = assert_module_error(client(srv, token).get("/v1/incident"), 401)
        assert body["message"] == "unauthorized"
    basic_auth = {"Authorization": f"Basic {DEFAULT_TOKEN}"}
    basic = client(srv, None).get("/v1/incident", headers=basic_auth)
    assert basic.status_code == 401
    assert client(srv).get("/v1/incident").status_code == 200


def test_list_without_params_returns_every_row_newest_first(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=30)
    body = client(srv).get("/v1/incident").json()
    assert set(body) == {"data", "message", "sent_at"}
    rows = body["data"]["incidents"]
    assert body["data"]["total"] == len(rows) == 30
    created = [r["created_at"] for r in rows]
    assert created == sorted(created, reverse=True)
    assert {r["tenant_id"] for r in rows} == {DEFAULT_TENANT}


def test_page_and_size_slice_and_keep_total(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=25)
    http = client(srv)
    everything = [r["id"] for r in http.get("/v1/incident").json()["data"]["incidents"]]
    pages = []
    for page in (1, 2, 3):
        data = http.get("/v1/incident", params={"page": page, "size": 10}).json()["data"]
        assert data["total"] == 25
        pages += [r["id"] for r in data["incidents"]]
    assert pages == everything
    beyond = http.get("/v1/incident", params={"page": 9, "size": 10}).json()["data"]
    assert beyond == {"incidents": [], "total": 25}
    # Invalid values are ignored (AOH conventions): defaults page 1, size 10.
    odd = http.get("/v1/incident", params={"page": "abc", "size": "0"}).json()["data"]
    assert [r["id"] for r in odd["incidents"]] == everything[:10]


def test_paging_knobs(serve: Serve) -> None:
    capped = client(serve("aoh_ims", sample=30, default_size=10, max_size=5))
    assert len(capped.get("/v1/incident").json()["data"]["incidents"]) == 5
    second = capped.get("/v1/incident", params={"page": 2, "size": 100}).json()["data"]
    assert len(second["incidents"]) == 5 and second["total"] == 30
    deaf = client(serve("aoh_ims", sample=30, default_size=10, paging=False))
    first = deaf.get("/v1/incident", params={"page": 1, "size": 100}).json()["data"]["incidents"]
    again = deaf.get("/v1/incident", params={"page": 2, "size": 100}).json()["data"]["incidents"]
    assert len(first) == 10 and first == again


def test_get_one_and_404(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=5)
    http = client(srv)
    row = http.get("/v1/incident").json()["data"]["incidents"][0]
    body = http.get(f"/v1/incident/{row['id']}").json()
    assert body["data"] == row and body["sent_at"]
    assert_module_error(http.get(f"/v1/incident/{UNKNOWN}"), 404)
    assert_module_error(http.get("/v1/incident/no-such-id"), 400)  # not a uuid (section 3)
    no_route = client(serve("aoh_ims", sample=1, get_route=False))
    assert no_route.get(f"/v1/incident/{row['id']}").status_code == 405


def test_create_fills_server_fields_from_the_token(serve: Serve) -> None:
    srv = serve("aoh_ims")
    created = create(client(srv))
    assert created["occ_lock"] == 0 and created["attributes"] is None
    assert created["created_by"] == created["updated_by"] == DEFAULT_USER
    assert created["tenant_id"] == DEFAULT_TENANT
    assert created["date"] == "2024-11-22T07:30:00Z"
    assert NANO.match(created["created_at"]) and "." in created["created_at"]
    assert created["created_at"].startswith("2026-11-22T12:00:00.")
    for key, value in NEW_INCIDENT.items():
        if key != "date":
            assert created[key] == value
    stored = client(srv).get(f"/v1/incident/{created['id']}").json()["data"]
    assert stored == created


def test_create_validation_uses_the_module_error_format(serve: Serve) -> None:
    http = client(serve("aoh_ims"))
    missing = http.post("/v1/incident", json={"name": "x"})
    messages = [e["message"] for e in assert_module_error(missing, 400)["errors"]]
    for field_name in ("status", "type", "date", "description", "reported_by"):
        assert f"{field_name} is required" in messages
    bad = [
        {"description": ""},
        {"status": "BOGUS"},
        {"type": "BOGUS"},
        {"severity": "SEVERE"},
        {"date": "yesterday"},
        {"date": "2024-11-22T15:30:00"},  # no offset: not RFC 3339
        {"next_update": "soon"},
        {"backdated": "no"},
        {"resolved_date": "later"},
    ]
    for change in bad:
        assert_module_error(http.post("/v1/incident", json={**NEW_INCIDENT, **change}), 400)
    assert_module_error(http.post("/v1/incident", content=b"{nope"), 400)
    assert http.get("/v1/incident").json()["data"]["total"] == 0


def test_code_tables_are_configurable(serve: Serve) -> None:
    http = client(serve("aoh_ims", statuses=["Open", "Done"], resolved_statuses=["Done"]))
    assert http.post("/v1/incident", json=NEW_INCIDENT).status_code == 400
    done = create(http, status="Done")
    assert done["resolved_date"] == "2026-11-22T12:00:00Z"


def test_put_is_a_full_replacement_guarded_by_occ_lock(serve: Serve) -> None:
    srv = serve("aoh_ims", tokens={DEFAULT_TOKEN: (DEFAULT_TENANT, DEFAULT_USER),
                                   OTHER_TOKEN: (DEFAULT_TENANT, "Ops Bot")})
    http = client(srv)
    created = create(http)
    path = f"/v1/incident/{created['id']}"
    body = {k: NEW_INCIDENT[k] for k in ("name", "status", "type", "date", "description",
                                         "reported_by")}
    missing_lock = http.put(path, json=body)
    assert "occ_lock is required" in [e["message"] for e in
                                      assert_module_error(missing_lock, 400)["errors"]]
    stale = http.put(path, json={**body, "occ_lock": 5})
    conflict = assert_module_error(stale, 409)
    assert conflict["errorCode"] == "OCC_LOCK_MISMATCH"
    assert conflict["message"] == "occ_lock mismatch"
    assert conflict["errors"] == [{"message": "expected occ_lock 0, got 5"}]
    updated = client(srv, OTHER_TOKEN).put(path, json={**body, "status": "OPEN", "occ_lock": 0})
    assert updated.status_code == 200
    data = updated.json()["data"]
    assert data["occ_lock"] == 1 and data["status"] == "OPEN"
    assert data["updated_by"] == "Ops Bot" and data["created_by"] == DEFAULT_USER
    assert data["updated_at"] != created["updated_at"]
    # Optional fields left out are reset: PUT replaces the whole editable set.
    assert data["location"] == "" and data["severity"] == "" and data["next_update"] == 0
    assert_module_error(http.put(f"/v1/incident/{UNKNOWN}", json={**body, "occ_lock": 0}), 404)


def test_resolved_date_follows_the_status(serve: Serve) -> None:
    http = client(serve("aoh_ims"))
    created = create(http)
    path = f"/v1/incident/{created['id']}"
    base = {**NEW_INCIDENT}
    resolved = http.put(path, json={**base, "status": "RESOLVED", "occ_lock": 0}).json()["data"]
    assert resolved["resolved_date"] == "2026-11-22T12:00:00Z"
    closed = http.put(path, json={**base, "status": "CLOSED", "occ_lock": 1}).json()["data"]
    assert closed["resolved_date"] == "2026-11-22T12:00:00Z"  # kept, not restamped
    reopened = http.put(path, json={**base, "status": "NEW", "occ_lock": 2,
                                    "resolved_date": "2026-11-22T10:00:00Z"}).json()["data"]
    assert reopened["resolved_date"] is None
    explicit = http.put(path, json={**base, "status": "RESOLVED", "occ_lock": 3,
                                    "resolved_date": "2026-11-22T11:00:00+01:00"}).json()["data"]
    assert explicit["resolved_date"] == "2026-11-22T10:00:00Z"


def test_delete_incident(serve: Serve) -> None:
    http = client(serve("aoh_ims"))
    created = create(http)
    http.post(f"/v1/incident/{created['id']}/comments", json={"text": "x"})
    answer = http.delete(f"/v1/incident/{created['id']}")
    assert answer.status_code == 200
    assert answer.json()["data"] is None and answer.json()["message"] == "Incident deleted"
    assert_module_error(http.get(f"/v1/incident/{created['id']}"), 404)
    assert_module_error(http.get(f"/v1/incident/{created['id']}/comments"), 404)
    assert_module_error(http.delete(f"/v1/incident/{created['id']}"), 404)


def test_attribute_metadata_routes_win_over_incident_ids(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    http = client(srv)
    listed = http.get("/v1/incident/attributes").json()["data"]
    assert {"name": "isPending", "type": "BOOLEAN"} in listed and len(listed) == 3
    made = http.post("/v1/incident/attributes", json={"name": "ticket", "type": "STRING"})
    assert made.status_code == 201 and made.json()["data"] == {"name": "ticket", "type": "STRING"}
    assert_module_error(http.post("/v1/incident/attributes",
                                  json={"name": "ticket", "type": "STRING"}), 400)
    assert_module_error(http.post("/v1/incident/attributes",
                                  json={"name": "when", "type": "DATE"}), 400)
    assert http.put("/v1/incident/attributes", json={}).status_code == 405
    incident = http.get("/v1/incident").json()["data"]["incidents"][0]
    http.post(f"/v1/incident/{incident['id']}/attributes", json={"name": "ticket", "value": "T1"})
    assert http.delete("/v1/incident/attributes/ticket").status_code == 200
    after = http.get(f"/v1/incident/{incident['id']}").json()["data"]
    assert "ticket" not in (after["attributes"] or {})
    assert_module_error(http.delete("/v1/incident/attributes/ticket"), 404)
    assert len(http.get("/v1/incident/attributes").json()["data"]) == 3
    assert_module_error(client(srv, None).get("/v1/incident/attributes"), 401)


def test_attribute_values_are_coerced_and_leave_the_lock_alone(serve: Serve) -> None:
    srv = serve("aoh_ims")
    http = client(srv)
    created = create(http)
    path = f"/v1/incident/{created['id']}/attributes"
    first = http.post(path, json={"name": "workflowId", "value": "9fdad2ec"})
    assert first.status_code == 201
    assert first.json()["data"]["attributes"] == {"workflowId": "9fdad2ec"}
    assert http.post(path, json={"name": "count", "value": "5"}).status_code == 201
    http.post(path, json={"name": "isPending", "value": "true"})
    stored = http.get(f"/v1/incident/{created['id']}").json()["data"]
    assert stored["attributes"] == {"workflowId": "9fdad2ec", "count": 5, "isPending": True}
    assert stored["occ_lock"] == 0 and stored["updated_at"] == created["updated_at"]
    assert_module_error(http.put(path, json={"name": "nope", "value": 1}), 400)
    assert_module_error(http.put(path, json={"name": "count", "value": "many"}), 400)
    assert_module_error(http.put(path, json={"name": "isPending", "value": 3}), 400)
    assert_module_error(http.put(path, json={"value": 3}), 400)
    http.put(path, json={"name": "count", "value": None})
    cleared = http.get(f"/v1/incident/{created['id']}").json()["data"]["attributes"]
    assert cleared == {"workflowId": "9fdad2ec", "isPending": True}
    assert_module_error(http.put(f"/v1/incident/{UNKNOWN}/attributes",
                                 json={"name": "count", "value": 1}), 404)


def test_attribute_writes_can_bump_the_lock(serve: Serve) -> None:
    http = client(serve("aoh_ims", attribute_writes_bump_lock=True))
    created = create(http)
    answer = http.post(f"/v1/incident/{created['id']}/attributes",
                       json={"name": "count", "value": 2})
    assert answer.json()["data"]["occ_lock"] == 1


def test_comments_add_list_delete_three_ways(serve: Serve) -> None:
    http = client(serve("aoh_ims"))
    created = create(http)
    path = f"/v1/incident/{created['id']}/comments"
    made = []
    for text in ("one", "two", "three", "four"):
        answer = http.post(path, json={"text": text})
        assert answer.status_code == 201
        made.append(answer.json()["data"])
    comment = made[0]
    assert set(comment) == {"id", "incident_id", "user_id", "name", "text", "created_at",
                            "updated_at", "created_by", "updated_by", "occ_lock", "tenant_id"}
    assert comment["name"] == comment["created_by"] == DEFAULT_USER
    assert comment["incident_id"] == created["id"] and comment["tenant_id"] == DEFAULT_TENANT
    assert NANO.match(comment["created_at"]) and comment["occ_lock"] == 0
    assert [c["text"] for c in http.get(path).json()["data"]] == ["one", "two", "three", "four"]
    assert http.delete(f"{path}/{made[0]['id']}").status_code == 200
    assert http.delete(path, params={"id": made[1]["id"]}).status_code == 200
    assert http.request("DELETE", path, json={"id": made[2]["id"]}).status_code == 200
    assert [c["text"] for c in http.get(path).json()["data"]] == ["four"]
    assert_module_error(http.delete(f"{path}/{made[0]['id']}"), 404)
    assert_module_error(http.delete(path), 400)
    assert_module_error(http.post(path, json={"body": "wrong key"}), 400)
    assert_module_error(http.post(f"/v1/incident/{UNKNOWN}/comments", json={"text": "x"}), 404)


def test_rows_are_scoped_by_the_callers_tenant(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=4, tokens={DEFAULT_TOKEN: (DEFAULT_TENANT, DEFAULT_USER),
                                             OTHER_TOKEN: (OTHER_TENANT, "Tenant Two")})
    mine, theirs = client(srv), client(srv, OTHER_TOKEN)
    assert theirs.get("/v1/incident").json()["data"] == {"incidents": [], "total": 0}
    own = create(theirs)
    assert own["tenant_id"] == OTHER_TENANT and own["created_by"] == "Tenant Two"
    assert theirs.get("/v1/incident").json()["data"]["total"] == 1
    assert mine.get("/v1/incident").json()["data"]["total"] == 4
    for method in ("GET", "PUT", "DELETE"):
        answer = mine.request(method, f"/v1/incident/{own['id']}", json={**NEW_INCIDENT,
                                                                          "occ_lock": 0})
        assert answer.status_code == 404
    assert mine.get(f"/v1/incident/{own['id']}/comments").status_code == 404


def test_sample_data_has_next_updates_attributes_and_comments(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=60)
    http = client(srv)
    rows = http.get("/v1/incident").json()["data"]["incidents"]
    now = int(FIXED_NOW.timestamp())
    promised = [r for r in rows if r["next_update"]]
    assert promised and all(r["status"] not in ("RESOLVED", "CLOSED") for r in promised)
    assert any(r["next_update"] < now for r in promised)
    assert any(r["next_update"] > now for r in promised)
    assert any(r["attributes"] for r in rows)
    assert all(set(r["attributes"] or {}) <= {"workflowId", "count", "isPending"} for r in rows)
    for row in rows:
        assert NANO.match(row["created_at"]) and NANO.match(row["updated_at"])
        assert (row["resolved_date"] is not None) == (row["status"] in ("RESOLVED", "CLOSED"))
    assert {r["status"] for r in rows} >= {"NEW", "RESOLVED"}
    comments = sum(len(http.get(f"/v1/incident/{r['id']}/comments").json()["data"])
                   for r in rows[:20])
    assert comments > 0
    again = serve("aoh_ims", sample=60)
    assert client(again).get("/v1/incident").json()["data"]["incidents"] == rows


def test_remote_config_and_helpers(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=1)
    emulator: Any = srv.emulator
    config = AohImsRemote(**emulator.remote_config("ims"))
    assert config.base_url == srv.url and config.secret() == DEFAULT_TOKEN
    row = emulator.add(name="Added directly", severity="LOW")
    touched = emulator.touch(row["id"], status="OPEN")
    assert touched["occ_lock"] == 1 and touched["updated_by"] == "Someone Else"
    fetched = client(srv).get(f"/v1/incident/{row['id']}").json()["data"]
    assert fetched["status"] == "OPEN" and fetched["name"] == "Added directly"
    with pytest.raises(KeyError):
        emulator.touch("nope")


def token(srv: EmulatorServer, grant: str = "client_credentials", **form: str) -> httpx.Response:
    """A form-encoded token request with the default client credentials (overridable)."""
    data = {"grant_type": grant, "client_id": DEFAULT_CLIENT_ID,
            "client_secret": DEFAULT_CLIENT_SECRET, **form}
    if grant == "password":
        data = {"username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD, **data}
    return httpx.post(srv.url + REALM_TOKEN_PATH, data={k: v for k, v in data.items() if v})


def claims(access: str) -> dict[str, Any]:
    payload = access.split(".")[1]
    decoded: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "==="))
    return decoded


def test_token_endpoint_grants_map_to_a_tenant_and_user(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    service = token(srv)
    assert service.status_code == 200 and service.headers["Cache-Control"] == "no-store"
    body = service.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    assert "refresh_token" not in body and body["refresh_expires_in"] == 0  # Keycloak's default
    assert claims(body["access_token"])["preferred_username"] == SERVICE_ACCOUNT_USER
    made = create(client(srv, body["access_token"]))
    assert made["created_by"] == SERVICE_ACCOUNT_USER and made["tenant_id"] == DEFAULT_TENANT

    signed_in = token(srv, "password").json()
    assert signed_in["refresh_expires_in"] == 1800 and signed_in["refresh_token"]
    assert claims(signed_in["access_token"])["name"] == DEFAULT_USER
    assert create(client(srv, signed_in["access_token"]))["created_by"] == DEFAULT_USER
    refreshed = token(srv, "refresh_token", refresh_token=signed_in["refresh_token"]).json()
    assert refreshed["access_token"] != signed_in["access_token"]
    assert client(srv, refreshed["access_token"]).get("/v1/incident").status_code == 200
    basic = base64.b64encode(f"{DEFAULT_CLIENT_ID}:{DEFAULT_CLIENT_SECRET}".encode()).decode()
    by_basic = httpx.post(srv.url + REALM_TOKEN_PATH, data={"grant_type": "client_credentials"},
                          headers={"Authorization": f"Basic {basic}"})
    assert by_basic.status_code == 200
    emulator = srv.emulator
    assert isinstance(emulator, AohImsEmulator)
    assert emulator.realm.grants == [
        "client_credentials", "password", "refresh_token", "client_credentials"]


def test_token_endpoint_refusals_are_keycloak_shaped(serve: Serve) -> None:
    srv = serve("aoh_ims")
    cases: list[tuple[httpx.Response, int, str, str]] = [
        (token(srv, "password", password="nope"), 401, "invalid_grant", "Invalid user credentials"),
        (token(srv, "password", username="nobody"), 401, "invalid_grant", "Invalid user"),
        (token(srv, client_secret="wrong"), 401, "invalid_client", "Invalid client"),
        (token(srv, client_id="other"), 401, "invalid_client", "Invalid client"),
        (token(srv, "refresh_token", refresh_token="rt-forged"), 400, "invalid_grant",
         "Invalid refresh token"),
        (token(srv, "authorization_code"), 400, "unsupported_grant_type", "Unsupported"),
    ]
    for response, status, error, description in cases:
        assert response.status_code == status, response.text
        body = response.json()
        assert body["error"] == error and body["error_description"].startswith(description)
    public = serve("aoh_ims", client_secret=None)
    refused = token(public, client_secret="")
    assert refused.status_code == 401 and refused.json()["error"] == "unauthorized_client"
    assert token(public, "password", client_secret="").status_code == 200


def test_issued_tokens_expire_on_the_emulator_clock(serve: Serve) -> None:
    now = [FIXED_NOW]
    srv = serve("aoh_ims", clock=lambda: now[0], token_ttl=60, refresh_ttl=120)
    signed_in = token(srv, "password").json()
    http = client(srv, signed_in["access_token"])
    assert http.get("/v1/incident").status_code == 200
    now[0] += timedelta(seconds=61)
    expired = assert_module_error(http.get("/v1/incident"), 401)
    assert expired["errors"][0]["message"] == "access token expired"
    again = token(srv, "refresh_token", refresh_token=signed_in["refresh_token"]).json()
    assert client(srv, again["access_token"]).get("/v1/incident").status_code == 200
    emulator = srv.emulator
    assert isinstance(emulator, AohImsEmulator)
    emulator.expire_tokens()
    gone = assert_module_error(client(srv, again["access_token"]).get("/v1/incident"), 401)
    assert gone["errors"][0]["message"] == "invalid access token"
    assert client(srv).get("/v1/incident").status_code == 200  # static tokens are unaffected
    now[0] += timedelta(seconds=120)
    late = token(srv, "refresh_token", refresh_token=again["refresh_token"])
    assert late.status_code == 400 and late.json()["error_description"] == "Token is not active"


def test_remote_config_for_each_way_to_sign_in(serve: Serve) -> None:
    srv = serve("aoh_ims")
    emulator = srv.emulator
    assert isinstance(emulator, AohImsEmulator)
    service = AohImsRemote(**emulator.remote_config("ims", sign_in="client_credentials"))
    assert service.token_url == srv.url + REALM_TOKEN_PATH and service.secret() is None
    assert service.oidc_grant() == "client_credentials"
    assert service.client_secret_value() == DEFAULT_CLIENT_SECRET
    user = AohImsRemote(**emulator.remote_config("ims", sign_in="password"))
    assert user.oidc_grant() == "password" and user.username == DEFAULT_USERNAME
    assert user.password_value() == DEFAULT_PASSWORD
