"""AOH IMS custom attributes as they are written: the ``attribute`` command reads a value by
the type the remote declares for it (as the TUI's dialog does), and a queued change is
compared with the remote's value as the remote stores it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve, cli
from tests.integration.test_sync import settings_for, sync


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
