"""A 403 answering one queued write, against a Kitehouse emulator over HTTP: while the remote
still answers its listing, the token is fine and only that change is not allowed (a role that
may not delete), so it is refused with the server's reason and the rest of the remote syncs.
A token the remote refuses everything, or a 401, is the remote's auth failure: the pass fails
and every change stays queued, none marked refused for the token's fault."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from incident_tui.clock import from_db
from incident_tui.config import Settings
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Point, Serve, cli
from tests.integration.test_sync import settings_for, sync

ADMINS_ONLY = {
    "statusCode": 403, "error": "Forbidden", "message": "Only administrators may delete incidents",
}
"""Kitehouse's answer to a delete by a user who may not delete."""
LATER = FIXED_NOW + timedelta(minutes=5)
"""When the pass after the changes were queued runs."""


def at(moment: datetime) -> Any:
    """A clock stopped at ``moment``."""
    return lambda: moment


async def forbidding_site(
    serve: Serve, tmp_path: Path
) -> tuple[Any, Settings, list[str], list[str]]:
    """A Kitehouse emulator holding two open incidents, synced into a cache, with a delete
    of the first and an acknowledgement of the second queued: the emulator, the settings,
    the incidents' remote ids and their ids in the cache."""
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_ids = [str(emulator.add(title)["_id"]) for title in ("Leak in the gym", "Lift stuck")]
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings, clock=at(FIXED_NOW))).ok
    ids = [f"school:{remote_id}" for remote_id in remote_ids]
    actions = Actions.open(settings.db_path())
    actions.delete(ids[0])
    actions.acknowledge([ids[1]])
    return emulator, settings, remote_ids, ids


def changes(settings: Settings) -> list[tuple[str, str, str | None]]:
    """Operation, state and reason of every change in the outbox, in order."""
    return [
        (c["op"], c["state"], c["last_error"]) for c in Reader.open(settings.db_path()).outbox()
    ]


async def test_a_write_the_remote_forbids_is_refused_and_the_rest_syncs(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [gym, lift], [gym_id, lift_id] = await forbidding_site(serve, tmp_path)
    emulator.faults.add("status", status=403, method="DELETE", times=-1, body=ADMINS_ONLY)
    arrived = str(emulator.add("Arrived meanwhile")["_id"])
    reader = Reader.open(settings.db_path())

    result = (await sync(settings, clock=at(LATER))).results[0]

    # The delete is refused with the server's words; the other incident's change went, and
    # the pull ran: the pass counts as synced.
    assert result.ok, result.error
    assert (result.pushed, result.failed) == (1, 1)
    [unsent] = result.unsent
    assert (unsent.incident_id, unsent.op, unsent.contested) == (gym_id, "delete", False)
    assert "HTTP 403" in unsent.reason and "Only administrators may delete" in unsent.reason
    assert changes(settings) == [("delete", "failed", unsent.reason)]
    assert emulator.incident(lift)["status"] != "open"
    assert gym in emulator.incidents
    assert reader.detail(f"school:{arrived}") is not None
    [after] = reader.remotes()
    assert after.state == "ok" and after.last_error is None
    assert from_db(after.last_ok_at) == LATER
    assert reader.queue_counts() == (1, 1, 0)

    # It waits for the user: the next pass does not send it again, and still syncs.
    emulator.log.clear()
    later = str(emulator.add("Arrived later")["_id"])
    result = (await sync(settings)).results[0]
    assert result.ok, result.error
    assert [r for r in emulator.log if r.method == "DELETE"] == []
    assert reader.detail(f"school:{later}") is not None


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        # A token the remote refuses everything: its listing too.
        ({"status": 403, "body": {"statusCode": 403, "error": "Forbidden",
                                  "message": "Token revoked"}}, "HTTP 403"),
        # A 401 to the write alone is still the credentials: no listing tells otherwise.
        ({"status": 401, "method": "DELETE"}, "HTTP 401"),
    ],
    ids=["403-to-everything", "401-to-the-write"],
)
async def test_a_refused_token_fails_the_remote_and_refuses_no_change(
    serve: Serve, tmp_path: Path, fault: dict[str, Any], reason: str
) -> None:
    emulator, settings, [gym, lift], _ = await forbidding_site(serve, tmp_path)
    emulator.faults.add("status", times=-1, **fault)

    result = (await sync(settings, clock=at(LATER))).results[0]

    assert not result.ok and not result.offline
    assert reason in str(result.error)
    assert result.failed == 0 and result.unsent == []
    assert [(op, state) for op, state, _ in changes(settings)] == [
        ("delete", "queued"), ("acknowledge", "queued")
    ]
    [remote] = Reader.open(settings.db_path()).remotes()
    assert remote.state == "failing" and from_db(remote.last_ok_at) == FIXED_NOW

    # Once the remote takes the token again, both go.
    emulator.faults.clear()
    result = (await sync(settings)).results[0]
    assert result.ok and result.pushed == 2, result.error
    assert gym not in emulator.incidents and emulator.incident(lift)["status"] != "open"


def test_the_command_line_names_the_forbidden_change_and_exits_0(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    emulator: Any = serve("kitehouse", sample=0).emulator
    remote_id = str(emulator.add("Leak in the gym")["_id"])
    point(emulator.remote_config("school"))
    cli(capsys, "sync", "--once")
    cli(capsys, "delete", f"school:{remote_id}", "--yes")
    emulator.faults.add("status", status=403, method="DELETE", times=-1, body=ADMINS_ONLY)

    out, err = cli(capsys, "sync", "--once")

    assert "school: ok, " in out and "1 refused" in out, out
    assert (
        f"refused: delete school:{remote_id}: HTTP 403 (not allowed): "
        "Only administrators may delete incidents"
    ) in out
    assert "check this remote's token" not in out + err


async def test_a_comment_refused_for_its_token_is_queued_again_not_left_sending(
    serve: Serve, tmp_path: Path
) -> None:
    # The token expired between the read that precedes a comment and the comment itself:
    # the 401 says nothing was done, so nothing is left to look for on the remote.
    emulator: Any = serve("kitehouse", sample=0).emulator
    gym = str(emulator.add("Leak in the gym")["_id"])
    settings = settings_for(tmp_path, emulator.remote_config("school"), hydrate_limit=0)
    assert (await sync(settings, clock=at(FIXED_NOW))).ok
    Actions.open(settings.db_path()).comment(f"school:{gym}", "Plumber called")
    emulator.faults.add("status", status=401, method="POST", path="/comments", times=-1)

    result = (await sync(settings, clock=at(LATER))).results[0]

    assert not result.ok and "HTTP 401" in str(result.error)
    [(op, state, error)] = changes(settings)
    assert (op, state) == ("comment", "queued") and "HTTP 401" in str(error)

    emulator.faults.clear()
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    result = (await sync(settings, clock=at(LATER + timedelta(seconds=2)), sleep=sleep))
    assert result.results[0].ok and result.results[0].pushed == 1, result.results[0].error
    # No wait for an attempt the remote refused before doing anything of it.
    assert waits == []
    assert [c.message for c in emulator.incidents[gym].comments] == ["Plumber called"]


async def test_a_change_held_behind_a_refused_one_is_counted_apart(
    serve: Serve, tmp_path: Path
) -> None:
    # The status line said '3 queued, 1 needs an answer': the comment queued behind the
    # refused acknowledgement, which no sync sends until that is answered, read as on its way.
    from incident_tui.ui.widgets.status_line import status_content

    emulator, settings, _, [gym_id, lift_id] = await forbidding_site(serve, tmp_path)
    actions = Actions.open(settings.db_path())
    actions.comment(lift_id, "Engineer called")
    emulator.faults.add("status", status=403, method="PUT", times=-1, body=ADMINS_ONLY)
    emulator.faults.add("status", status=403, method="DELETE", times=-1, body=ADMINS_ONLY)

    assert (await sync(settings, clock=at(LATER))).ok
    reader = Reader.open(settings.db_path())
    assert [op for op, _, _ in changes(settings)] == ["delete", "acknowledge", "comment"]
    assert reader.queue_counts() == (3, 2, 1)
    queued, waiting, held = reader.queue_counts()
    line = status_content([], queued, waiting=waiting, held=held).plain
    assert line.startswith("3 queued, 2 need an answer, 1 held behind"), line
