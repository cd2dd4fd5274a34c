"""Commands take the short id the TUI shows (a ref, or a UUID's first digits), with or without
the remote's name in front, as well as the whole id; a short id that several incidents share
is refused with their whole ids, and nothing is queued."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.domain.model import Incident
from tests.conftest import make_incident
from tests.unit.test_cli_outside import build, one_line_error

UUID_ID = "b939ad88-60f7-41c9-a66a-af33c2e13f88"


def cache(path: Path) -> Path:
    """Incidents of three remotes: refs shared across remotes, one UUID, one hostile id."""
    plant = make_incident(1, remote="plant", kind="fourhse")
    plant.ref = "INC-0300"
    status = make_incident(2, remote="status", kind="oneuptime")
    status.ref = "INC-0300"
    ops = make_incident(3, remote="ops", kind="aoh_ims")
    ops.remote_id = UUID_ID
    other: Incident = make_incident(4, remote="ops", kind="aoh_ims")
    other.remote_id = "b939\x1b[31mzz"
    other.ref = ""
    build(path, [plant, status, ops, other])
    return path


def queued(db: Path, capsys: pytest.CaptureFixture[str]) -> list[tuple[str, str]]:
    """(incident id, operation) of each queued change."""
    capsys.readouterr()
    assert main(["--db", str(db), "outbox", "--json"]) == 0
    return [(row["incident_id"], row["op"]) for row in json.loads(capsys.readouterr().out)]


def test_a_ref_with_its_remote_names_the_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache(tmp_path / "cache.db")
    assert main(["--db", str(db), "ack", "plant:INC-0300"]) == 0
    assert main(["--db", str(db), "comment", "status:INC-0300", "-m", "Looking"]) == 0
    assert queued(db, capsys) == [("plant:r1", "acknowledge"), ("status:r2", "comment")]


def test_a_uuid_s_first_digits_name_the_incident_as_the_list_shows_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache(tmp_path / "cache.db")
    assert main(["--db", str(db), "show", "ops:b939ad88", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["id"] == f"ops:{UUID_ID}"
    # Without the remote too, as long as one incident starts so; the whole id and its short
    # id given together count once.
    assert main(["--db", str(db), "resolve", "b939ad88", f"ops:{UUID_ID}"]) == 0
    assert queued(db, capsys) == [(f"ops:{UUID_ID}", "resolve")]


def test_a_short_id_of_several_incidents_is_refused_with_them_and_queues_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache(tmp_path / "cache.db")
    assert main(["--db", str(db), "ack", "plant:r1", "INC-0300"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "'INC-0300' is the short id of several incidents" in line
    assert "plant:r1, status:r2" in line and "give the whole id" in line
    # Four characters of two remote ids: the hostile one is named without its escape.
    assert main(["--db", str(db), "show", "b939"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert f"ops:{UUID_ID}" in line and "\x1b" not in line
    assert queued(db, capsys) == []


def test_what_names_nothing_is_still_no_incident(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache(tmp_path / "cache.db")
    # Too short to be the start of an id, a ref of another remote, and no id at all.
    # An empty one after the remote's name is no ref, though a row of it has an empty one.
    for given in ("b93", "ops:INC-0300", "INC-9999", "ops:", ""):
        assert main(["--db", str(db), "ack", given]) == 1
        assert f"no incident {given!r} in the cache" in one_line_error(capsys.readouterr().err)
    assert queued(db, capsys) == []


def test_a_batch_with_an_id_that_names_nothing_says_nothing_was_queued(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache(tmp_path / "cache.db")
    for command in (["ack"], ["resolve"], ["reopen"], ["delete", "--yes"]):
        assert main(["--db", str(db), *command, "plant:r1", "plant:nope"]) == 1
        assert one_line_error(capsys.readouterr().err) == (
            "incident-tui: no incident 'plant:nope' in the cache; nothing was queued for any "
            "of the 2 incidents given"
        )
    # Settling the conflict of an incident the cache does not have says so, as the others.
    assert main(["--db", str(db), "conflict", "plant:nope", "--keep", "mine"]) == 1
    assert one_line_error(capsys.readouterr().err) == (
        "incident-tui: no incident 'plant:nope' in the cache"
    )
    assert queued(db, capsys) == []


def test_an_id_with_control_characters_is_printed_and_taken_as_list_shows_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = cache(tmp_path / "cache.db")
    hostile = "ops:b939\x1b[31mzz"
    assert main(["--db", str(db), "list"]) == 0
    assert "ops:b939zz" in capsys.readouterr().out
    # Taken back as printed; every line naming it is as clean.
    assert main(["--db", str(db), "ack", "ops:b939zz"]) == 0
    assert capsys.readouterr().out == "queued: acknowledge ops:b939zz (change 1)\n"
    assert queued(db, capsys) == [(hostile, "acknowledge")]
    assert main(["--db", str(db), "outbox"]) == 0
    out = capsys.readouterr().out
    assert "ops:b939zz" in out and "\x1b" not in out
    assert main(["--db", str(db), "discard", "1"]) == 0
    assert capsys.readouterr().out == "change 1 of ops:b939zz discarded\n"
    # An error quoting it is as clean.
    assert main(["--db", str(db), "delete-comment", "ops:b939zz", "7", "--yes"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "ops:b939zz has no comment #7" in line and "\x1b" not in line
