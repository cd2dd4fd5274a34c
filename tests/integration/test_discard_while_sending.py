"""Discarding a change that is being sent, or was when its sync was killed (``sending``), is
refused in one line: the remote may have what it makes, and only the next sync can tell and
finish it. Against the Kitehouse emulator over HTTP; it used to drop the change and the
local copy, and leave on the remote what the request in flight made (with Kitehouse's two-step
create, an untitled incident nothing ever finished or removed). A change never marked so (a
status change) can be discarded while it is sent: the sync then does not count it as pushed,
and shows what the remote has."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path

import pytest

from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve, cli, no_sleep
from tests.integration.test_cli_commands import spawned, start
from tests.integration.test_delete_while_sending import (
    DELAY,
    comments,
    said,
    school,
    states,
    synced_comment,
)
from tests.integration.test_sync import sync
from tests.integration.test_two_pushers import arrived, finished, sync_env

__all__ = ["spawned"]  # the fixture, imported to be used here


async def test_a_create_cut_off_between_its_two_steps_is_not_discarded_but_finished(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, _ = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    made = Actions.open(settings.db_path()).create(
        "school", "kitehouse", Draft("Gas leak", None, None)
    )
    # Killed while the remote holds the PUT that titles what the POST made.
    fault = emulator.faults.add("hang", method="PUT", path="/incidents/", delay=60)
    child = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    emulator.faults.clear()

    _, err = cli(capsys, "discard", str(made.seq), status=1)

    assert err == (
        f"incident-tui: change {made.seq} is being sent and the new incident may have reached "
        f"the remote, so it is not discarded: the next sync settles it; to undo it, delete "
        f"{made.incident_id} (a delete queued now waits for that)\n"
    )
    assert states(settings) == [("sending", "create")]
    assert Reader.open(settings.db_path()).exists(made.incident_id)
    report = await sync(settings, sleep=no_sleep)
    assert report.ok and report.results[0].pushed == 1, report.results[0].error
    # Found and finished: titled on the remote, no untitled one left behind.
    assert sorted(r.short_description for r in emulator.incidents.values()) == [
        "Flooded basement", "Gas leak"
    ]
    assert states(settings) == []


async def test_a_comment_being_posted_is_not_discarded(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id, seq, number = await synced_comment(
        serve, tmp_path, monkeypatch, "pump is on its way"
    )
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)
    sending = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)

    _, err = cli(capsys, "discard", str(seq), status=1)

    assert err.startswith(
        f"incident-tui: change {seq} is being sent and the comment may have reached "
        f"the remote, so it is not discarded"
    )
    assert err.endswith(f"to undo it, delete comment #{number} of {incident_id} (a delete "
                        f"queued now waits for that)\n")
    assert "school: ok, pulled 1, pushed 1" in finished(sending)
    assert said(emulator, incident_id) == ["pump is on its way"]
    assert comments(settings, incident_id) == [(number, "pump is on its way", 0)]
    assert states(settings) == []


async def test_a_post_the_remote_took_but_that_was_not_recorded_is_settled_not_discarded(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator, settings, _, incident_id = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    posted = Actions.open(settings.db_path()).comment(incident_id, "pump is on its way")

    def broken(change: object) -> None:
        raise RuntimeError("a bug between the answer and its record")

    report = await sync(settings, after_push=broken)

    # The pass says what happened to it, and does not offer the discard it would refuse.
    assert report.results[0].error == (
        f"internal error: RuntimeError: a bug between the answer and its record (change "
        f"{posted.seq}, comment {incident_id}, may have reached the remote: the next sync "
        f"looks for it there)"
    )
    assert states(settings) == [("sending", "comment")]
    cli(capsys, "discard", str(posted.seq), status=1)
    report = await sync(settings, sleep=no_sleep)
    assert report.ok and report.results[0].pushed == 1, report.results[0].error
    assert said(emulator, incident_id) == ["pump is on its way"]
    assert states(settings) == []


async def test_a_status_change_discarded_while_it_is_sent_is_not_counted_as_pushed(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    [ack] = Actions.open(settings.db_path()).acknowledge([incident_id])
    fault = emulator.faults.add("delay", method="PUT", path="/incidents/", delay=DELAY)
    sending = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)

    # A status change is never marked as being sent (sending it twice does no harm), so
    # the discard goes through; the request in flight still lands.
    cli(capsys, "discard", str(ack.seq))

    out = finished(sending)
    assert "pushed 0" in out and "pushed 1" not in out, out
    assert emulator.incident(incident_id.split(":", 1)[1])["status"] == "in_progress"
    # What the remote has now, read again by that same sync.
    shown = json.loads(cli(capsys, "show", incident_id, "--json")[0])
    assert (shown["status"], shown["pending"]) == ("acknowledged", 0)
