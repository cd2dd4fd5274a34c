"""Small things the command line must get right: where a remote was looked for when none is
configured, no public note where the system has none, what ``show`` prints (custom fields, no
empty remote status), and ``sync --remote`` taking names as ``list`` does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from incident_tui.cli import main
from incident_tui.domain.model import Comment, Draft, Status
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.sync import outbox
from tests.conftest import make_incident, write_private
from tests.unit.test_cli_outside import build, one_line_error, revily_remote


def test_an_unknown_remote_with_no_config_file_says_where_it_looked(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    assert main(["--db", str(db), "create", "--remote", "school", "--title", "Leak"]) == 1
    line = one_line_error(capsys.readouterr().err)
    expected = tmp_path / "xdg-config" / "incident-tui" / "config.toml"
    assert f"unknown remote 'school': no remotes are configured in {expected}" in line
    assert "which does not exist" in line and "INCIDENT_TUI_CONFIG" in line
    # So does a sync with nothing to sync.
    assert main(["--db", str(db), "sync", "--once"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert f"no remotes are configured in {expected}, which does not exist" in line


def test_no_remotes_from_the_variable_names_the_variable_not_the_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # The file has a remote; INCIDENT_TUI_REMOTES='[]' replaced it. Naming the file sent the
    # user to look at a file that has remotes.
    config = tmp_path / "it.toml"
    config.write_text(
        '[[remotes]]\nname = "school"\nkind = "kitehouse"\nbase_url = "http://h"\n'
        'site_id = "s"\n', encoding="utf-8"
    )
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", "[]")
    db = tmp_path / "cache.db"
    assert main(["--config", str(config), "--db", str(db), "sync", "--once"]) == 1
    line = one_line_error(capsys.readouterr().err)
    assert "no remotes are configured: INCIDENT_TUI_REMOTES sets none" in line, line
    assert str(config) not in line


def test_a_public_note_only_where_the_system_has_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    build(db, [make_incident(1, remote="school", kind="kitehouse")])
    assert main(["--db", str(db), "comment", "school:r1", "-m", "On site", "--public"]) == 1
    assert "Kitehouse has no public notes" in one_line_error(capsys.readouterr().err)
    assert main(["--db", str(db), "outbox"]) == 0
    assert capsys.readouterr().out == "no queued changes\n"
    # The same comment as an internal one is queued: the outbox holds it, and only it.
    assert main(["--db", str(db), "comment", "school:r1", "-m", "On site"]) == 0
    capsys.readouterr()
    assert main(["--db", str(db), "outbox", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert (row["incident_id"], row["op"], row["state"]) == ("school:r1", "comment", "queued")
    assert row["payload"]["body"] == "On site"
    assert row["payload"]["public"] is False
    assert main(["--db", str(db), "outbox"]) == 0
    assert capsys.readouterr().out.split() == [str(row["seq"]), "queued", "comment", "school:r1"]


def test_show_prints_custom_fields_and_no_empty_remote_status(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    pulled = make_incident(1, remote="ops", kind="aoh_ims")
    pulled.custom_fields = {"count": 7, "workflowId": "wf-\x1b[31m9"}
    actions = build(db, [pulled])
    made = actions.create("ops", "aoh_ims", Draft("Made offline"))
    assert main(["--db", str(db), "show", "ops:r1"]) == 0
    out = capsys.readouterr().out
    assert "Fields:\n  count: 7\n  workflowId: wf-9" in out  # the escape sequence goes
    assert main(["--db", str(db), "show", made.incident_id]) == 0
    out = capsys.readouterr().out
    assert f"status    {Status.TRIGGERED.value}\n" in out and "()" not in out


def test_show_in_a_conflict_gives_the_remotes_word_of_now(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    pulled = make_incident(1, remote="pager", kind="revily", status=Status.TRIGGERED)
    pulled.status_raw = "triggered"
    actions = build(db, [pulled])
    [queued] = actions.acknowledge(["pager:r1"])
    # The remote resolved it meanwhile: the acknowledgement meets a conflict.
    theirs = make_incident(1, remote="pager", kind="revily", status=Status.RESOLVED)
    theirs.status_raw = "resolved"
    outbox.mark_conflict(
        actions.engine, queued.seq, ["status"], {"status": "acknowledged"}, theirs, "changed"
    )
    assert main(["--db", str(db), "show", "pager:r1"]) == 0
    out = capsys.readouterr().out
    assert "status    acknowledged (remote: resolved)\n" in out and "CONFLICT  changed" in out


def test_show_names_the_remotes_word_as_the_remotes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    same = make_incident(1, remote="pager", kind="revily", status=Status.TRIGGERED)
    same.status_raw = "triggered"
    other = make_incident(2, remote="school", kind="kitehouse", status=Status.ACKNOWLEDGED)
    other.status_raw = "open"
    actions = build(db, [same, other])
    assert main(["--db", str(db), "show", "pager:r1"]) == 0
    assert "status    triggered\n" in capsys.readouterr().out
    # Resolved here, not yet on the remote: the word in brackets is the remote's, still open.
    actions.resolve(["school:r2"])
    assert main(["--db", str(db), "show", "school:r2"]) == 0
    assert "status    resolved (remote: open)\n" in capsys.readouterr().out


def test_sync_remote_takes_commas_and_syncs_each_remote_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server = EmulatorServer(make_emulator("revily", sample=2)).start()
    try:
        config = tmp_path / "config.toml"
        write_private(config, revily_remote("oncall", server) + revily_remote("pager", server))
        argv = ["--config", str(config), "--db", str(tmp_path / "cache.db"), "sync", "--once"]
        assert main([*argv, "--remote", "oncall,oncall", "--remote", "oncall"]) == 0
        out = capsys.readouterr().out
        assert out.count("oncall: ok") == 1 and "pager" not in out
        assert main([*argv, "--remote", "oncall,pager"]) == 0
        assert "synced 2 of 2 remotes" in capsys.readouterr().out
    finally:
        server.stop()


def test_show_breaks_description_lines_as_comment_lines_and_keeps_the_stored_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "cache.db"
    pulled = make_incident(1, remote="ops", kind="aoh_ims")
    pulled.title = "Pump\u200b 7"
    pulled.description = "first\u2028second\u2029\ufeffthird"
    pulled.comments = [Comment("c1", "one\u2028two\u2060")]
    build(db, [pulled])
    assert main(["--db", str(db), "show", "ops:r1"]) == 0
    out = capsys.readouterr().out
    assert "\n\nfirst\nsecond\nthird\n" in out
    assert "    one\n    two\n" in out and "Pump 7" in out
    assert not {"\u2028", "\u2029", "\u200b", "\u2060", "\ufeff"} & set(out)
    # Only what is shown: the cache, its JSON and its search keep the text as it came.
    assert main(["--db", str(db), "show", "ops:r1", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["description"] == pulled.description and shown["title"] == "Pump\u200b 7"
    assert main(["--db", str(db), "list", "--search", "second", "--json"]) == 0
    assert [row["id"] for row in json.loads(capsys.readouterr().out)] == ["ops:r1"]
