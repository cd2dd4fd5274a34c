"""A change the remote refused, or found in conflict, is told at once: a notice names the
change, its incident and the remote's reason, and the status line counts the queued changes
that wait for the user (no sync sends them) apart from the rest. Before, a refused
acknowledgement read as ``1 queued`` and nothing more, unless its row was on screen.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

# The real engine drives the live tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import ListRow
from incident_tui.sync.events import Unsent
from incident_tui.ui.unsent_notice import unsent_notice
from incident_tui.ui.widgets.status_line import RemoteLine, StatusLine, status_content
from tests.ui.helpers import (
    cursor_to,
    live_app,
    notifications,
    screen_text,
    settle,
    synced,
    until,
)


def row(incident_id: str, ref: str, title: str) -> ListRow:
    """A list row with what the notice reads from it."""
    remote, _, remote_id = incident_id.partition(":")
    return ListRow(
        id=incident_id, remote=remote, kind="kitehouse", remote_id=remote_id, ref=ref,
        title=title, status="triggered", severity="major", created_at="", updated_at=None,
        pending=1, conflict=False, failed=True, local_only=False,
    )


def test_a_refused_change_is_named_by_its_short_id_and_title() -> None:
    unsent = [Unsent("school:6b05", "resolve", "HTTP 422: priority is required", False)]
    rows = {"school:6b05": row("school:6b05", "1057", "Disk 95% full on kitchen")}
    assert unsent_notice("school", unsent, rows).splitlines() == [
        "school refused a change:",
        "resolve 1057 · Disk 95% full on kitchen",
        "  HTTP 422: priority is required",
        "Open the incident (marked ✗) to retry or discard.",
    ]


def test_conflicts_and_refusals_are_told_together_three_at_most() -> None:
    unsent = [
        Unsent("ops:a", "acknowledge", "the remote changed status since the last sync", True),
        Unsent("ops:b", "delete_comment", "HTTP 403: not yours", False),
        Unsent("ops:c", "edit", "the remote changed title since the last sync", True),
        Unsent("ops:d", "resolve", "HTTP 422", False),
    ]
    lines = unsent_notice("ops", unsent).splitlines()
    assert lines[0] == "ops refused 2 changes and found 2 changes in conflict with its own:"
    # Not cached (any more): the incident's id stands in for its short id and title.
    assert lines[1:7] == [
        "acknowledge ops:a", "  the remote changed status since the last sync",
        "delete comment ops:b", "  HTTP 403: not yours",
        "edit ops:c", "  the remote changed title since the last sync",
    ]
    assert lines[7:] == [
        "and 1 more",
        "Open the incident (marked ✗) to retry or discard.",
        "Open the incident (marked !) to keep yours or take theirs.",
    ]


def test_a_refusal_names_the_mark_the_list_shows_and_answers_that_can_work() -> None:
    gone = Unsent("school:6b05", "acknowledge", "the incident no longer exists on the remote",
                  False, gone=True)
    deleted = replace(row("school:6b05", "1002", "Chemical spill"), conflict=True)
    assert unsent_notice("school", [gone], {"school:6b05": deleted}).splitlines()[-1] == (
        "Open the incident no longer on its remote (marked !) to take theirs or discard."
    )
    # Refused on an incident that is in conflict too: the list marks it !, not ✗.
    refused = Unsent("school:6b06", "comment", "HTTP 422: too long", False)
    contested = replace(row("school:6b06", "1003", "Flooded basement"), conflict=True)
    assert unsent_notice("school", [refused], {"school:6b06": contested}).splitlines()[-1] == (
        "Open the incident (marked !) to retry or discard."
    )


async def test_the_notice_of_a_change_to_an_incident_gone_from_the_remote_names_its_mark(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", sample=0)
    kitehouse: Any = server.emulator
    remote_id = str(kitehouse.add("Chemical spill in checkout")["_id"])
    incident_id = f"school:{remote_id}"
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await settle(pilot)
        await cursor_to(pilot, incident_id)
        del kitehouse.incidents[remote_id]  # by a colleague, unseen by the cache
        kitehouse.changed()
        await pilot.press("a")  # sent at once: the remote no longer has it
        await until(lambda: any(n.startswith("school refused") for n in notifications(app)))
        await settle(pilot)
        [notice] = [n for n in notifications(app) if n.startswith("school refused")]
        [line] = [line for line in screen_text(app).splitlines() if "Chemical spill" in line]
        assert line.split()[0] == "!"
        assert notice.splitlines()[-1] == (
            "Open the incident no longer on its remote (marked !) to take theirs or discard."
        )


def test_hostile_text_in_the_notice_is_shown_clean() -> None:
    unsent = [Unsent("ops:\x1b]0;x\x07a", "edit", "HTTP 400: \x1b[2J" + "why " * 50, True)]
    rows = {"ops:\x1b]0;x\x07a": row("ops:\x1b]0;x\x07a", "\x1b[31m7", "Evil\r\ntitle\x07")}
    text = unsent_notice("o\x1bps\n", unsent, rows)
    assert "\x1b" not in text and "\x07" not in text and "\r" not in text
    lines = text.splitlines()
    assert lines[0] == "ops found a change in conflict with its own:"
    assert lines[1].startswith("edit 7 · Evil title")
    assert len(lines[2]) <= 2 + 90 and lines[2].endswith("…")


def test_the_status_line_counts_what_waits_for_the_user_and_never_cuts_it() -> None:
    at = "2026-11-22T11:56:00.000000Z"
    names = ("kitehouse", "fourhse", "revily", "oneuptime", "aoh_ims")
    remotes = [RemoteLine(name, "ok", at) for name in names]
    assert status_content(remotes, 3, waiting=2).plain == (
        "3 queued, 2 need an answer  │  kitehouse, fourhse, revily, oneuptime, aoh_ims ok"
        " at 11:56"
    )
    assert status_content(remotes, 3, width=78, waiting=2).plain == (
        "3 queued, 2 need an answer │ kitehouse, fourhse, revily, oneuptime, aoh_ims ok"
    )
    assert status_content(remotes, 3, width=30, waiting=2).plain.startswith(
        "3 queued, 2 need an answer │ 5 ok"
    )
    assert status_content(remotes, 3, width=78).plain.startswith("3 queued  │  kitehouse")


def status_text(app: Any) -> str:
    """The list's status line as shown."""
    return str(app.screen.query_one(StatusLine).render())


async def test_a_change_refused_in_the_background_is_told_and_counted(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily")
    revily: Any = server.emulator
    incident_id = f"oncall:{revily.add('Pager storm on the edge proxy')['id']}"
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await settle(pilot)
        await cursor_to(pilot, incident_id)
        revily.faults.add(
            "status", status=422, path="/acknowledge$", body={"errors": {"state": ["is locked"]}}
        )
        await pilot.press("a")  # queued, and sent at once by the App's own sync loop
        await until(lambda: any(n.startswith("oncall refused") for n in notifications(app)))
        [notice] = [n for n in notifications(app) if n.startswith("oncall refused")]
        short = incident_id.partition(":")[2]
        assert notice.splitlines()[:2] == [
            "oncall refused a change:",
            f"acknowledge {short} · Pager storm on the edge proxy",
        ]
        assert "is locked" in notice and "marked ✗" in notice
        await until(lambda: status_text(app).startswith("1 queued, 1 needs an answer"))

        await pilot.press("r")  # held behind the refused change: queued, not waiting
        await until(lambda: status_text(app).startswith("2 queued, 1 needs an answer"))
        assert len([n for n in notifications(app) if n.startswith("oncall refused")]) == 1
