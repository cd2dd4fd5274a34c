"""The handover's remotes through the command line, against the emulators over HTTP: a remote
taken out of the config that left nothing in the cache is not mentioned; while the cache
still holds its incidents (or changes queued for it) they are left out of the summary, and
its top says so with the time of the remote's last sync. A configured remote whose last
sync failed is warned about however recent its last success."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import to_db
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


def test_a_removed_remote_with_cached_incidents_is_left_out_and_warned_about(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    oncall = serve("revily", sample=2).emulator.remote_config("oncall")
    old_server: Any = serve("aoh_ims", sample=3)
    old = old_server.emulator.remote_config("old")
    point(oncall, old)
    run(capsys, "sync", "--once")
    cached = json.loads(run(capsys, "list", "--remote", "old", "--json"))
    assert len(cached) == 3
    run(capsys, "comment", cached[0]["id"], "-m", "Left for the next shift")  # never sent
    synced = datetime.now(UTC) - timedelta(days=5)
    with sqlite3.connect(tmp_path / "cache.db") as conn:
        conn.execute("UPDATE remote SET last_ok_at = ? WHERE name = 'old'", [to_db(synced)])
    conn.close()

    point(oncall)
    markdown = run(capsys, "handover")
    note = (
        f"no longer in the config, so not synced since {synced:%Y-%m-%d %H:%M}Z (5d 00h ago); "
        "its 3 cached incidents are left out of this summary"
    )
    assert f"> **Warning:** old is {note}." in markdown, markdown
    assert f"- **LEFT OUT** old (aoh\\_ims): {note}; 1 local change queued" in markdown
    report = json.loads(run(capsys, "handover", "--format", "json"))
    remotes = {r["name"]: r for r in report["remotes"]}
    assert set(remotes) == {"oncall", "old"}
    assert remotes["old"]["stale"] is True and remotes["old"]["configured"] is False
    assert remotes["old"]["queued"] == 1 and remotes["oncall"]["configured"] is True
    assert report["warnings"] == [f"old is {note}."]
    # None of its incidents (nor the comment on one) is in any section.
    listed = {i["id"] for s in report["sections"].values() for i in s["items"]}
    assert listed and not any(i.startswith("old:") for i in listed), listed
    assert report["comments"]["total"] == 0


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


def test_a_disabled_remote_is_said_to_be_disabled_where_its_data_is_out_of_date(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    oncall = serve("revily", sample=2).emulator.remote_config("oncall")
    status = serve("oneuptime", sample=2).emulator.remote_config("status")
    point(oncall, status)
    run(capsys, "sync", "--once")
    synced = datetime.now(UTC) - timedelta(hours=5)
    with sqlite3.connect(tmp_path / "cache.db") as conn:
        conn.execute("UPDATE remote SET last_ok_at = ? WHERE name = 'status'", [to_db(synced)])
    conn.close()

    # Taken out of the syncs on purpose: the summary says why its data is old, where it
    # said only that it might be out of date, as if its syncs were failing unnoticed.
    point(oncall, {**status, "enabled": False})
    run(capsys, "sync", "--once")
    report = json.loads(run(capsys, "handover", "--format", "json"))
    [warning] = report["warnings"]
    assert warning.startswith("Data from status may be out of date: last successful sync ")
    assert warning.endswith("; disabled in the config (enabled = false), so nothing syncs it.")
    remotes = {r["name"]: r for r in report["remotes"]}
    assert "disabled" not in remotes["oncall"]["note"]
    assert "- **STALE** status (oneuptime): last successful sync " in run(capsys, "handover")
