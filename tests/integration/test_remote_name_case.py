"""A remote's name typed in another case than the config's names the same remote: in a
search's ``<remote>:<number>``, in an id given to a command and in ``--remote`` and the
commands' remote arguments. The config cannot hold two names that differ only in case."""

from __future__ import annotations

import json
import os
import sqlite3

import pytest

from tests.integration.conftest import Point, Serve, cli


def test_a_remote_name_in_another_case_names_the_same_remote(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kitehouse = serve("kitehouse", sample=5)
    revily = serve("revily", sample=5)
    point(("school", kitehouse), ("oncall", revily))
    cli(capsys, "sync", "--once")
    with sqlite3.connect(os.environ["INCIDENT_TUI_DB"]) as conn:
        incident_id, remote_id, ref = conn.execute(
            "SELECT id, remote_id, ref FROM incident WHERE remote = 'school' ORDER BY id"
        ).fetchone()
        schools = conn.execute("SELECT COUNT(*) FROM incident WHERE remote = 'school'").fetchone()

    def listed(*argv: str) -> list[str]:
        return [row["id"] for row in json.loads(cli(capsys, "list", *argv, "--json")[0])]

    # The id the list prints, and the reference after the name, with the name capitalised.
    for typed in (f"School:{remote_id}", f"SCHOOL:{ref}"):
        assert listed("--search", typed) == [incident_id], typed
    assert listed("--search", f"Oncall:{remote_id}") == []  # another remote's name still not

    found = listed("--remote", "School")
    assert len(found) == schools[0] and all(i.startswith("school:") for i in found)

    out, _ = cli(capsys, "show", f"School:{remote_id}", "--json")
    assert json.loads(out)["id"] == incident_id
    cli(capsys, "comment", f"SCHOOL:{remote_id}", "-m", "Looking into it")
    out, _ = cli(capsys, "create", "--remote", "School", "--title", "Gate left open")
    assert out.split()[2].startswith("school:")
    out, _ = cli(capsys, "sync", "--once", "--remote", "SCHOOL")
    assert "school" in out and "oncall" not in out
    queued = json.loads(cli(capsys, "outbox", "--json")[0])
    assert queued == []  # the comment and the new incident went to the remote


def test_the_name_of_a_remote_taken_out_of_the_config_names_it_in_any_case(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    # list found its cached incidents by the name in capitals, but show did not.
    kitehouse = serve("kitehouse", sample=5)
    revily = serve("revily", sample=5)
    point(("school", kitehouse), ("oncall", revily))
    cli(capsys, "sync", "--once")
    with sqlite3.connect(os.environ["INCIDENT_TUI_DB"]) as conn:
        incident_id, remote_id = conn.execute(
            "SELECT id, remote_id FROM incident WHERE remote = 'oncall' ORDER BY id"
        ).fetchone()
    point(("school", kitehouse))  # oncall taken out of the config

    listed = json.loads(cli(capsys, "list", "--remote", "ONCALL", "--json")[0])
    assert incident_id in [row["id"] for row in listed]
    for typed in (f"ONCALL:{remote_id}", f"OnCall:{remote_id[:4]}", incident_id):
        out, _ = cli(capsys, "show", typed, "--json")
        assert json.loads(out)["id"] == incident_id, typed
    # A name neither the config nor the cache knows is still no remote's.
    _, err = cli(capsys, "show", f"plant:{remote_id}", status=1)
    assert f"no incident 'plant:{remote_id}' in the cache" in err


def test_two_remote_names_that_differ_only_in_case_are_refused(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    server = serve("revily", sample=1)
    point(("oncall", server), ("OnCall", server))
    _, err = cli(capsys, "list", status=1)
    assert "remote names 'oncall' and 'OnCall' differ only in case" in err
