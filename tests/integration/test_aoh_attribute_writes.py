"""AOH IMS custom attributes as they are written: the ``attribute`` command reads a value by
the type the remote declares for it (as the TUI's dialog does), a queued change is compared
with the remote's value as the remote stores it, and a value is initialised with POST or
edited with PUT by what the remote holds when the change is sent."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.emulators.aoh_ims import DEFAULT_TENANT
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from tests.integration.conftest import Point, Serve, cli
from tests.integration.test_sync import settings_for, sync


def attribute_writes(emulator: Any) -> list[str]:
    """The methods of the value writes the emulator was sent, in order."""
    return [
        r.method
        for r in emulator.log
        if r.path.endswith("/attributes") and r.path != "/v1/incident/attributes"
    ]


def shown_fields(capsys: pytest.CaptureFixture[str], incident_id: str) -> dict[str, Any]:
    """The incident's custom fields as ``show --json`` prints them."""
    out, _ = cli(capsys, "show", incident_id, "--json")
    fields: dict[str, Any] = json.loads(out)["custom_fields"]
    return fields


def test_the_attribute_command_reads_the_value_by_the_declared_type(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=0)
    emulator: Any = ops.emulator
    row = emulator.add(name="Pump 3 tripped")
    incident_id = f"ops:{row['id']}"
    point(("ops", ops))
    cli(capsys, "sync", "--once")

    # A BOOLEAN takes yes as the dialog does; a STRING keeps digits as text.
    cli(capsys, "attribute", incident_id, "isPending", "yes")
    cli(capsys, "attribute", incident_id, "workflowId", "123")
    cli(capsys, "attribute", incident_id, "count", "7")
    assert shown_fields(capsys, incident_id) == {"isPending": True, "workflowId": "123", "count": 7}
    # A value that does not fit, or a name the remote does not define, queues nothing.
    _, err = cli(capsys, "attribute", incident_id, "count", "many", status=1)
    assert "count: this attribute is a NUMBER" in err
    _, err = cli(capsys, "attribute", incident_id, "isPending", "perhaps", status=1)
    assert "isPending: this attribute is a BOOLEAN: type true or false" in err
    _, err = cli(capsys, "attribute", incident_id, "shift", "night", status=1)
    assert "shift is not defined on ops: 'incident-tui attributes ops' lists" in err

    out, _ = cli(capsys, "sync", "--once")
    assert "pushed 3" in out and "refused" not in out
    assert emulator.row(row["id"])["attributes"] == {
        "isPending": True, "workflowId": "123", "count": 7
    }


def test_a_number_attribute_takes_only_ascii_digits(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # Python reads 1_000 and Arabic-Indic or full-width digits as numbers: they were queued
    # and written as 1000 and 123, a value the user never typed in that form.
    ops = serve("aoh_ims", sample=0)
    emulator: Any = ops.emulator
    row = emulator.add(name="Pump 3 tripped")
    incident_id = f"ops:{row['id']}"
    point(("ops", ops))
    cli(capsys, "sync", "--once")
    for typed in ("1_000", "\u0661\u0662\u0663", "\uff17", "1.5_0", "inf", "nan", "0x1f"):
        _, err = cli(capsys, "attribute", incident_id, "count", typed, status=1)
        assert err == (
            "incident-tui: count: this attribute is a NUMBER: type digits 0-9, like 42, -7, "
            "1.5 or 2e3.\n"
        )
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
    for typed, number in (("-7", -7), (" +2.5 ", 2.5), ("2e3", 2000), (".5", 0.5)):
        cli(capsys, "attribute", incident_id, "count", typed)
        assert shown_fields(capsys, incident_id)["count"] == number


def test_offline_the_attribute_command_types_by_the_current_value(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    ops = serve("aoh_ims", sample=0)
    emulator: Any = ops.emulator
    row = emulator.add(name="Pump 3 tripped", attributes={"workflowId": "wf-1"})
    incident_id = f"ops:{row['id']}"
    point(("ops", ops))
    cli(capsys, "sync", "--once")
    point(("ops", ops), offline=True)

    _, err = cli(capsys, "attribute", incident_id, "workflowId", "42")
    assert "could not read the attributes ops defines" in err
    # Its current value is text, so 42 stays text; one with no value reads as JSON.
    cli(capsys, "attribute", incident_id, "count", "5")
    assert shown_fields(capsys, incident_id) == {"workflowId": "42", "count": 5}


async def test_our_own_earlier_value_stored_in_the_declared_type_is_no_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    emulator: Any = serve("aoh_ims", sample=0).emulator
    row = emulator.add(name="Pump 3 tripped")
    incident_id = f"ops:{row['id']}"
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    # Queued as numbers (offline, the type unknown): the remote keeps the STRING "123".
    actions.set_attribute(incident_id, "workflowId", 123)
    actions.set_attribute(incident_id, "workflowId", 456)

    result = (await sync(settings)).results[0]

    assert (result.pushed, result.conflicts) == (2, 0), result.unsent
    assert emulator.row(row["id"])["attributes"] == {"workflowId": "456"}
    assert Reader.open(settings.db_path()).outbox() == []


async def set_by_someone_else(emulator: Any, remote_id: str, value: Any) -> None:
    """A colleague sets (or with ``None`` clears) ``workflowId`` with the method that fits."""
    url = emulator.remote_config("ops")["base_url"]
    token = emulator.remote_config("ops")["token"]
    had = (emulator.row(remote_id).get("attributes") or {}).get("workflowId")
    async with httpx.AsyncClient(base_url=url) as client:
        response = await client.request(
            "POST" if had is None else "PUT",
            f"/v1/incident/{remote_id}/attributes",
            json={"name": "workflowId", "value": value},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code in (200, 201), response.text


@pytest.mark.parametrize(
    ("ours_before", "theirs", "method"),
    [(None, "theirs", "PUT"), ("wf-1", None, "POST")],
    ids=["set-meanwhile-is-edited", "cleared-meanwhile-is-initialised"],
)
async def test_keeping_mine_initialises_or_edits_by_what_the_remote_has_now(
    serve: Serve, tmp_path: Path, ours_before: str | None, theirs: str | None, method: str
) -> None:
    emulator: Any = serve("aoh_ims", sample=0).emulator
    start = {"workflowId": ours_before} if ours_before else None
    row = emulator.add(name="Pump 3 tripped", attributes=start)
    incident_id = f"ops:{row['id']}"
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    actions = Actions.open(settings.db_path())
    actions.set_attribute(incident_id, "workflowId", "mine")
    await set_by_someone_else(emulator, row["id"], theirs)
    assert (await sync(settings)).results[0].conflicts == 1
    outbox_answers.keep_mine(actions.engine, incident_id)
    emulator.log.clear()

    result = (await sync(settings)).results[0]

    assert (result.pushed, result.conflicts) == (1, 0), result.unsent
    assert attribute_writes(emulator) == [method]
    assert emulator.row(row["id"])["attributes"] == {"workflowId": "mine"}


def test_the_emulator_refuses_post_on_a_set_value_and_put_on_an_unset_one(
    serve: Serve,
) -> None:
    srv = serve("aoh_ims", sample=0)
    emulator: Any = srv.emulator
    row = emulator.add(name="Pump 3 tripped", attributes={"workflowId": "wf-1"})
    token = emulator.remote_config("ops")["token"]
    path = f"/v1/incident/{row['id']}/attributes"
    with httpx.Client(base_url=srv.url, headers={"Authorization": f"Bearer {token}"}) as http:
        again = http.post(path, json={"name": "workflowId", "value": "wf-2"})
        unset = http.put(path, json={"name": "count", "value": 5})
        assert (again.status_code, unset.status_code) == (409, 409)
        assert again.json()["errorCode"] == "ATTRIBUTE_ALREADY_SET"
        assert unset.json()["errorCode"] == "ATTRIBUTE_NOT_SET"
        assert "workflowId already has a value" in again.json()["errors"][0]["message"]
        assert emulator.tenants[DEFAULT_TENANT].incidents[row["id"]]["attributes"] == {
            "workflowId": "wf-1"
        }
        assert http.put(path, json={"name": "workflowId", "value": "wf-2"}).status_code == 200
        assert http.post(path, json={"name": "count", "value": 5}).status_code == 201
