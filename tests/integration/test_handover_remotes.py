"""The handover's remotes through the command line, against the emulators over HTTP: a remote
taken out of the config is never warned about as out of date; while the cache still holds
its incidents (or changes queued for it) it is listed once, plainly, as no longer synced."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import dead_port
from tests.integration.conftest import Point, Serve, cli


def run(capsys: pytest.CaptureFixture[str], *argv: str, status: int = 0) -> str:
    """What the command line printed on stdout (see :func:`cli`)."""
    return cli(capsys, *argv, status=status)[0]


def test_a_removed_remote_that_never_synced_is_not_mentioned(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall = serve("revily", sample=3).emulator.remote_config("oncall")
    ghost = serve("revily").emulator.remote_config("ghost")
    ghost["base_url"] = f"http://127.0.0.1:{dead_port()}"
    point(oncall, ghost)
    run(capsys, "sync", "--once", status=1)  # ghost is out of reach
    assert "**STALE** ghost" in run(capsys, "handover")  # while configured, it is warned about

    point(oncall)
    markdown = run(capsys, "handover")
    assert "ghost" not in markdown, markdown
    assert "- oncall (revily): synced" in markdown
    report = json.loads(run(capsys, "handover", "--format", "json"))
    assert [r["name"] for r in report["remotes"]] == ["oncall"]
    assert not any("ghost" in w for w in report.get("warnings", [])), report


def test_a_removed_remote_with_cached_incidents_is_listed_but_not_stale(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall = serve("revily", sample=2).emulator.remote_config("oncall")
    old_server: Any = serve("aoh_ims", sample=3)
    old = old_server.emulator.remote_config("old")
    point(oncall, old)
    run(capsys, "sync", "--once")
    cached = json.loads(run(capsys, "list", "--remote", "old", "--json"))
    assert len(cached) == 3
    run(capsys, "comment", cached[0]["id"], "-m", "Left for the next shift")  # never sent

    point(oncall)
    markdown = run(capsys, "handover")
    assert "Data from old" not in markdown and "**STALE** old" not in markdown, markdown
    assert (
        "- old (aoh\\_ims): no longer in the config, so not synced: the cache keeps its 3 "
        "incidents as last synced; 1 local change queued"
    ) in markdown
    report = json.loads(run(capsys, "handover", "--format", "json"))
    remotes = {r["name"]: r for r in report["remotes"]}
    assert set(remotes) == {"oncall", "old"}
    assert remotes["old"]["stale"] is False and remotes["old"]["queued"] == 1
    assert not any("old" in w for w in report.get("warnings", [])), report


def test_a_remote_whose_last_sync_failed_is_warned_about_at_the_top(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    oncall = serve("revily", sample=2)
    point(("oncall", oncall))
    run(capsys, "sync", "--once")
    assert json.loads(run(capsys, "handover", "--format", "json"))["warnings"] == []

    # Synced a moment ago, within the shift, but out of reach now: what it has missed since
    # is not in the summary, and the top of it says so.
    point(("oncall", oncall), offline=True)
    run(capsys, "sync", "--once", status=1)
    report = json.loads(run(capsys, "handover", "--format", "json"))
    [remote] = report["remotes"]
    assert remote["state"] == "offline" and remote["stale"] is True
    [warning] = report["warnings"]
    assert warning.startswith("Data from oncall may be out of date: synced "), warning
    assert "; last attempt offline: cannot connect to http://127.0.0.1:" in warning
    assert "> **Warning:** Data from oncall may be out of date" in run(capsys, "handover")
