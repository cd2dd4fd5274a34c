"""The state a OneUptime acknowledge, resolve or reopen writes (over HTTP to the emulator)
must be one of the project's states that reads back as the status it sets. One the config
gives another meaning, or an id the project does not have, is refused with the setting to
fix, and nothing is written: the change stays for the user to retry once it is fixed."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from incident_tui.config import load_settings
from incident_tui.config_error import ConfigError
from incident_tui.emulators.oneuptime_data import PROJECT_ID
from tests.integration.conftest import Point, Serve, cli


def _state(emulator: Any, incident_id: str) -> str:
    """The name of the state the emulator holds the incident in."""
    state_id = emulator.incident(incident_id)["currentIncidentStateId"]
    return next(s["name"] for s in emulator.states(PROJECT_ID) if s["_id"] == state_id)


def test_a_reopen_to_a_state_read_as_acknowledged_is_refused_naming_the_keys(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator: Any = serve("oneuptime", sample=0, investigating_state=True).emulator
    row = emulator.add("Checkout errors")
    emulator.touch(row["_id"], currentIncidentStateId=emulator.state_id("Resolved"))
    # This team acknowledges into the state OneUptime creates incidents in.
    config = {**emulator.remote_config("ou"), "ack_state_id": emulator.state_id("Identified")}
    point(config)
    cli(capsys, "sync", "--once")
    cli(capsys, "reopen", f"ou:{row['_id']}")
    out, _ = cli(capsys, "sync", "--once")

    assert _state(emulator, row["_id"]) == "Resolved"  # not moved to a state read as acked
    assert ("the state flagged isCreatedState (Identified) is ack_state_id of remote 'ou', "
            "read as acknowledged: set created_state_id to the state that means "
            "triggered") in out
    # Set as asked, the change goes through once retried.
    point({**config, "created_state_id": emulator.state_id("Investigating")})
    cli(capsys, "retry", "1")
    cli(capsys, "sync", "--once")
    assert _state(emulator, row["_id"]) == "Investigating"
    out, _ = cli(capsys, "show", "--json", f"ou:{row['_id']}")
    assert json.loads(out)["status"] == "triggered"


def test_a_state_id_the_project_lacks_is_refused_before_anything_is_sent(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator: Any = serve("oneuptime", sample=0).emulator
    row = emulator.add("Checkout errors")
    missing = "00000000-0000-4000-8000-000000000000"
    point({**emulator.remote_config("ou"), "ack_state_id": missing})
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", f"ou:{row['_id']}")
    out, _ = cli(capsys, "sync", "--once")

    assert _state(emulator, row["_id"]) == "Identified"
    assert (f"ack_state_id '{missing}' of remote 'ou' is no incident state of its project; "
            f"its states: Identified ({emulator.state_id('Identified')})") in out


def test_one_state_for_two_statuses_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(
        '[[remotes]]\nname = "ou"\nkind = "oneuptime"\nproject_id = "p"\n'
        'ack_state_id = "s-1"\nresolved_state_id = "S-1"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert str(caught.value) == (
        f"{path}: remotes[0] (ou): ack_state_id and resolved_state_id name the same state "
        "'S-1': each status needs a state of its own"
    )


def test_a_state_id_the_project_lacks_leaves_the_other_states_as_they_read(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    emulator: Any = serve("oneuptime", sample=0, investigating_state=True).emulator
    row = emulator.add("Checkout errors")
    emulator.touch(row["_id"], currentIncidentStateId=emulator.state_id("Investigating"))
    missing = "00000000-0000-4000-8000-000000000000"
    point({**emulator.remote_config("ou"), "ack_state_id": missing})
    with caplog.at_level(logging.WARNING):
        cli(capsys, "sync", "--once")
        cli(capsys, "sync", "--once")

    # Past the flagged Acknowledged state, as without the setting: not read as triggered.
    out, _ = cli(capsys, "show", "--json", f"ou:{row['_id']}")
    assert json.loads(out)["status"] == "acknowledged"
    assert [r.getMessage() for r in caplog.records if "ack_state_id" in r.getMessage()] == [
        f"ou: ack_state_id '{missing}' is no incident state of its project: its states read "
        "as if it were not set, and an acknowledge is refused until it names one of them"
    ]
