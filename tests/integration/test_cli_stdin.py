"""Text read from standard input (``comment -m -``, ``create --description -``), against the
Kitehouse emulator over HTTP: the line break that ``echo``, a heredoc or a file ends the text
with is no part of it, and goes neither into the cache nor to the remote; every other
whitespace, leading or inside, is kept."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest

from tests.integration.conftest import Point, Serve, cli


def test_a_comment_from_stdin_loses_the_line_break_echo_adds(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kite = serve("kitehouse", sample=0)
    emulator: Any = kite.emulator
    gate = emulator.add("Broken gate")
    point(("school", kite))
    cli(capsys, "sync", "--once")
    incident_id = f"school:{gate['_id']}"
    monkeypatch.setattr("sys.stdin", io.StringIO("from stdin\n"))  # echo "from stdin" |
    cli(capsys, "comment", incident_id, "-m", "-")
    shown = json.loads(cli(capsys, "show", incident_id, "--json")[0])
    assert shown["comments"][-1]["body"] == "from stdin"
    cli(capsys, "sync", "--once")
    assert [c.message for c in emulator.incidents[gate["_id"]].comments] == ["from stdin"]


def test_a_description_from_stdin_keeps_its_inner_and_leading_whitespace(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A few incidents to learn the category and source of new ones from.
    kite = serve("kitehouse", sample=3)
    emulator: Any = kite.emulator
    point(("school", kite))
    cli(capsys, "sync", "--once")
    text = "  Pallet fell at dock 3\n\n  nobody hurt  \n"  # a heredoc, indented on purpose
    monkeypatch.setattr("sys.stdin", io.StringIO(text))
    cli(capsys, "create", "--remote", "school", "--title", "Pallet", "--description", "-")
    [row] = [r for r in json.loads(cli(capsys, "list", "--json")[0]) if r["title"] == "Pallet"]
    shown = json.loads(cli(capsys, "show", row["id"], "--json")[0])
    assert shown["description"] == "  Pallet fell at dock 3\n\n  nobody hurt  "
    cli(capsys, "sync", "--once")
    [made] = [r for r in emulator.incidents.values() if r.short_description == "Pallet"]
    assert made.description == "  Pallet fell at dock 3\n\n  nobody hurt  "
