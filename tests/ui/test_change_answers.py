"""Answering a refused change or a conflict from the detail screen, over loopback HTTP to the
emulators with the App's own sync loop: retry and discard a change the remote refused; keep
mine and take theirs when the remote changed the incident under a local change. Throwing
local work away asks first, and only ``y`` says yes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from textual.widgets import Static

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import Detail
from incident_tui.ui.palette import incident_commands
from incident_tui.ui.screens.confirm import ConfirmScreen
from incident_tui.ui.screens.detail import DetailScreen
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    notifications,
    open_detail,
    press_apart,
    screen_text,
    settle,
    synced,
    until,
)


def detail_of(app: Any, incident_id: str) -> Detail | None:
    """The cached incident in full, if it is there."""
    result: Detail | None = app.services.reader.detail(incident_id)
    return result


def states(app: Any, incident_id: str) -> list[str]:
    """The states of the incident's queued changes, in order."""
    detail = detail_of(app, incident_id)
    return [c["state"] for c in detail.changes] if detail else []


def hint(app: Any, section: str) -> str:
    """The key hint in a detail section's bottom border."""
    return str(app.screen.query_one(f"#{section}", Static).border_subtitle or "")


async def refused_acknowledge(pilot: Any, app: Any, revily: Any, incident_id: str) -> None:
    """Open the incident in the detail; acknowledge it, which the Revily emulator refuses."""
    await until(lambda: synced(app) and detail_of(app, incident_id) is not None)
    await open_detail(pilot, incident_id)
    assert hint(app, "detail-changes") == ""
    revily.faults.add(
        "status", status=422, path="/acknowledge$", body={"errors": {"state": ["is locked"]}}
    )
    await pilot.press("a", "s")
    await until(lambda: states(app, incident_id) == ["failed"])
    await settle(pilot)


async def test_a_refused_change_is_retried_from_the_detail(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily")
    revily: Any = server.emulator
    incident_id = f"oncall:{revily.add('Pager storm on the edge proxy')['id']}"
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await refused_acknowledge(pilot, app, revily, incident_id)
        changes = app.screen.query_one("#detail-changes", Static)
        # Words, not lines: the reason wraps at 80 columns, under its indent.
        shown = " ".join(str(changes.render()).split())
        assert "failed" in shown and "state is locked" in shown
        assert "\n  locked" in str(changes.render())
        assert hint(app, "detail-changes") == "A retry · x discard"
        alert = screen_text(app).splitlines()[1]  # said at the top, whatever the scroll
        assert alert.strip() == "Change refused: A retry · x discard"
        titles = [c.title for c in incident_commands(app, app.screen)]
        assert "Retry refused change" in titles and "Discard refused change" in titles
        assert "Keep mine (conflict)" not in titles  # no conflict here

        await pilot.press("A")  # sent again at once: no need to press s
        remote_id = incident_id.partition(":")[2]
        await until(lambda: revily.incident(remote_id)["state"] == "acknowledged")
        await until(lambda: states(app, incident_id) == [])
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert hint(app, "detail-changes") == ""
        assert any("queued again" in n for n in notifications(app))


async def test_discarding_a_refused_change_asks_and_enter_is_no_answer(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily")
    revily: Any = server.emulator
    incident_id = f"oncall:{revily.add('Pager storm on the edge proxy')['id']}"
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await refused_acknowledge(pilot, app, revily, incident_id)
        # The refused acknowledgement never happened there: the pass reads the remote's again.
        await until(
            lambda: detail_of(app, incident_id).incident["status"] == "triggered"  # type: ignore[union-attr]
        )
        assert states(app, incident_id) == ["failed"]

        await pilot.press("x")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "Discard change #" in screen_text(app) and "is locked" in screen_text(app)
        await pilot.press("enter")  # a reflex, not an answer
        await settle(pilot)
        assert app.screen is dialog and states(app, incident_id) == ["failed"]
        assert "Press y to go ahead, n to cancel." in notifications(app)

        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert states(app, incident_id) == []
        await pilot.press("s")  # the next pull still shows the remote's values
        await until(
            lambda: detail_of(app, incident_id).incident["status"] == "triggered"  # type: ignore[union-attr]
        )
        remote_id = incident_id.partition(":")[2]
        assert revily.incident(remote_id)["state"] == "triggered"


async def conflicted(pilot: Any, app: Any, aoh: Any, remote_id: str) -> str:
    """Open the incident in the detail, acknowledge it after someone resolved it on AOH
    IMS (unseen by the cache), and let the push find out: the conflict; its local id."""
    incident_id = f"ops:{remote_id}"
    await until(lambda: synced(app) and detail_of(app, incident_id) is not None)
    aoh.log.clear()
    await open_detail(pilot, incident_id)
    assert hint(app, "detail-conflict") == ""
    # Opening reads the incident again: resolve it on the remote only once that was answered.
    await until(lambda: any(e.method == "GET" and remote_id in e.path for e in list(aoh.log)))
    aoh.touch(remote_id, status="RESOLVED")
    await pilot.press("a")  # queued, and pushed at once: the push finds their change
    await until(lambda: states(app, incident_id) == ["conflict"])
    await settle(pilot)
    assert detail_of(app, incident_id).incident["conflict"]  # type: ignore[union-attr]
    return incident_id


async def test_a_conflict_is_settled_keeping_mine(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("aoh_ims")
    aoh: Any = server.emulator
    remote_id = aoh.add(name="Disk full on the file server", status="NEW")["id"]
    app = live_app(server, "ops", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        incident_id = await conflicted(pilot, app, aoh, remote_id)
        assert hint(app, "detail-conflict") == "m keep mine · T take theirs"
        # Told, too: a responder who moved on from the screen learns it did not go out.
        assert any(
            n.startswith("ops found a change in conflict with its own:") and "marked !" in n
            for n in notifications(app)
        )
        assert screen_text(app).splitlines()[1].strip() == "Conflict: m keep mine · T take theirs"
        assert aoh.row(remote_id)["status"] == "RESOLVED"  # nothing overwritten silently
        titles = [c.title for c in incident_commands(app, app.screen)]
        assert "Keep mine (conflict)" in titles and "Take theirs (conflict)" in titles

        await pilot.press("m")  # keeps local work: no question, pushed at once
        await until(lambda: aoh.row(remote_id)["status"] == "OPEN")
        await until(lambda: states(app, incident_id) == [])
        await settle(pilot)
        assert not detail_of(app, incident_id).incident["conflict"]  # type: ignore[union-attr]
        assert hint(app, "detail-conflict") == ""
        assert "Conflict" not in screen_text(app).splitlines()[1]


async def test_taking_theirs_asks_then_drops_the_local_change(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("aoh_ims")
    aoh: Any = server.emulator
    remote_id = aoh.add(name="Disk full on the file server", status="NEW")["id"]
    app = live_app(server, "ops", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        incident_id = await conflicted(pilot, app, aoh, remote_id)

        await pilot.press("T")
        dialog = app.screen
        assert isinstance(dialog, ConfirmScreen)
        assert "Take the remote's side of" in screen_text(app)
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is dialog and states(app, incident_id) == ["conflict"]
        await pilot.press("n")  # no: nothing changes
        await settle(pilot)
        assert states(app, incident_id) == ["conflict"]

        await pilot.press("T", "y")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        detail = detail_of(app, incident_id)
        assert detail is not None and not detail.incident["conflict"]
        assert detail.changes == [] and detail.incident["status"] == "resolved"
        await pilot.press("s")
        await settle(pilot)
        assert aoh.row(remote_id)["status"] == "RESOLVED"


async def test_keeping_mine_is_refused_where_the_remote_deleted_the_incident(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", sample=0)
    kitehouse: Any = server.emulator
    remote_id = str(kitehouse.add("Deleted by a colleague")["_id"])
    incident_id = f"school:{remote_id}"
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and detail_of(app, incident_id) is not None)
        kitehouse.log.clear()
        await open_detail(pilot, incident_id)
        # Opening reads the incident again: delete it on the remote only once that was read.
        await until(lambda: any(e.method == "GET" and remote_id in e.path for e in kitehouse.log))
        del kitehouse.incidents[remote_id]
        kitehouse.changed()
        await pilot.press("a")  # pushed at once: the remote no longer has it
        await until(
            lambda: bool(detail_of(app, incident_id).incident["remote_deleted"])  # type: ignore[union-attr]
        )
        await settle(pilot)

        assert "keep mine" not in screen_text(app)  # not offered
        await press_apart(pilot, "m")
        await settle(pilot)
        assert any(
            "deleted on the remote" in n and "take theirs" in n for n in notifications(app)
        )
        assert not any(n.startswith("Kept your change") for n in notifications(app))
        detail = detail_of(app, incident_id)
        assert detail is not None and detail.incident["conflict"]
        assert states(app, incident_id) == ["failed"]

        await pilot.press("T")
        await settle(pilot)
        assert "dropped: acknowledge" in screen_text(app)  # named, though refused
        await pilot.press("y")
        await until(lambda: detail_of(app, incident_id) is None)
        await settle(pilot)
        assert not isinstance(app.screen, DetailScreen)


async def test_the_answers_say_why_when_there_is_nothing_to_answer(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")  # nothing refused, no conflict
        for key, reason in (
            ("A", "No refused change of this incident to retry."),
            ("x", "No refused change of this incident to discard."),
            ("m", "This incident has no conflict to settle."),
            ("T", "This incident has no conflict to settle."),
        ):
            shown = [n.identity for n in app._notifications]
            await press_apart(pilot, key)
            await settle(pilot)
            assert isinstance(app.screen, DetailScreen)
            new = [n.message for n in app._notifications if n.identity not in shown]
            assert new == [reason], key


async def test_a_refused_delete_shows_in_the_list_and_is_retried_from_the_detail(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("revily")
    revily: Any = server.emulator
    remote_id = revily.add("Pager storm on the edge proxy")["id"]
    incident_id = f"oncall:{remote_id}"
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and detail_of(app, incident_id) is not None)
        revily.faults.add(
            "status", status=422, method="DELETE", times=-1,
            body={"errors": {"base": ["only administrators may delete incidents"]}},
        )
        await settle(pilot)
        await cursor_to(pilot, incident_id)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")  # queued, hidden, and pushed at once: refused
        await until(lambda: states(app, incident_id) == ["failed"])
        await settle(pilot)
        # Still there on the remote: back in the list, marked, for the user to open it.
        rows = [incidents(app).row_at(i) for i in range(incidents(app).total)]
        [row] = [r for r in rows if r is not None and r.id == incident_id]
        assert row.failed
        assert "1 needs an answer" in screen_text(app)

        revily.faults.clear()
        await open_detail(pilot, incident_id)
        await pilot.press("A")  # hidden again, sent at once, and back to the list
        await until(lambda: remote_id not in revily.incidents)
        await until(lambda: detail_of(app, incident_id) is None)
        await settle(pilot)
        assert not isinstance(app.screen, DetailScreen)
        assert all(
            r is None or r.id != incident_id
            for r in (incidents(app).row_at(i) for i in range(incidents(app).total))
        )
