"""Remotes that send a text field as something else (a rich-text description as an object,
an id or number as a list): the sync stores text, never ends the pass. Through ``sync
--once`` and ``show --json`` against each emulator over HTTP. Such a record used to end
every pass of its remote in "internal error: ProgrammingError: Error binding parameter".

Kitehouse and Revily mapped these fields to text already. OneUptime's emulator keeps its
columns typed (text stays text), so its rows are checked in ``tests/unit/test_mapping.py``."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.integration.conftest import Serve, cli

RICH = {"type": "doc", "content": [{"type": "text", "text": "Pump 3 tripped"}]}
"""A description as some remotes keep it: a document, not a string."""


def fourhse(emulator: Any) -> str:
    return str(emulator.add(name="Pump room", description_event=RICH)["office_incident_id"])


def aoh_ims(emulator: Any) -> str:
    return str(emulator.add(name="Pump room", description=RICH, reported_by=["ops"])["id"])


ADDERS: dict[str, Callable[[Any], str]] = {"fourhse": fourhse, "aoh_ims": aoh_ims}


@pytest.mark.parametrize("kind", sorted(ADDERS))
def test_a_description_sent_as_an_object_is_stored_as_its_json(
    serve: Serve,
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Any,
    capsys: pytest.CaptureFixture[str],
) -> None:
    server = serve(kind, sample=2)
    emulator: Any = server.emulator
    remote_id = ADDERS[kind](emulator)
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([emulator.remote_config("site")]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(tmp_path / "cache.db"))
    out, _ = cli(capsys, "sync", "--once")
    assert "site: ok, pulled 3" in out, out
    shown = json.loads(cli(capsys, "show", f"site:{remote_id}", "--json")[0])
    assert json.loads(shown["description"]) == RICH
    found = json.loads(cli(capsys, "list", "--json", "--search", "tripped")[0])
    assert [i["id"] for i in found] == [f"site:{remote_id}"]
