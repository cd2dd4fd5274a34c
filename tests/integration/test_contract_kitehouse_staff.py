"""Kitehouse assignees over HTTP: ``assigned_to``, and the incident's ``staff`` when nobody
is assigned (contracts/README.md maps assignees from "assigned_to/staff")."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.emulators import kitehouse_data as kd
from tests.integration.conftest import Point, Serve, cli


def show(capsys: pytest.CaptureFixture[str], incident_id: str) -> dict[str, Any]:
    """``show ID --json --fresh``, parsed (the full record, read from the remote)."""
    out = cli(capsys, "show", incident_id, "--json", "--fresh")[0]
    return json.loads(out)  # type: ignore[no-any-return]


def full_name(user_id: str) -> str:
    """A Kitehouse staff account's name as the common model shows it."""
    user = kd.USERS[user_id]
    return f"{user['first_name']} {user['last_name']}"


def test_staff_stand_in_for_assignees_when_nobody_is_assigned(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite: Any = serve("kitehouse", sample=0)
    first, second = kd.STAFF_IDS[0], kd.STAFF_IDS[1]
    lone = kite.emulator.add("Broken gate")
    kite.emulator.touch(lone["_id"], staff=[first], assigned_to=None)
    both = kite.emulator.add("Flooded toilets")
    kite.emulator.touch(both["_id"], staff=[first], assigned_to=second)
    point(("school", kite))
    cli(capsys, "sync", "--once")

    shown = show(capsys, f"school:{lone['_id']}")
    assert shown["assignees"] == [full_name(first)]
    assert [p["name"] for p in shown["extra"]["staff"]] == [full_name(first)]
    # Someone assigned wins over the staff on it.
    assert show(capsys, f"school:{both['_id']}")["assignees"] == [full_name(second)]
