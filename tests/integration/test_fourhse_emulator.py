"""The 4HSE emulator speaks contracts/fourhse.md over real HTTP: auth and the token endpoint,
Yii2 errors, pagination headers, the two id forms, the delete preview and the child resources."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest

from incident_tui.config_remotes import FourhseRemote
from incident_tui.emulators.fourhse import FourhseEmulator
from incident_tui.emulators.fourhse_data import (
    ACTIONS,
    CATEGORIES,
    DEFAULT_CLIENT_ID,
    DEFAULT_PASSWORD,
    DEFAULT_SUBTENANT_ID,
    DEFAULT_TENANT_ID,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
    ENTITIES,
    PERSONS,
)
from incident_tui.emulators.server import EmulatorServer
from tests.integration.conftest import FIXED_NOW

AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
OFFICE_PERSON = next(k for k, v in PERSONS.items() if v["subtenant_id"] == DEFAULT_SUBTENANT_ID)


def client(srv: EmulatorServer, **headers: str) -> httpx.Client:
    return httpx.Client(base_url=srv.url, headers=headers or AUTH, timeout=5)


def new_incident(**fields: Any) -> dict[str, Any]:
    return {
        "name": "Forklift near-miss", "date_incident": "2026-11-20",
        "tenant_id": DEFAULT_TENANT_ID, "subtenant_id": DEFAULT_SUBTENANT_ID, **fields,
    }


def with_children(emulator: FourhseEmulator) -> str:
    """An incident id that has people (the sample gives a third of incidents children)."""
    return next(iter(emulator.by_incident["incident-person"]))


def childless(emulator: FourhseEmulator) -> str:
    return next(
        key for key in emulator.rows["incident"]
        if not any(key in emulator.by_incident[r] for r in emulator.by_incident)
    )


def token(srv: EmulatorServer, **form: str) -> httpx.Response:
    data = {
        "grant_type": "password", "client_id": DEFAULT_CLIENT_ID,
        "username": DEFAULT_USERNAME, "password": DEFAULT_PASSWORD, **form,
    }
    return httpx.post(f"{srv.url}/token", data=data, timeout=5)


def test_unauthenticated_requests_get_yii2_401(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=3)
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "Basic x"}):
        response = httpx.post(f"{srv.url}/v2/incident/index", headers=headers, json={})
        assert response.status_code == 401
        assert response.json() == {
            "name": "Unauthorized", "message": "Your request was made with invalid credentials.",
            "code": 0, "status": 401,
        }
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    by_query = httpx.post(
        f"{srv.url}/v2/incident/index", params={"access-token": DEFAULT_TOKEN}, json={}
    )
    assert by_query.status_code == 200 and len(by_query.json()) == 3


def test_password_and_refresh_grants(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=2)
    granted = token(srv)
    assert granted.status_code == 200
    body = granted.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 300
    with client(srv, Authorization=f"Bearer {body['access_token']}") as http:
        assert http.post("/v2/incident/index", json={}).status_code == 200
    refreshed = token(srv, grant_type="refresh_token", refresh_token=body["refresh_token"])
    assert refreshed.status_code == 200 and refreshed.json()["access_token"] != body["access_token"]
    assert srv.emulator.grants == ["password", "refresh_token"]  # type: ignore[attr-defined]
    bad_password = token(srv, password="nope")
    assert bad_password.status_code == 401 and bad_password.json()["error"] == "invalid_grant"
    assert token(srv, client_id="other").json()["error"] == "invalid_client"
    bad_refresh = token(srv, grant_type="refresh_token", refresh_token="rt-forged")
    assert bad_refresh.status_code == 400
    assert token(srv, grant_type="client_credentials").json()["error"] == "unsupported_grant_type"


def test_issued_tokens_expire_on_the_emulator_clock(serve: Callable[..., EmulatorServer]) -> None:
    now = [FIXED_NOW]
    srv = serve("fourhse", sample=1, clock=lambda: now[0], token_ttl=60)
    access = token(srv).json()["access_token"]
    with client(srv, Authorization=f"Bearer {access}") as http:
        assert http.get("/v2/incident/index").status_code == 405
        assert http.post("/v2/incident/index", json={}).status_code == 200
        now[0] += timedelta(seconds=61)
        assert http.post("/v2/incident/index", json={}).status_code == 401


def test_index_is_a_bare_array_with_pagination_headers(
    serve: Callable[..., EmulatorServer],
) -> None:
    srv = serve("fourhse", sample=230, foreign=20)
    with client(srv) as http:
        first = http.post("/v2/incident/index", json={"per-page": 500})
        assert isinstance(first.json(), list) and len(first.json()) == 100
        assert first.headers["X-Pagination-Per-Page"] == "100"
        assert first.headers["X-Pagination-Total-Count"] == "250"
        assert first.headers["X-Pagination-Page-Count"] == "3"
        scoped = {"filter": {"subtenant_id": DEFAULT_SUBTENANT_ID}, "page": 3, "per-page": 100}
        last = http.post("/v2/incident/index", json=scoped)
        assert last.headers["X-Pagination-Current-Page"] == "3"
        assert len(last.json()) == 30
        assert {row["subtenant_id"] for row in last.json()} == {DEFAULT_SUBTENANT_ID}
        beyond = http.post("/v2/incident/index", json={**scoped, "page": 4})
        assert beyond.json() == []
        closed = http.post("/v2/incident/index", json={"filter": {"status": "closed"}}).json()
        assert closed and {row["status"] for row in closed} == {"closed"}
        ordered = http.post("/v2/incident/index", json={"sort": "-date_incident"}).json()
        dates = [row["date_incident"] for row in ordered]
        assert dates == sorted(dates, reverse=True)


def test_history_flag_lists_historicized_rows(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=5, foreign=0)
    emulator: FourhseEmulator = srv.emulator  # type: ignore[assignment]
    emulator.historicize(next(iter(emulator.rows["incident"])))
    with client(srv) as http:
        assert len(http.post("/v2/incident/index", json={}).json()) == 4
        assert len(http.post("/v2/incident/index", json={"history": True}).json()) == 5


def test_sample_rows_have_4hse_fields(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=60, foreign=10)
    with client(srv) as http:
        rows = http.post("/v2/incident/index", json={}).json()
    assert len({row["office_name"] for row in rows}) > 1
    for row in rows:
        assert row["category"] in CATEGORIES
        assert row["status"] in ("new", "open", "closed")
        assert (row["date_closed"] is not None) == (row["status"] == "closed")
        assert re.fullmatch(r"INC-\d{4}", row["code"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row["created_at"])
        assert row["deponent"] and row["creator"] and row["project_name"]
        assert "updated_at" not in row and "severity" not in row
    assert any(row["totInvolvedPerson"] > 0 for row in rows)


def test_create_with_client_id_and_validation(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=0)
    chosen = "0b6f6f0e-1111-4222-8333-444455556666"
    with client(srv) as http:
        created = http.post("/v2/incident/create", json=new_incident(office_incident_id=chosen))
        assert created.status_code == 201
        body = created.json()
        assert body["office_incident_id"] == chosen and body["status"] == "new"
        assert body["creator"] == DEFAULT_USERNAME and body["code"] == "INC-0001"
        assert body["created_at"] == FIXED_NOW.strftime("%Y-%m-%d %H:%M:%S")
        assert body["office_name"] == "Warehouse North"
        again = http.post("/v2/incident/create", json=new_incident(office_incident_id=chosen))
        assert again.status_code == 422
        assert again.json()[0]["field"] == "office_incident_id"
        missing = http.post("/v2/incident/create", json={})
        assert missing.status_code == 422
        assert [e["field"] for e in missing.json()] == [
            "name", "date_incident", "subtenant_id", "tenant_id",
        ]
        assert missing.json()[0]["message"] == "Name cannot be blank."
        closed = http.post("/v2/incident/create", json=new_incident(status="closed"))
        assert closed.json() == [
            {"field": "date_closed", "message": "Date Closed cannot be blank."}
        ]
        category = http.post("/v2/incident/create", json=new_incident(category="Injury"))
        assert category.status_code == 422 and category.json()[0]["field"] == "category"


def test_category_validation_can_be_switched_off(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", validate_category=False)
    with client(srv) as http:
        response = http.post("/v2/incident/create", json=new_incident(category="Injury"))
    assert response.status_code == 201 and response.json()["category"] == "Injury"


def test_view_update_in_both_id_forms_and_404(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=3)
    key = next(iter(srv.emulator.rows["incident"]))  # type: ignore[attr-defined]
    with client(srv) as http:
        by_path = http.get(f"/v2/incident/view/{key}").json()
        assert by_path == http.get("/v2/incident/view", params={"id": key}).json()
        updated = http.put(f"/v2/incident/update/{key}", json={"status": "open", "code": "X-1"})
        assert updated.status_code == 200
        assert updated.json() == {**by_path, "status": "open", "code": "X-1"}
        closing = http.put(
            "/v2/incident/update", params={"id": key},
            json={"status": "closed", "date_closed": None},
        )
        assert closing.status_code == 422 and closing.json()[0]["field"] == "date_closed"
        closed = http.put(
            "/v2/incident/update", params={"id": key},
            json={"status": "closed", "date_closed": "2026-11-22", "creator": "intruder"},
        ).json()
        assert closed["date_closed"] == "2026-11-22" and closed["creator"] == by_path["creator"]
        missing = http.get("/v2/incident/view/nope")
        assert missing.status_code == 404
        assert missing.json() == {
            "name": "Not Found", "message": "Incident not found: nope", "code": 0, "status": 404,
        }
        assert http.get("/v2/incident/view").status_code == 400
        assert http.put("/v2/incident/update/nope", json={}).status_code == 404


def test_delete_preview_then_forced_cascade(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=20)
    emulator: FourhseEmulator = srv.emulator  # type: ignore[assignment]
    parent = with_children(emulator)
    person_ids = list(emulator.by_incident["incident-person"][parent])
    with client(srv) as http:
        preview = http.delete(f"/v2/incident/delete/{parent}")
        assert preview.status_code == 400
        assert preview.json()["related"]["IncidentPerson"] == person_ids
        assert set(preview.json()["related"]) == {
            "IncidentPerson", "IncidentResource", "IncidentAction",
        }
        assert http.get(f"/v2/incident/view/{parent}").status_code == 200
        forced = http.delete("/v2/incident/delete", params={"id": parent, "force": "true"})
        assert forced.status_code == 204
        assert http.get(f"/v2/incident/view/{parent}").status_code == 404
        assert http.get(f"/v2/incident-person/view/{person_ids[0]}").status_code == 404
        lone = childless(emulator)
        assert http.delete(f"/v2/incident/delete/{lone}").status_code == 204
        assert http.get(f"/v2/incident/view/{lone}").status_code == 404


def test_child_resources_crud_with_joined_fields(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse", sample=0)
    with client(srv) as http:
        parent = http.post("/v2/incident/create", json=new_incident()).json()
        scope = {
            "office_incident_id": parent["office_incident_id"],
            "tenant_id": DEFAULT_TENANT_ID, "subtenant_id": DEFAULT_SUBTENANT_ID,
        }
        person = http.post(
            "/v2/incident-person/create",
            json={**scope, "person_office_id": OFFICE_PERSON, "days": 4},
        )
        assert person.status_code == 201
        row = person.json()
        assert row["person_first_name"] == PERSONS[OFFICE_PERSON]["person_first_name"]
        assert row["incident_name"] == "Forklift near-miss" and row["office_name"]
        resource = http.post(
            "/v2/incident-resource/create",
            json={**scope, "entity_id": next(iter(ENTITIES)), "entity_type": "EQUIPMENT"},
        ).json()
        assert resource["entity_name"] == next(iter(ENTITIES.values()))["entity_name"]
        action = http.post(
            "/v2/incident-action/create", json={**scope, "entity_id": next(iter(ACTIONS))}
        ).json()
        assert action["action_code"] and action["action_type"] and action["entity_type"]
        listed = http.post(
            "/v2/incident-person/index",
            json={"filter": {"office_incident_id": parent["office_incident_id"]}},
        )
        assert [r["office_incident_person_id"] for r in listed.json()] == [
            row["office_incident_person_id"]
        ]
        view = http.get(f"/v2/incident/view/{parent['office_incident_id']}").json()
        assert view["totInvolvedPerson"] == 1 and view["totSicknessDays"] == 4
        person_id = row["office_incident_person_id"]
        changed = http.put(f"/v2/incident-person/update/{person_id}", json={"days": 9})
        assert changed.status_code == 200 and changed.json()["days"] == 9
        invalid = http.post("/v2/incident-person/create", json={**scope, "person_office_id": "x"})
        assert invalid.status_code == 422 and invalid.json()[0]["field"] == "person_office_id"
        assert http.post("/v2/incident-action/create", json={}).status_code == 422
        assert http.delete(f"/v2/incident-person/delete?id={person_id}").status_code == 204
        assert http.get(f"/v2/incident/view/{parent['office_incident_id']}").json()[
            "totInvolvedPerson"
        ] == 0


def test_remote_config_is_a_valid_fourhse_remote(serve: Callable[..., EmulatorServer]) -> None:
    srv = serve("fourhse")
    config = FourhseRemote.model_validate(srv.emulator.remote_config("hse"))
    assert config.token_url == f"{srv.url}/token" and config.password_value() == DEFAULT_PASSWORD
    assert config.tenant_id == DEFAULT_TENANT_ID and config.subtenant_id == DEFAULT_SUBTENANT_ID


@pytest.mark.parametrize(("fmt", "pattern"), [("epoch", int), ("iso", str)])
def test_created_at_format_option(fmt: str, pattern: type, serve: Callable[..., Any]) -> None:
    srv = serve("fourhse", sample=2, created_at_format=fmt)
    with client(srv) as http:
        rows = http.post("/v2/incident/index", json={}).json()
    assert all(isinstance(row["created_at"], pattern) for row in rows)
    if fmt == "iso":
        assert all(datetime.fromisoformat(row["created_at"]) for row in rows)
