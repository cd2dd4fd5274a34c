"""A comment or file whose push was cut off is sent exactly once, against the emulators over
HTTP: after the remote accepted it and before the local commit (the sync's ``after_push``
hook stands in for the crash), even when something read the incident again before the retry
(``show --fresh``, the TUI refreshing the open incident) and so stored the remote's copy of
ours in the cache; and when the remote never got it, it is still sent, even if a teammate
wrote the same words meanwhile. A create whose connection never opened (sign-in aside) is
known not to have reached the remote: it is queued again, not left in doubt, and the next
pass sends it at once instead of waiting for the attempt to settle there. So does the next
pass, of another engine (process), after a comment the remote answered with an error; the
wait after a send cut off before its answer is said, with its length, as a retry is."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incident_tui.config import Settings
from incident_tui.domain.model import Draft, Incident
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync.cli_listener import read_fresh
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import NullListener
from tests.conftest import dead_port
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync

CRASH = "simulated crash between the remote accepting and the local commit"


def crash(change: Any) -> None:
    """The ``after_push`` hook: the remote has the change, the local commit never happens."""
    raise RuntimeError(CRASH)


ADD: dict[str, Callable[[Any], str]] = {
    "kitehouse": lambda emulator: str(emulator.add("Flooded basement")["_id"]),
    "oneuptime": lambda emulator: str(emulator.add("Checkout slow")["_id"]),
    "aoh_ims": lambda emulator: str(emulator.add(name="Gas smell", status="NEW")["id"]),
}
"""Each kind with comments: add an incident on the emulator, as a teammate would; its id."""


async def on_remote(settings: Settings, remote_id: str) -> Incident:
    """The incident as the remote has it now, read through its connector."""
    engine = SyncEngine(settings)
    try:
        return await engine.connector("target").get(remote_id)
    finally:
        await engine.aclose()


async def synced(serve: Serve, tmp_path: Path, kind: str) -> tuple[EmulatorServer, Settings, str]:
    """An emulator of ``kind`` with one incident, synced into a fresh cache: the server, the
    settings and the remote id of the incident."""
    server = serve(kind, sample=0)
    remote_id = ADD[kind](server.emulator)
    settings = settings_for(tmp_path, server.emulator.remote_config("target"))
    assert (await sync(settings)).ok
    return server, settings, remote_id


async def interrupted(settings: Settings, op: str) -> None:
    """A sync pass that dies right after the remote accepted the queued ``op``; the change
    stays in the outbox as ``sending`` (outcome unknown)."""
    report = await sync(settings, after_push=crash)
    assert CRASH in (report.results[0].error or "")
    assert [(c["op"], c["state"]) for c in Reader.open(settings.db_path()).outbox()] == [
        (op, "sending")
    ]


@pytest.mark.parametrize(
    ("kind", "public"),
    [("kitehouse", False), ("oneuptime", False), ("oneuptime", True), ("aoh_ims", False)],
)
async def test_an_interrupted_comment_read_back_before_the_retry_is_posted_once(
    serve: Serve, tmp_path: Path, kind: str, public: bool
) -> None:
    _, settings, remote_id = await synced(serve, tmp_path, kind)
    incident_id = f"target:{remote_id}"
    Actions.open(settings.db_path()).comment(incident_id, "dup-check", public=public)
    await interrupted(settings, "comment")
    # show --fresh: the cache now holds the remote's copy of the comment as a known one.
    assert await read_fresh(settings, incident_id) is None
    report = await sync(settings)
    assert report.ok, report.results[0].error
    bodies = [c.body for c in (await on_remote(settings, remote_id)).comments or ()]
    assert bodies.count("dup-check") == 1, bodies
    reader = Reader.open(settings.db_path())
    assert reader.outbox() == [], [sorted(c.items()) for c in reader.outbox()]
    # The next read keeps one copy in the cache, no longer pending.
    assert await read_fresh(settings, incident_id) is None
    detail = reader.detail(incident_id)
    assert detail is not None
    assert [(c["body"], c["pending"]) for c in detail.comments if c["body"] == "dup-check"] == [
        ("dup-check", 0)
    ]


async def test_an_interrupted_upload_read_back_before_the_retry_is_uploaded_once(
    serve: Serve, tmp_path: Path
) -> None:
    _, settings, remote_id = await synced(serve, tmp_path, "kitehouse")
    incident_id = f"target:{remote_id}"
    note = tmp_path / "note.txt"
    note.write_text("meter reading 4711")
    Actions.open(settings.db_path()).attach(incident_id, note, "text/plain")
    await interrupted(settings, "attach")
    assert await read_fresh(settings, incident_id) is None
    report = await sync(settings)
    assert report.ok, report.results[0].error
    names = [a.name for a in (await on_remote(settings, remote_id)).attachments or ()]
    assert names == ["note.txt"]
    assert Reader.open(settings.db_path()).outbox() == []


async def test_a_comment_the_remote_never_got_is_sent_though_a_teammate_wrote_the_same(
    serve: Serve, tmp_path: Path
) -> None:
    server, settings, remote_id = await synced(serve, tmp_path, "kitehouse")
    incident_id = f"target:{remote_id}"
    emulator: Any = server.emulator
    # A teammate says the same; our cache has not seen it yet (nor does it before the retry).
    engine = SyncEngine(settings)
    try:
        connector = engine.connector("target")
        await connector.comment(await connector.get(remote_id), "on my way")
    finally:
        await engine.aclose()
    Actions.open(settings.db_path()).comment(incident_id, "on my way")
    # Our post is cut off before the remote reads it: its outcome is unknown to us.
    emulator.faults.add("drop", method="POST", path="/comments$", times=-1)
    report = await sync(settings)
    assert not report.ok
    assert [c["state"] for c in Reader.open(settings.db_path()).outbox()] == ["sending"]
    emulator.faults.clear()
    report = await sync(settings)
    assert report.ok, report.results[0].error
    bodies = [c.body for c in (await on_remote(settings, remote_id)).comments or ()]
    assert bodies == ["on my way", "on my way"]  # the teammate's and ours


@pytest.mark.parametrize("kind", ["kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims"])
async def test_a_create_whose_connection_never_opened_is_sent_next_time_without_waiting(
    serve: Serve, tmp_path: Path, kind: str
) -> None:
    server = serve(kind, sample=1)  # Kitehouse learns its create defaults from one
    config = server.emulator.remote_config("target")
    # Every address of it (API and sign-in) on a port nobody answers: nothing can get there.
    down = {
        key: value.replace(server.url, f"http://127.0.0.1:{dead_port()}")
        if isinstance(value, str) else value
        for key, value in config.items()
    }
    offline = settings_for(tmp_path, down)
    Actions.open(offline.db_path()).create("target", kind, Draft(title="Ammonia leak by bay Z9"))
    report = await sync(offline)
    assert report.results[0].offline, report.results[0].error
    # Known not to have reached the remote: queued, not "sending" (outcome unknown).
    [change] = Reader.open(offline.db_path()).outbox()
    assert (change["op"], change["state"]) == ("create", "queued")

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    online = settings_for(tmp_path, config)
    report = await sync(online, sleep=sleep)
    assert report.ok, report.results[0].error
    # Sent at once: no wait for an earlier attempt to settle on the remote, since none got
    # there; and made once.
    assert slept == []
    reader = Reader.open(online.db_path())
    assert reader.outbox() == []
    assert reader.count(ListQuery(search="Ammonia leak by bay Z9")) == 1


@pytest.mark.parametrize("kind", ["fourhse", "aoh_ims"])
async def test_a_sign_in_that_got_through_does_not_leave_an_unsent_create_in_doubt(
    serve: Serve, tmp_path: Path, kind: str
) -> None:
    server = serve(kind, sample=1)
    emulator: Any = server.emulator
    # AOH IMS signs in through Keycloak only when asked to (a static token by default).
    sign_in = {"sign_in": "password"} if kind == "aoh_ims" else {}
    config = emulator.remote_config("target", **sign_in)
    # The sign-in server answers (it may well be another host); the API does not.
    down = {**config, "base_url": f"http://127.0.0.1:{dead_port()}"}
    assert down["token_url"].startswith(server.url)
    offline = settings_for(tmp_path, down)
    Actions.open(offline.db_path()).create("target", kind, Draft(title="Ammonia leak by bay Z9"))
    report = await sync(offline)
    assert report.results[0].offline, report.results[0].error
    assert any(entry.path.endswith("token") for entry in server.emulator.log)
    [change] = Reader.open(offline.db_path()).outbox()
    assert (change["op"], change["state"]) == ("create", "queued")


class Retries(NullListener):
    """A listener that keeps what the pass said it waits for: remote, reason and seconds."""

    def __init__(self) -> None:
        self.said: list[tuple[str, str, float]] = []

    def remote_retrying(self, remote: str, reason: str, delay: float) -> None:
        """Kept."""
        self.said.append((remote, reason, delay))


async def test_a_comment_the_remote_answered_with_an_error_goes_next_time_without_waiting(
    serve: Serve, tmp_path: Path
) -> None:
    server, settings, remote_id = await synced(serve, tmp_path, "kitehouse")
    incident_id = f"target:{remote_id}"
    Actions.open(settings.db_path()).comment(incident_id, "checked the boiler")
    server.emulator.faults.add("status", method="POST", path="/comments$", status=500, times=1)
    report = await sync(settings)
    assert not report.ok and "HTTP 500" in (report.results[0].error or "")
    # The remote may have kept it despite the error: the next attempt looks first.
    assert [c["state"] for c in Reader.open(settings.db_path()).outbox()] == ["sending"]

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    # A new engine, as the next `sync --once` is a new process: the answer is known all the
    # same, so nothing is waited for.
    report = await sync(settings, sleep=sleep)
    assert report.ok, report.results[0].error
    assert slept == []
    bodies = [c.body for c in (await on_remote(settings, remote_id)).comments or ()]
    assert bodies.count("checked the boiler") == 1, bodies
    assert Reader.open(settings.db_path()).outbox() == []


async def test_the_wait_for_a_cut_off_send_is_said_with_its_length(
    serve: Serve, tmp_path: Path
) -> None:
    _, settings, remote_id = await synced(serve, tmp_path, "kitehouse")
    incident_id = f"target:{remote_id}"
    Actions.open(settings.db_path()).comment(incident_id, "checked the boiler")
    await interrupted(settings, "comment")

    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    listener = Retries()
    report = await sync(settings, sleep=sleep, listener=listener)
    assert report.ok, report.results[0].error
    assert len(slept) == 1 and slept[0] > 0
    assert listener.said == [
        (
            "target",
            f"an earlier attempt to send the comment on {incident_id} was cut off and may "
            "still be under way on the remote",
            slept[0],
        )
    ]
    bodies = [c.body for c in (await on_remote(settings, remote_id)).comments or ()]
    assert bodies.count("checked the boiler") == 1, bodies
