"""Deleting what a sync is sending, or was sending when it was killed (its change
``sending``: the remote may have it already), against the Kitehouse emulator over HTTP.
The delete is not a cancel that the request in flight undoes: it is queued behind the create,
post or upload, and goes once that is settled, to what it made. Only what was never sent is
cancelled."""

from __future__ import annotations

import json
import os
import signal
import subprocess
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import system_clock
from incident_tui.config import Settings
from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Serve, cli, no_sleep
from tests.integration.test_attachment_changes import kept_copies
from tests.integration.test_cli_commands import spawned, start
from tests.integration.test_restart_after_kill import TIMEOUT, Waits, after, kill_while_sent
from tests.integration.test_sync import settings_for, sync
from tests.integration.test_two_pushers import arrived, finished, sync_env

__all__ = ["spawned"]  # the fixture, imported to be used here

DELAY = 3.0
"""Seconds the remote sits on the request in flight while the user deletes."""


def school(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[Any, Settings, dict[str, Any], str]:
    """A Kitehouse emulator with one incident, synced into a cache the command line uses:
    the emulator, the settings, the remote's config and the incident's id."""
    # On our clock: a create cut off is looked for among the incidents made since it began.
    emulator: Any = serve("kitehouse", sample=0, clock=system_clock).emulator
    made = emulator.add("Flooded basement")  # the connector learns category and source
    config = {**emulator.remote_config("school"), "timeout": TIMEOUT}
    settings = settings_for(tmp_path, config)
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([config]))
    monkeypatch.setenv("INCIDENT_TUI_DB", str(settings.db_path()))
    return emulator, settings, config, f"school:{made['_id']}"


def said(emulator: Any, incident_id: str) -> list[str]:
    """The comments the remote has on the incident."""
    return [c.message for c in emulator.incidents[incident_id.split(":", 1)[1]].comments]


def states(settings: Settings) -> list[tuple[str, str]]:
    """The outbox as (state, operation), in push order."""
    return [(c["state"], c["op"]) for c in Reader.open(settings.db_path()).outbox()]


def comments(settings: Settings, incident_id: str) -> list[tuple[int, str, int]]:
    """The cached comments of the incident: number, text and pending."""
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None
    return [(c["seq"], c["body"], c["pending"]) for c in detail.comments]


def comment_number(settings: Settings, incident_id: str, body: str) -> int:
    """The number ``show`` gives the cached comment with this text."""
    return next(seq for seq, text, _ in comments(settings, incident_id) if text == body)


async def synced_comment(
    serve: Serve, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str
) -> tuple[Any, Settings, dict[str, Any], str, int, int]:
    """:func:`school` synced, with the comment ``body`` queued on its incident: what
    :func:`school` gives, then the change's number in the outbox and the comment's in the
    cache."""
    emulator, settings, config, incident_id = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    posted = Actions.open(settings.db_path()).comment(incident_id, body)
    number = comment_number(settings, incident_id, body)
    return emulator, settings, config, incident_id, posted.seq, number


async def test_deleting_an_incident_while_its_create_is_sent_deletes_it_on_the_remote(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, _ = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    made = cli(capsys, "create", "--remote", "school", "--title", "Typo incident")[0].split()[2]
    fault = emulator.faults.add("delay", method="POST", path="/incidents$", delay=DELAY)
    sending = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    assert states(settings) == [("sending", "create")]

    out, _ = cli(capsys, "delete", "--yes", made)

    assert out == (
        f"queued: delete {made} after its create, which may have reached the remote, is "
        f"settled (change 2)\n"
    )
    assert Reader.open(settings.db_path()).exists(made) is False  # hidden at once
    # The sync that was sending the create finds the delete behind it and sends it too.
    assert "school: ok, pulled 0, pushed 2" in finished(sending)
    assert [r.short_description for r in emulator.incidents.values()] == ["Flooded basement"]
    assert states(settings) == []
    assert "Typo incident" not in cli(capsys, "list")[0]


async def test_deleting_a_comment_while_it_is_posted_deletes_it_on_the_remote(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    cli(capsys, "comment", incident_id, "-m", "posted by mistake")
    number = comment_number(settings, incident_id, "posted by mistake")
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)
    sending = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)

    out, _ = cli(capsys, "delete-comment", "--yes", incident_id, str(number))

    assert out == (
        f"queued: delete comment #{number} of {incident_id} after its post, which may have "
        f"reached the remote, is settled (change 2)\n"
    )
    assert comments(settings, incident_id) == []
    # The sync sending it records the comment, not as if it had never been asked for; the
    # deletion, queued after that sync read the outbox, goes with the next one. Meanwhile
    # the comment stays deleted here, though that sync read the remote's copy of it.
    assert "school: ok, pulled 0, pushed 1" in finished(sending)
    assert said(emulator, incident_id) == ["posted by mistake"]
    assert states(settings) == [("queued", "delete_comment")]
    assert comments(settings, incident_id) == []
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 1, report.results[0].error
    assert said(emulator, incident_id) == []
    assert states(settings) == []
    shown = json.loads(cli(capsys, "show", incident_id, "--json")[0])
    assert shown["comments"] == [] and shown["pending"] == 0


async def test_deleting_a_file_while_it_is_uploaded_deletes_it_on_the_remote(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    note = tmp_path / "note.txt"
    note.write_text("meter reading 4711")
    cli(capsys, "attach", incident_id, str(note))
    # The registration, the upload's last step, is held: the file is in storage already.
    fault = emulator.faults.add("delay", method="PUT", path="/attachments$", delay=DELAY)
    sending = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)

    out, _ = cli(capsys, "delete-attachment", "--yes", incident_id, "note.txt")

    assert out == (
        f"queued: delete attachment note.txt of {incident_id} after its upload, which may "
        f"have reached the remote, is settled (change 2)\n"
    )
    assert len(kept_copies(tmp_path)) == 1  # kept while the upload may be sent again
    assert "school: ok, pulled 0, pushed 1" in finished(sending)
    assert states(settings) == [("queued", "delete_attachment")]
    report = await sync(settings)
    assert report.ok and report.results[0].pushed == 1, report.results[0].error
    assert emulator.incident(incident_id.split(":", 1)[1])["attachments"] == []
    assert states(settings) == []
    assert kept_copies(tmp_path) == []
    assert json.loads(cli(capsys, "show", incident_id, "--json")[0])["attachments"] == []


async def test_a_comment_cut_off_by_kill_9_and_then_deleted_is_deleted_once_settled(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id, _, number = await synced_comment(
        serve, tmp_path, monkeypatch, "posted by mistake"
    )
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)
    done = await kill_while_sent(tmp_path, spawned, settings, config, fault)

    out, _ = cli(capsys, "delete-comment", "--yes", incident_id, str(number))

    assert out.startswith(f"queued: delete comment #{number} of {incident_id} after its post")
    waits = Waits(lambda: not said(emulator, incident_id))
    report = await sync(settings, sleep=waits)
    assert report.ok and report.results[0].pushed == 2, report.results[0].error
    await after(done)
    assert said(emulator, incident_id) == []
    assert states(settings) == []
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None and detail.comments == [] and detail.incident["pending"] == 0


async def test_discarding_the_deletion_of_a_comment_cut_off_puts_it_back_to_be_sent(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id, _, number = await synced_comment(
        serve, tmp_path, monkeypatch, "worth keeping"
    )
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)
    done = await kill_while_sent(tmp_path, spawned, settings, config, fault)
    deletion = Actions.open(settings.db_path()).delete_comment(incident_id, number)
    assert deletion.after_sending

    cli(capsys, "discard", str(deletion.seq))

    # Back at once, offline, under its number, as the post still waiting to be settled.
    assert comments(settings, incident_id) == [(number, "worth keeping", 1)]
    assert states(settings) == [("sending", "comment")]
    assert (await sync(settings, sleep=Waits(lambda: not said(emulator, incident_id)))).ok
    await after(done)
    assert said(emulator, incident_id) == ["worth keeping"]
    assert comments(settings, incident_id) == [(number, "worth keeping", 0)]


async def test_an_untitled_incident_a_killed_create_left_is_finished_then_deleted(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, _ = school(serve, tmp_path, monkeypatch)
    assert (await sync(settings)).ok
    made = Actions.open(settings.db_path()).create(
        "school", "kitehouse", Draft("Typo incident", None, None)
    ).incident_id
    # Kitehouse creates in two steps: the POST makes an untitled incident, a PUT titles it.
    # The sync is killed while the remote holds the PUT, which then never happens.
    fault = emulator.faults.add("hang", method="PUT", path="/incidents/", delay=60)
    child = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    emulator.faults.clear()
    assert sorted(r.short_description for r in emulator.incidents.values()) == [
        "", "Flooded basement"
    ]
    assert states(settings) == [("sending", "create")]

    out, _ = cli(capsys, "delete", "--yes", made)

    assert out.startswith(f"queued: delete {made} after its create, which may have reached")
    report = await sync(settings, sleep=no_sleep)
    assert report.ok and report.results[0].pushed == 2, report.results[0].error
    # The create was found and finished, then deleted: nothing of it is left anywhere.
    assert [r.short_description for r in emulator.incidents.values()] == ["Flooded basement"]
    assert states(settings) == []
    assert "Typo incident" not in cli(capsys, "list")[0]


def test_deleting_what_was_never_sent_still_cancels_it(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    emulator, settings, _, incident_id = school(serve, tmp_path, monkeypatch)
    cli(capsys, "sync", "--once")
    made = cli(capsys, "create", "--remote", "school", "--title", "Typo incident")[0].split()[2]
    cli(capsys, "comment", incident_id, "-m", "never mind")
    number = comment_number(settings, incident_id, "never mind")

    assert cli(capsys, "delete", "--yes", made)[0] == (
        f"cancelled: the unsent create of {made} (nothing was sent)\n"
    )
    assert cli(capsys, "delete-comment", "--yes", incident_id, str(number))[0] == (
        f"cancelled: the unsent comment #{number} on {incident_id} (nothing was sent)\n"
    )
    assert states(settings) == []
    assert "school: ok, pulled 0, pushed 0" in cli(capsys, "sync", "--once")[0]
    assert len(emulator.incidents) == 1 and said(emulator, incident_id) == []


async def test_a_copy_read_while_the_post_was_unsettled_goes_with_the_deletion(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id, _, number = await synced_comment(
        serve, tmp_path, monkeypatch, "posted by mistake"
    )
    fault = emulator.faults.add("delay", method="POST", path="/comments$", delay=DELAY)
    await after(await kill_while_sent(tmp_path, spawned, settings, config, fault))
    engine = SyncEngine(settings, sleep=no_sleep)
    try:
        # The detail screen reads the incident again: the remote's copy shows beside ours.
        assert await engine.refresh(incident_id)
    finally:
        await engine.aclose()
    both = comments(settings, incident_id)
    assert [pending for _, _, pending in both] == [1, 0]
    copy = both[1][0]

    assert Actions.open(settings.db_path()).delete_comment(incident_id, number).after_sending

    assert comments(settings, incident_id) == [(copy, "posted by mistake", 0)]
    report = await sync(settings, sleep=no_sleep)
    assert report.ok and report.results[0].pushed == 2, report.results[0].error
    assert said(emulator, incident_id) == []
    assert comments(settings, incident_id) == []
    assert states(settings) == []


async def test_discarding_a_refused_post_drops_the_deletion_waiting_for_it(
    serve: Serve,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    spawned: list[subprocess.Popen[str]],
) -> None:
    emulator, settings, config, incident_id, _, number = await synced_comment(
        serve, tmp_path, monkeypatch, "posted by mistake"
    )
    # Killed while the remote holds the post, which it then drops unread.
    fault = emulator.faults.add("hang", method="POST", path="/comments$", delay=60)
    child = start(spawned, ["sync", "--once"], sync_env(tmp_path, settings, config))
    await arrived(fault)
    os.killpg(child.pid, signal.SIGKILL)
    child.wait(timeout=30)
    emulator.faults.clear()
    cli(capsys, "delete-comment", "--yes", incident_id, str(number))
    emulator.faults.add("status", method="POST", path="/comments$", status=422)
    report = await sync(settings, sleep=no_sleep)
    assert report.results[0].failed == 1
    [refused, _] = Reader.open(settings.db_path()).outbox()
    assert states(settings) == [("failed", "comment"), ("queued", "delete_comment")]

    cli(capsys, "discard", str(refused["seq"]))

    # With nothing sent, the deletion has nothing to delete: it goes too.
    assert states(settings) == []
    assert comments(settings, incident_id) == []
    report = await sync(settings, sleep=no_sleep)
    assert report.ok and report.results[0].pushed == 0
    assert said(emulator, incident_id) == []
