"""A new incident the remote refused is put right by editing it, then retried: the retried
create sends the incident as edited. Held behind the create, the edits went only after it,
so the create went as first queued and the remote refused it again for the same reason.

Against a real AOH IMS emulator over HTTP and a real cache: a deployment whose severity_map
names a code of its own for critical, which this server does not have (its validation
refuses it), as a user meets it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators.aoh_ims import DEFAULT_TENANT
from incident_tui.store.actions import Actions
from tests.integration.conftest import Point, Serve, cli


def outbox(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    """``outbox --json``, parsed."""
    return list(json.loads(cli(capsys, "outbox", "--json")[0]))


def test_edits_to_a_refused_create_go_with_it_when_it_is_retried(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    ops = serve("aoh_ims", sample=0)
    point({**ops.emulator.remote_config("ops"), "severity_map": {"SEV1": "critical"}})
    out, _ = cli(capsys, "create", "--remote", "ops", "--title", "Boiler leak",
                 "--severity", "critical")
    local_id = out.split()[2]
    actions = Actions.open(tmp_path / "cache.db")
    # Queued before the sync: it waits behind the create, as later ones do.
    actions.edit(local_id, {"title": "Boiler leak, hall B"})

    cli(capsys, "sync", "--once")
    [create, held] = outbox(capsys)
    assert create["op"] == "create" and create["state"] == "failed"
    assert "severity must be one of" in create["last_error"]
    assert held["op"] == "edit"

    # The user answers the refusal: a severity the server has, and a better title.
    actions.edit(local_id, {"severity": "major", "title": "Boiler leak, hall B basement"})
    cli(capsys, "retry", str(create["seq"]))
    cli(capsys, "sync", "--once")

    assert outbox(capsys) == []
    emulator: Any = ops.emulator
    [stored] = emulator.tenant(DEFAULT_TENANT).incidents.values()
    assert stored["name"] == "Boiler leak, hall B basement"
    assert stored["severity"] in ("MAJOR", "HIGH")
    [row] = json.loads(cli(capsys, "list", "--json")[0])
    assert row["remote_id"] == stored["id"]
    assert (row["title"], row["severity"], row["pending"]) == (
        "Boiler leak, hall B basement", "major", 0
    )
