"""Text read from standard input (``comment -m -``, ``create --description -``), against the
Kitehouse emulator over HTTP: the line break that ``echo``, a heredoc or a file ends the text
with is no part of it, and goes neither into the cache nor to the remote; every other
whitespace, leading or inside, is kept. Standard input closed (``<&-``) or open for writing
only (as nohup leaves it) is said in one line where it is read or asked for an answer, and
nothing is queued; the end of input (Ctrl-D) at a question is a no."""

from __future__ import annotations

import io
import json
import os
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


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["comment", "{gate}", "-m", "-"],
         "the comment is to be read from standard input, but it is closed"),
        (["delete", "{gate}"], "deleting needs --yes when not run interactively"),
        (["delete-comment", "{gate}", "1"], "Not confirmed: pass --yes"),
    ],
)
def test_standard_input_closed_is_said_in_one_line(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, argv: list[str], said: str,
) -> None:
    kite = serve("kitehouse", sample=0)
    emulator: Any = kite.emulator
    gate = f"school:{emulator.add('Broken gate')['_id']}"
    point(("school", kite))
    cli(capsys, "sync", "--once")
    cli(capsys, "comment", gate, "-m", "On site")
    cli(capsys, "sync", "--once")
    monkeypatch.setattr("sys.stdin", None)  # started with `<&-`
    _, err = cli(capsys, *(word.format(gate=gate) for word in argv), status=1)
    assert err.startswith("incident-tui: ") and said in err and err.count("\n") == 1, err
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []


@pytest.mark.parametrize(
    ("argv", "said"),
    [
        (["delete", "{gate}"], "nothing deleted"),
        (["delete-comment", "{gate}", "1"], "cancelled; nothing was changed"),
    ],
)
def test_end_of_input_at_a_question_is_a_no(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch, argv: list[str], said: str,
) -> None:
    kite = serve("kitehouse", sample=0)
    emulator: Any = kite.emulator
    gate = f"school:{emulator.add('Broken gate')['_id']}"
    point(("school", kite))
    cli(capsys, "sync", "--once")
    cli(capsys, "comment", gate, "-m", "On site")
    cli(capsys, "sync", "--once")
    main_fd, terminal_fd = os.openpty()
    os.write(main_fd, b"\x04")  # Ctrl-D at the question, on a terminal
    try:
        with open(terminal_fd) as terminal:
            monkeypatch.setattr("sys.stdin", terminal)
            out, err = cli(capsys, *(word.format(gate=gate) for word in argv), status=1)
    finally:
        os.close(main_fd)
    assert "Traceback" not in err
    assert said in out + err
    assert out.endswith("\n")  # the question's line ends before the shell's prompt
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []


def test_standard_input_that_cannot_be_read_is_said_in_one_line(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    kite = serve("kitehouse", sample=0)
    emulator: Any = kite.emulator
    gate = f"school:{emulator.add('Broken gate')['_id']}"
    point(("school", kite))
    cli(capsys, "sync", "--once")
    # nohup started from a terminal leaves standard input open for writing only.
    with open(os.devnull, "w") as unreadable:
        monkeypatch.setattr("sys.stdin", unreadable)
        _, err = cli(capsys, "comment", gate, "-m", "-", status=1)
    assert err.startswith("incident-tui: the comment cannot be read from standard input")
    assert err.count("\n") == 1, err
    assert json.loads(cli(capsys, "outbox", "--json")[0]) == []
