"""The key a Kitehouse create stores on the incident to find it again after a lost answer
is ours, not one of the user's custom fields: ``show``, ``show --json`` and the TUI's detail
leave it out, while the incident keeps it on the server through later writes."""

from __future__ import annotations

import json
from typing import Any

import pytest

from incident_tui.remote.kitehouse_mapping import KEY_FIELD, KEY_FORM
from tests.integration.conftest import Point, Serve, cli


def test_the_create_key_is_kept_on_the_server_and_not_shown(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kite = serve("kitehouse", sample=2)
    emulator: Any = kite.emulator
    point(("school", kite))
    cli(capsys, "create", "--remote", "school", "--title", "Fight in yard")
    cli(capsys, "sync", "--once")
    [incident_id] = [row["id"] for row in json.loads(cli(capsys, "list", "--json")[0])
                     if row["title"] == "Fight in yard"]
    remote_id = incident_id.split(":", 1)[1]
    # The user's own form field, beside ours.
    emulator.incidents[remote_id].custom_fields.append(
        {"form_id": "incident-form", "field_id": "location", "value": "yard"}
    )
    cli(capsys, "ack", incident_id)  # a full PUT, sent with every custom field it read
    cli(capsys, "sync", "--once")

    shown, _ = cli(capsys, "show", incident_id)
    assert "incident-form.location: yard" in shown and KEY_FIELD not in shown
    as_json = json.loads(cli(capsys, "show", incident_id, "--json")[0])
    assert as_json["custom_fields"] == {"incident-form.location": "yard"}
    stored = emulator.incident(remote_id)["custom_fields"]
    assert [f["field_id"] for f in stored if f["form_id"] == KEY_FORM] == [KEY_FIELD]
    assert {"form_id": "incident-form", "field_id": "location", "value": "yard"} in stored
