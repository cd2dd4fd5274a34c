"""Connector and emulator fixes against the emulators over real HTTP on loopback: unset
``*_env`` secrets named per remote, Kitehouse's silent ``limit`` cap, 4HSE's ``date_closed``
and office on create, OneUptime's create key kept out of the custom fields, and emulators
faithful to their contracts (Kitehouse priorities, AOH's bad-id 400, Revily's schedules, the
``emulate`` options)."""

from __future__ import annotations

from contextlib import aclosing
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.config import Settings
from incident_tui.config_remotes import (
    AohImsRemote,
    FourhseRemote,
    KitehouseRemote,
    OneuptimeRemote,
)
from incident_tui.domain.model import Draft, Status
from incident_tui.emulators import EmulatorServer, make_emulator, parse_options
from incident_tui.emulators.fourhse_data import DEFAULT_SUBTENANT_ID
from incident_tui.emulators.kitehouse import DEFAULT_SITE_ID
from incident_tui.emulators.kitehouse import DEFAULT_TOKEN as KITEHOUSE_TOKEN
from incident_tui.remote.errors import AuthFailed, Refused
from incident_tui.remote.fourhse import FourhseConnector
from incident_tui.remote.kitehouse import KitehouseConnector
from incident_tui.remote.oneuptime import OneuptimeConnector
from incident_tui.remote.oneuptime_mapping import KEY_FIELD
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep

pytestmark = pytest.mark.integration

UNSET = "INCIDENT_TUI_TEST_UNSET_SECRET"
"""An environment variable the tests make sure is not set."""


@pytest.fixture(autouse=True)
def _unset(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(UNSET, raising=False)


# 1. A *_env naming an unset variable ---------------------------------------------------------


async def test_unset_token_env_fails_only_that_remote_and_names_the_variable(
    serve: Serve, tmp_path: Path
) -> None:
    school, oncall = serve("kitehouse", sample=3), serve("revily", sample=4)
    kitehouse = school.emulator.remote_config("school")
    kitehouse = {k: v for k, v in kitehouse.items() if k != "token"} | {"token_env": UNSET}
    settings = Settings(  # type: ignore[call-arg]
        db=tmp_path / "cache.db",
        remotes=[kitehouse, oncall.emulator.remote_config("oncall")],
    )
    engine = SyncEngine(settings, sleep=no_sleep)
    try:
        report = await engine.sync()
    finally:
        await engine.aclose()
    results = {r.remote: r for r in report.results}
    assert results["oncall"].ok and results["oncall"].pulled == 4
    assert not results["school"].ok
    assert results["school"].error == (
        f"token_env {UNSET} is not set: export it, or fix token_env of remote 'school'"
    )
    # Nothing went out without the token (it would only have earned a 401).
    assert school.emulator.log == []


async def test_unset_token_env_of_a_fourhse_token_remote_names_the_variable(
    serve: Serve,
) -> None:
    srv = serve("fourhse", sample=2)
    config = FourhseRemote(
        kind="fourhse", name="plant", base_url=srv.url, tenant_id="t",
        subtenant_id=DEFAULT_SUBTENANT_ID, token_env=UNSET,
    )
    async with aclosing(FourhseConnector(config, sleep=no_sleep)) as connector:
        with pytest.raises(AuthFailed, match=f"token_env {UNSET} is not set"):
            await connector.get("anything")
    assert srv.emulator.log == []


async def test_unset_client_secret_env_is_named_before_signing_in(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=2)
    config = srv.emulator.remote_config("ops", sign_in="password")  # type: ignore[attr-defined]
    del config["client_secret"]
    remote = AohImsRemote.model_validate(config | {"client_secret_env": UNSET})
    from incident_tui.remote.aoh_ims import AohImsConnector

    connector = AohImsConnector(remote, sleep=no_sleep)
    try:
        with pytest.raises(AuthFailed, match=f"client_secret_env {UNSET} is not set"):
            await connector.get("7d4b2c1e-1111-4222-8333-444455556666")
    finally:
        await connector.aclose()
    assert srv.emulator.log == []


# 2. Kitehouse's silent cap on limit -----------------------------------------------------------


async def test_a_page_of_the_server_cap_is_not_taken_for_the_last(serve: Serve) -> None:
    srv = serve("kitehouse", sample=130)
    config = KitehouseRemote.model_validate(
        srv.emulator.remote_config("school")
    )
    connector = KitehouseConnector(config, sleep=no_sleep)
    # More than the server sends: the config refuses this, a connector built otherwise must
    # still list the whole site rather than stop at the first 100 rows.
    connector.page_size = 150
    try:
        pages = [page async for page in connector.pull(None, full=True)]
    finally:
        await connector.aclose()
    listed = {i.remote_id for page in pages for i in page.incidents}
    assert len(listed) == 130
    assert pages[-1].complete


# 3 and 4. 4HSE: date_closed on acknowledge, and no guessed office ----------------------------


def _fourhse(srv: EmulatorServer, **overrides: Any) -> FourhseConnector:
    data = srv.emulator.remote_config("plant") | overrides
    return FourhseConnector(FourhseRemote.model_validate(data), sleep=no_sleep,
                            clock=lambda: FIXED_NOW)


async def test_acknowledging_a_closed_incident_clears_its_closing_date(serve: Serve) -> None:
    srv = serve("fourhse", sample=0)
    emulator: Any = srv.emulator
    row = emulator.add(status="closed", date_closed="2026-11-01")
    async with aclosing(_fourhse(srv)) as connector:
        closed = await connector.get(row["office_incident_id"])
        assert closed.status is Status.RESOLVED and closed.resolved_at is not None
        await connector.acknowledge(closed)
        after = await connector.get(row["office_incident_id"])
    stored = emulator.incident(row["office_incident_id"])
    assert stored["status"] == "open" and stored["date_closed"] is None
    assert after.status is Status.ACKNOWLEDGED and after.resolved_at is None


async def test_a_closing_date_left_on_an_open_incident_is_no_resolution(serve: Serve) -> None:
    srv = serve("fourhse", sample=0)
    emulator: Any = srv.emulator
    row = emulator.add(status="open", date_closed="2026-11-01")
    async with aclosing(_fourhse(srv)) as connector:
        incident = await connector.get(row["office_incident_id"])
        listed = [i async for page in connector.pull(None, full=True) for i in page.incidents]
    assert incident.status is Status.ACKNOWLEDGED and incident.resolved_at is None
    assert [i.resolved_at for i in listed] == [None]


async def test_create_without_an_office_is_refused_not_guessed(serve: Serve) -> None:
    srv = serve("fourhse", sample=5)
    emulator: Any = srv.emulator
    async with aclosing(_fourhse(srv, subtenant_id=None)) as connector:
        with pytest.raises(Refused) as refused:
            await connector.create(Draft("Slipped on stairs"), "key-office-1")
        assert str(refused.value) == (
            "4HSE needs an office to create an incident: set subtenant_id for remote "
            "'plant' or pass --container OFFICE_ID"
        )
        assert not [e for e in emulator.log if e.path == "/v2/incident/create"]
        made = await connector.create(
            Draft("Slipped on stairs", container=DEFAULT_SUBTENANT_ID), "key-office-2"
        )
    assert made.container == DEFAULT_SUBTENANT_ID


# 5. OneUptime: our create key is not the user's custom field ---------------------------------


async def test_oneuptime_create_key_stays_on_the_server_not_in_custom_fields(
    serve: Serve,
) -> None:
    srv = serve("oneuptime", sample=2)
    config = OneuptimeRemote.model_validate(
        srv.emulator.remote_config("status")
    )
    connector = OneuptimeConnector(config, sleep=no_sleep)
    try:
        made = await connector.create(Draft("Made here"), "key-ou-1")
        fetched = await connector.get(made.remote_id)
        listed = [i async for page in connector.pull(None, full=True) for i in page.incidents]
        found = await connector.find_created(Draft("Made here"), "key-ou-1", FIXED_NOW)
    finally:
        await connector.aclose()
    assert KEY_FIELD not in made.custom_fields and KEY_FIELD not in fetched.custom_fields
    assert all(KEY_FIELD not in i.custom_fields for i in listed)
    assert found is not None and found.remote_id == made.remote_id
    stored: Any = srv.emulator
    assert stored.incident(made.remote_id)["customFields"] == {KEY_FIELD: "key-ou-1"}


# 6. Kitehouse list rows carry the priority they require --------------------------------------


async def test_kitehouse_list_search_and_stale_rows_all_have_a_priority(serve: Serve) -> None:
    srv = serve("kitehouse", sample=200)
    headers = {"Authorization": f"Bearer {KITEHOUSE_TOKEN}"}
    site = f"{srv.url}/incidents/{DEFAULT_SITE_ID}"
    rows: list[dict[str, Any]] = []
    async with httpx.AsyncClient(headers=headers) as http:
        for path in ("", "/search"):
            for page in (1, 2):
                answer = await http.get(site + path, params={"page": page, "limit": 100})
                assert answer.status_code == 200
                rows += answer.json()
        stale = await http.get(site + "/stale")
        assert stale.status_code == 200
        rows += stale.json()
    assert len(rows) >= 400
    assert all({"_id", "name", "colour"} <= set(r.get("priority") or ()) for r in rows)
    config = KitehouseRemote.model_validate(
        srv.emulator.remote_config("school")
    )
    connector = KitehouseConnector(config, sleep=no_sleep)
    try:
        listed = [i async for page in connector.pull(None, full=True) for i in page.incidents]
    finally:
        await connector.aclose()
    assert len(listed) == 200 and all(i.severity_raw for i in listed)
    # A sample incident without a severity still has none: its priority says so.
    unassessed = [i for i in listed if i.severity_raw == "Not assessed"]
    assert unassessed and all(i.severity is None for i in unassessed)


# 7. Emulator gaps ------------------------------------------------------------------------------


async def test_aoh_bad_incident_id_is_a_400_and_the_connector_reports_it(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=3)
    config = srv.emulator.remote_config("ops")
    headers = {"Authorization": f"Bearer {config['token']}"}
    async with httpx.AsyncClient(base_url=srv.url, headers=headers) as http:
        bad = await http.get("/v1/incident/not-a-uuid")
        unknown = await http.get("/v1/incident/7d4b2c1e-1111-4222-8333-444455556666")
        unauthorised = await http.get("/v1/incident/not-a-uuid",
                                      headers={"Authorization": ""})
    assert bad.status_code == 400
    assert [e["message"] for e in bad.json()["errors"]] == ["id is not a uuid"]
    assert unknown.status_code == 404 and unauthorised.status_code == 401
    from incident_tui.remote.aoh_ims import AohImsConnector

    connector = AohImsConnector(AohImsRemote.model_validate(config), sleep=no_sleep)
    srv.emulator.log.clear()
    try:
        with pytest.raises(Refused, match="id is not a uuid") as refused:
            await connector.get("not-a-uuid")
    finally:
        await connector.aclose()
    assert refused.value.status == 400
    # Asked once: a 400 is not retried, nor taken for a missing get-one route.
    assert [e.path for e in srv.emulator.log] == ["/v1/incident/not-a-uuid"]


def test_every_url_revily_root_advertises_answers(serve: Serve) -> None:
    srv = serve("revily", sample=3)
    token = srv.emulator.remote_config("x")["token"]
    headers = {"Authorization": f'Token token="{token}"'}
    with httpx.Client(headers=headers) as http:
        for prefix in ("", "/api"):
            root = http.get(f"{srv.url}{prefix}/")
            assert root.status_code == 200
            assert "schedules_url" in root.json()
            for name, url in root.json().items():
                answer = http.get(url)
                assert answer.status_code == 200, (name, answer.text)
                assert isinstance(answer.json(), list)
            assert http.get(f"{srv.url}{prefix}/schedules").json() == []


def test_emulate_options_switch_on_the_documented_modes() -> None:
    options = {
        "oneuptime": parse_options("oneuptime", ["typed_values=true", "rate_limit=50",
                                                 "investigating_state=true"]),
        "revily": parse_options("revily", ["per_page=2", "head_fields=true"]),
        "aoh_ims": parse_options("aoh_ims", ["paging=false", "default_size=3",
                                             "get_route=false"]),
    }
    assert options["oneuptime"] == {"typed_values": True, "rate_limit": 50,
                                    "investigating_state": True}
    assert options["revily"] == {"per_page": 2, "head_fields": True}
    assert options["aoh_ims"] == {"paging": False, "default_size": 3, "get_route": False}
    oneuptime: Any = make_emulator("oneuptime", **options["oneuptime"])
    assert oneuptime.typed_values and oneuptime.remote_config("x")["typed_values"]
    with EmulatorServer(make_emulator("revily", sample=5, **options["revily"])) as srv:
        token = srv.emulator.remote_config("x")["token"]
        answer = httpx.get(f"{srv.url}/incidents",
                           headers={"Authorization": f'Token token="{token}"'})
    assert len(answer.json()) == 2 and 'rel="next"' in answer.headers["Link"]
    assert "created_at" in answer.json()[0]
    with EmulatorServer(make_emulator("aoh_ims", sample=5, **options["aoh_ims"])) as srv:
        config = srv.emulator.remote_config("x")
        with httpx.Client(base_url=srv.url,
                          headers={"Authorization": f"Bearer {config['token']}"}) as http:
            listed = http.get("/v1/incident", params={"page": 2, "size": 1}).json()["data"]
            one = http.get(f"/v1/incident/{listed['incidents'][0]['id']}")
    assert len(listed["incidents"]) == 3 and one.status_code == 405


@pytest.mark.parametrize(
    ("kind", "pair", "message"),
    [
        ("revily", "pages=3", "the revily emulator has no option 'pages' (known: seed, per_page"),
        ("revily", "per_page", "option 'per_page' is not NAME=VALUE"),
        ("revily", "per_page=many", "option per_page=many: Input should be a valid integer"),
        ("oneuptime", "typed_values=maybe", "option typed_values=maybe: Input should be a "
         "valid boolean"),
        ("aoh_ims", "clock=1", "the aoh_ims emulator has no option 'clock'"),
        ("kitehouse", "sample=3", "the kitehouse emulator has no option 'sample'"),
    ],
)
def test_emulate_options_name_what_is_wrong(kind: str, pair: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_options(kind, [pair])
    assert str(caught.value).startswith(message)
