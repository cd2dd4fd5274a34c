"""Where ``incident-tui create --container`` may put a new incident, against the emulators
over HTTP: a 4HSE office is taken only where the remote's pull will list it (else the
incident would be made on the server and vanish from the cache as deleted), an office of a
configured project is sent with that project, and kinds with one place per remote refuse
the option instead of ignoring it."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.domain.model import Draft
from incident_tui.emulators.fourhse_data import (
    DEFAULT_SUBTENANT_ID,
    DEFAULT_TENANT_ID,
    OFFICES,
)
from incident_tui.store.actions import Actions
from tests.integration.conftest import Point, Serve, cli

MILANO = "b2c3d4e5-f6a7-4b8c-9d0e-1f2a3b4c5d6e"
"""Sede Milano: another office of the default project."""
BOLOGNA = "c3d4e5f6-a7b8-4c9d-8e1f-2a3b4c5d6e7f"
"""Stabilimento Bologna: an office of another project (Officine Rossi)."""
VERONA = "d4e5f6a7-b8c9-4d0e-9f2a-3b4c5d6e7f80"
"""Officina Verona: an office of the same other project, without incidents."""
ROSSI = OFFICES[BOLOGNA]["tenant_id"]


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    return json.loads(cli(capsys, "outbox", "--json")[0])  # type: ignore[no-any-return]


def titles(capsys: pytest.CaptureFixture[str]) -> list[str]:
    """The titles of the cached incidents, as ``list --json`` has them."""
    return [row["title"] for row in json.loads(cli(capsys, "list", "--json")[0])]


def creates(server: Any) -> list[Any]:
    """The create requests the 4HSE emulator received."""
    return [entry for entry in server.emulator.log if entry.path == "/v2/incident/create"]


@pytest.mark.parametrize("scope", ["project and office", "office only"])
def test_a_4hse_office_other_than_the_configured_one_is_refused_before_it_is_queued(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], scope: str
) -> None:
    safety = serve("fourhse", sample=3)
    config = safety.emulator.remote_config("safety")
    if scope == "office only":
        config.pop("tenant_id")
    point(config)
    cli(capsys, "sync", "--once")
    _, err = cli(
        capsys, "create", "--remote", "safety", "--title", "Spill", "--container", MILANO,
        status=1,
    )
    assert err == (
        f"incident-tui: 4HSE remote 'safety' syncs office '{DEFAULT_SUBTENANT_ID}' only: an "
        f"incident created in office '{MILANO}' would never show here; create it in "
        f"'{DEFAULT_SUBTENANT_ID}' or configure a remote for that office\n"
    )
    assert outbox(capsys) == [] and "Spill" not in titles(capsys)
    # Naming the configured office is no different from leaving it out.
    cli(capsys, "create", "--remote", "safety", "--title", "Spill", "--container",
        DEFAULT_SUBTENANT_ID)
    cli(capsys, "sync", "--once")
    [made] = [r for r in safety.emulator.rows["incident"].values()  # type: ignore[attr-defined]
              if r["name"] == "Spill"]
    assert (made["tenant_id"], made["subtenant_id"]) == (DEFAULT_TENANT_ID, DEFAULT_SUBTENANT_ID)
    assert "Spill" in titles(capsys) and outbox(capsys) == []


def test_a_create_queued_for_an_office_outside_the_scope_is_refused_not_lost(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    # Queued past the command line's check (an older version, another client of the cache):
    # the connector refuses it before sending, so it is neither made nor dropped unseen.
    safety = serve("fourhse", sample=0)
    point(("safety", safety))
    actions = Actions.open(tmp_path / "cache.db")
    try:
        actions.create("safety", "fourhse", Draft("Spill", container=MILANO))
    finally:
        actions.engine.dispose()
    cli(capsys, "sync", "--once")
    assert creates(safety) == []
    [change] = outbox(capsys)
    assert change["state"] == "failed"  # refused, waiting for the user
    assert "syncs office" in change["last_error"] and MILANO in change["last_error"]
    assert titles(capsys) == ["Spill"]  # still there, with the reason, to fix or discard


def test_a_4hse_project_takes_its_offices_with_their_project(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    safety = serve("fourhse", sample=0)
    config = safety.emulator.remote_config("safety")
    config.pop("subtenant_id")  # the whole project: every office of it is listed
    point(config)
    cli(capsys, "create", "--remote", "safety", "--title", "Guard rail", "--container", MILANO)
    out, _ = cli(capsys, "sync", "--once")
    [made] = safety.emulator.rows["incident"].values()  # type: ignore[attr-defined]
    assert (made["tenant_id"], made["subtenant_id"]) == (DEFAULT_TENANT_ID, MILANO)
    cli(capsys, "sync", "--once")
    assert titles(capsys) == ["Guard rail"] and outbox(capsys) == []


def test_a_4hse_office_of_another_project_is_refused_with_its_project_named(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    safety = serve("fourhse", sample=0)
    emulator: Any = safety.emulator
    emulator.add(name="Old spill", tenant_id=ROSSI, subtenant_id=BOLOGNA)
    config = emulator.remote_config("safety")
    config.pop("subtenant_id")
    point(config)
    # Which project an office belongs to only the server knows: the push asks it.
    cli(capsys, "create", "--remote", "safety", "--title", "Spill", "--container", BOLOGNA)
    cli(capsys, "sync", "--once")
    assert creates(safety) == []  # never sent as a mismatched project and office
    [change] = outbox(capsys)
    assert change["state"] == "failed"  # refused, waiting for the user
    assert change["last_error"] == (
        f"4HSE office '{BOLOGNA}' belongs to project '{ROSSI}', not to project "
        f"'{DEFAULT_TENANT_ID}' that remote 'safety' syncs: create it in an office of that "
        f"project or configure a remote for the other"
    )
    assert titles(capsys) == ["Spill"]


def test_a_4hse_office_the_server_cannot_place_in_the_project_is_refused_clearly(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    safety = serve("fourhse", sample=0)
    config = safety.emulator.remote_config("safety")
    config.pop("subtenant_id")
    point(config)
    # Verona has no incident to tell its project by: the server's check is the only one.
    cli(capsys, "create", "--remote", "safety", "--title", "Spill", "--container", VERONA)
    cli(capsys, "sync", "--once")
    [change] = outbox(capsys)
    assert change["last_error"] == (
        f"4HSE refused office '{VERONA}' as part of project '{DEFAULT_TENANT_ID}' that remote "
        f"'safety' syncs (HTTP 422: subtenant_id: Subtenant ID is invalid): create it in an "
        f"office of that project"
    )
    assert titles(capsys) == ["Spill"] and not safety.emulator.rows["incident"]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("kind", "title"), [("kitehouse", "Kitehouse"), ("oneuptime", "OneUptime"),
                        ("aoh_ims", "AOH IMS")]
)
def test_kinds_with_one_place_per_remote_refuse_a_container(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], kind: str, title: str
) -> None:
    server = serve(kind, sample=0)
    point(("here", server))
    _, err = cli(
        capsys, "create", "--remote", "here", "--title", "Gate stuck", "--container",
        "somewhere-else", status=1,
    )
    assert err == (
        f"incident-tui: {title} creates every incident where its remote is configured; "
        f"create it without a container\n"
    )
    assert outbox(capsys) == []
    cli(capsys, "create", "--remote", "here", "--title", "Gate stuck")
    assert [c["op"] for c in outbox(capsys)] == ["create"]
