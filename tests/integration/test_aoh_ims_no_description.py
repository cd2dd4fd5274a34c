"""AOH IMS needs a description on every incident, so one created or edited without any is
sent as a placeholder; read back, that placeholder is no description: not shown, searched or
edited as text someone wrote, and an edit that leaves the description empty sends nothing."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Point, Serve, cli, first_id


def test_an_incident_without_description_reads_back_as_none(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    ops = serve("aoh_ims", sample=0)
    emulator: Any = ops.emulator
    described = emulator.add(name="Badge reader down", description="Door 4 stays shut")
    point(("ops", ops))
    cli(capsys, "create", "--remote", "ops", "--title", "Lift stuck")
    cli(capsys, "sync", "--once")
    db = tmp_path / "cache.db"
    made = first_id(db, "ops", title="Lift stuck")
    assert emulator.row(made.partition(":")[2])["description"] == "(no description)"
    assert json.loads(cli(capsys, "show", made, "--json")[0])["description"] is None

    cleared = f"ops:{described['id']}"
    Actions.open(db).edit(cleared, {"description": None})
    cli(capsys, "sync", "--once")
    assert emulator.row(described["id"])["description"] == "(no description)"
    assert json.loads(cli(capsys, "show", cleared, "--json")[0])["description"] is None
    found = json.loads(cli(capsys, "list", "--json", "--search", "no description")[0])
    assert found == []

    # Nothing to send for an edit that leaves it empty, as it was read.
    lock = emulator.row(described["id"])["occ_lock"]
    Actions.open(db).edit(cleared, {"description": None}, read={"description": None})
    cli(capsys, "sync", "--once")
    assert emulator.row(described["id"])["occ_lock"] == lock
    assert Reader.open(db).outbox() == []
