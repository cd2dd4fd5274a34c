"""An incident deleted on the remote while a change of it waits here, through the command
line against an AOH IMS emulator over HTTP: the cache keeps it for that change (a conflict to
settle), and the handover says on every line that lists it that it is gone from the remote,
not an incident someone there still has to deal with."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.emulators.aoh_ims import DEFAULT_TENANT as AOH_TENANT
from tests.integration.conftest import Point, Serve, cli


def test_an_incident_deleted_on_the_remote_is_said_to_be_gone_wherever_it_is_listed(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("aoh_ims", sample=0)
    emulator: Any = server.emulator
    gone = emulator.add(name="Pump room flooded", severity="CRITICAL")["id"]
    kept = emulator.add(name="Gate sensor offline")["id"]
    point(("ops", server))
    cli(capsys, "sync", "--once")
    cli(capsys, "comment", f"ops:{gone}", "-m", "Pumps on their way")
    emulator.tenant(AOH_TENANT).remove(gone)  # someone deletes it there meanwhile
    main(["sync", "--once"])  # the comment is refused: the incident is no longer there

    report = json.loads(cli(capsys, "handover", "--format", "json")[0])
    lists = {
        key: {item["id"]: item for item in section["items"]}
        for key, section in report["sections"].items()
    }
    assert set(lists["attention"]) == {f"ops:{gone}"}
    assert set(lists["carried"]) == {f"ops:{gone}", f"ops:{kept}"}
    assert lists["carried"][f"ops:{gone}"]["remote_deleted"] is True
    assert lists["carried"][f"ops:{kept}"]["remote_deleted"] is False

    markdown = cli(capsys, "handover")[0]
    lines = [line for line in markdown.splitlines() if "Pump room flooded (" in line]
    assert len(lines) == 3, markdown  # needs attention, still open from before, stale
    for line in lines:
        assert "Pump room flooded (deleted on the remote; triggered here; " in line, line
    assert "Gate sensor offline (triggered; opened " in markdown
