"""What only some systems do, from the detail screen, over loopback HTTP to the emulators:
Kitehouse attachments (upload, download, delete) and PDF export, OneUptime public notes,
AOH IMS attributes, overdue updates and comment deletion; the error paths of downloads and
exports; which actions each kind offers; and a snapshot of every kind's detail at 80x24.

The live tests run the real App with its sync loop against an emulator on a free port, press
the keys a user would, then check both the cache and the emulator's own state.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from textual.content import Content
from textual.pilot import Pilot
from textual.widgets import Checkbox, Input, OptionList, Select, Static

from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from incident_tui.store.reader import Detail
from incident_tui.ui.screens.attribute import AttributeScreen
from incident_tui.ui.screens.choose import ChooseScreen
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.screens.detail import DetailScreen
from incident_tui.ui.screens.path_prompt import PathPromptScreen
from incident_tui.ui.widgets.comment_pages import CommentPages
from tests.ui.conftest import NOW
from tests.ui.helpers import (
    live_app,
    notifications,
    open_detail,
    screen_text,
    settle,
    synced,
    until,
)

# Helpers ------------------------------------------------------------------------------------


async def sync_now(pilot: Pilot[Any], app: Any, done: Callable[[], bool]) -> None:
    """Press the sync key and wait until ``done`` (what the push should have achieved)."""
    await pilot.press("s")
    await until(done)
    await settle(pilot)


def details(app: Any) -> list[Detail]:
    """Every cached incident in full."""
    reader = app.services.reader
    found = [reader.detail(row.id) for row in reader.all_rows(ListQuery())]
    return [d for d in found if d is not None]


def detail_of(app: Any, incident_id: str) -> Detail:
    """One cached incident in full (it must be there)."""
    found = app.services.reader.detail(incident_id)
    assert found is not None, incident_id
    return found


def outbox_ops(app: Any, incident_id: str) -> list[str]:
    """The queued changes of one incident, by operation."""
    return [c["op"] for c in detail_of(app, incident_id).changes]


def files(folder: Path) -> list[Path]:
    """Everything in ``folder`` (hidden temporary files included); none if it is missing."""
    return sorted(folder.iterdir()) if folder.exists() else []


def write(path: Path, data: bytes) -> Path:
    """Create a local file to upload."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def section(app: Any, section_id: str) -> Content:
    """The content a detail section shows."""
    content = app.screen.query_one(f"#{section_id}", Static).content
    assert isinstance(content, Content)
    return content


def styles_of(content: Content, text: str) -> list[str]:
    """The styles of every span covering the first occurrence of ``text``."""
    start = content.plain.index(text)
    return [str(s.style) for s in content.spans if s.start <= start < s.end]


# Kitehouse: attachments and PDF ---------------------------------------------------------------


async def test_upload_is_checked_then_queued_then_pushed(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=4)
    app = live_app(kite, "school", tmp_path)
    evidence = write(tmp_path / "evidence" / "site photo.jpg", b"\xff\xd8 a photo")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = details(app)[0].incident["id"]
        before = len(detail_of(app, incident_id).attachments)
        await open_detail(pilot, incident_id)

        await pilot.press("u")
        assert isinstance(app.screen, PathPromptScreen)
        box = app.screen.query_one(Input)
        for typed, complaint in (
            (str(tmp_path / "missing.jpg"), "No such file"),
            (str(tmp_path / "evidence"), "is a folder"),
            ("", "Type the path"),
        ):
            box.value = typed
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, PathPromptScreen)
            assert complaint in str(app.screen.query_one("#path-error", Static).render())
        assert outbox_ops(app, incident_id) == []  # nothing queued by a bad path

        box.value = f"'{evidence}'"  # pasted with quotes, as terminals do
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        # Queued, and sent at once (the sync of its remote is woken): pending only briefly.
        assert "Queued: attached a file to 1 incident" in notifications(app)
        assert "site photo.jpg" in screen_text(app)

        def pushed() -> bool:
            return ("image/jpeg", b"\xff\xd8 a photo") in kite.emulator.blobs.values()  # type: ignore[attr-defined]

        await sync_now(pilot, app, lambda: pushed() and not outbox_ops(app, incident_id))
        remote_id = incident_id.split(":", 1)[1]
        names = [a["name"] for a in kite.emulator.incident(remote_id)["attachments"]]  # type: ignore[attr-defined]
        assert "site photo.jpg" in names
        attachments = detail_of(app, incident_id).attachments
        assert len(attachments) == before + 1 and not any(a["pending"] for a in attachments)


async def test_download_saves_under_a_safe_name_and_pdf_export(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=4)
    app = live_app(kite, "school", tmp_path)
    downloads = tmp_path / "downloads"
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        hostile = next(
            d for d in details(app) if any(a["name"] == "../../.bashrc" for a in d.attachments)
        )
        incident_id = hostile.incident["id"]
        await open_detail(pilot, incident_id)
        assert "D download" in screen_text(app)  # the section says how

        await pilot.press("D")  # one attachment: no question asked
        await until(lambda: any(not p.name.startswith(".incident-tui") for p in files(downloads)))
        await settle(pilot)
        saved = files(downloads)
        assert [p.name for p in saved] == ["bashrc"]  # no "..", no "/", not hidden
        assert saved[0].read_bytes().startswith(b"sample attachment '../../.bashrc'")
        assert not (tmp_path / ".bashrc").exists()
        assert any(str(saved[0]) in n for n in notifications(app))

        await pilot.press("p")
        await until(lambda: any(p.suffix == ".pdf" for p in files(downloads)))
        await settle(pilot)
        pdf = next(p for p in files(downloads) if p.suffix == ".pdf")
        assert pdf.read_bytes().startswith(b"%PDF-")
        assert any(str(pdf) in n for n in notifications(app))


@pytest.mark.parametrize(
    ("status", "what"),
    [(404, "download"), (500, "download"), (403, "export"), (503, "export")],
)
async def test_failed_download_or_export_says_so_and_leaves_nothing(
    serve: Callable[..., EmulatorServer], tmp_path: Path, status: int, what: str
) -> None:
    kite = serve("kitehouse", sample=4)
    app = live_app(kite, "school", tmp_path)
    downloads = tmp_path / "downloads"
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = next(d for d in details(app) if d.attachments).incident["id"]
        await open_detail(pilot, incident_id)
        # Retry-After 0: the client retries 5xx at once, so the test does not wait on backoff.
        path = "^/_blob/" if what == "download" else "/export$"
        kite.emulator.faults.add(  # type: ignore[attr-defined]
            "status",
            status=status,
            path=path,
            times=-1,
            retry_after="0",
            body={"statusCode": status, "error": "Boom", "message": "[b]storage[/b] \x1b[2J down"},
        )
        await pilot.press("D" if what == "download" else "p")
        await until(
            lambda: any(
                n.startswith("[b]storage[/b]") or str(status) in n for n in notifications(app)
            )
        )
        await settle(pilot)
        errors = [n for n in app._notifications if n.severity == "error"]
        assert len(errors) == 1
        assert errors[0].title.startswith("Cannot ")
        assert not errors[0].markup and "\x1b" not in errors[0].message
        assert files(downloads) == []  # no partial or temporary file either
        assert isinstance(app.screen, DetailScreen)


async def test_delete_attachment_asks_then_sync_removes_it(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    kite = serve("kitehouse", sample=4)
    app = live_app(kite, "school", tmp_path)
    extra = write(tmp_path / "notes.txt", b"second file")
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = next(d for d in details(app) if d.attachments).incident["id"]
        remote_id = incident_id.split(":", 1)[1]
        original = detail_of(app, incident_id).attachments[0]["name"]
        app.ctx.intents.attach(incident_id, extra, "text/plain")  # a second one to choose from
        await settle(pilot)
        await sync_now(pilot, app, lambda: not outbox_ops(app, incident_id))
        await open_detail(pilot, incident_id)

        await pilot.press("X")
        assert isinstance(app.screen, ChooseScreen)  # two attachments: which one?
        await pilot.press("down", "enter")  # the second: notes.txt
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        assert "notes.txt" in screen_text(app)
        await pilot.press("n")
        await settle(pilot)
        assert len(detail_of(app, incident_id).attachments) == 2  # no: nothing happens

        await pilot.press("X", "down", "enter", "y")
        await settle(pilot)
        assert [a["name"] for a in detail_of(app, incident_id).attachments] == [original]
        assert "Queued: deleted an attachment of 1 incident" in notifications(app)

        def remote_names() -> list[str]:
            return [a["name"] for a in kite.emulator.incident(remote_id)["attachments"]]  # type: ignore[attr-defined]

        await sync_now(pilot, app, lambda: remote_names() == [original])
        assert not outbox_ops(app, incident_id)


# OneUptime: public notes ----------------------------------------------------------------------


async def test_public_note_reaches_oneuptime_as_public(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    status = serve("oneuptime", sample=3)
    app = live_app(status, "status", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = details(app)[0].incident["id"]
        remote_id = incident_id.split(":", 1)[1]
        await open_detail(pilot, incident_id)

        await pilot.press("c")
        assert isinstance(app.screen, CommentScreen)
        app.screen.query_one("#comment-body").insert("We are investigating.")  # type: ignore[attr-defined]
        assert "▐ ▌ Public note" in screen_text(app)  # unticked: an empty box
        await pilot.press("tab", "space")  # keyboard only: to the checkbox, tick it
        assert app.screen.query_one("#comment-public", Checkbox).value is True
        assert "▐X▌ Public note" in screen_text(app)
        await pilot.press("ctrl+s")
        await settle(pilot)
        mine = detail_of(app, incident_id).comments[-1]
        assert mine["body"] == "We are investigating." and mine["visibility"] == "public"
        comments = app.screen.query_one("#detail-comments", CommentPages).content
        assert "● public" in comments.plain
        assert any("$warning" in s for s in styles_of(comments, "● public"))

        def public_notes() -> list[str]:
            rows = status.emulator.tables["incident-public-note"].rows.values()  # type: ignore[attr-defined]
            return [r["note"] for r in rows if r["incidentId"] == remote_id]

        await sync_now(pilot, app, lambda: "We are investigating." in public_notes())
        internal = status.emulator.tables["incident-internal-note"].rows.values()  # type: ignore[attr-defined]
        assert "We are investigating." not in [r["note"] for r in internal]
        assert not detail_of(app, incident_id).comments[-1]["pending"]


async def test_delete_picker_tells_a_public_note_from_an_internal_one(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    """The same update written as an internal and as a public note made two lines alike in
    the picker, so which one left the status page was a guess; the picker marks the public
    one as the comments section does."""
    status = serve("oneuptime", sample=1)
    app = live_app(status, "status", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = details(app)[0].incident["id"]
        await open_detail(pilot, incident_id)
        for keys in ((), ("tab", "space")):
            await pilot.press("c")
            app.screen.query_one("#comment-body").insert("Fix rolling out.")  # type: ignore[attr-defined]
            await pilot.press(*keys, "ctrl+s")
            await settle(pilot)
        await sync_now(pilot, app, lambda: not detail_of(app, incident_id).changes)

        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        mine = [line for line in _choices(app) if "Fix rolling out." in line]
        assert ["● public" in line for line in mine] == [False, True]


async def test_delete_picker_tells_a_comment_not_sent_yet(make_app: Any) -> None:
    """Deleting a comment not sent yet cancels it, one the remote has is deleted there: the
    picker marks the first as the comments section does."""
    app = make_app()
    async with app.run_test(size=(100, 40)) as pilot:
        incident_id = "school:r001"
        await open_detail(pilot, incident_id)
        await pilot.press("c")
        app.screen.query_one("#comment-body").insert("Gate locked again.")  # type: ignore[attr-defined]
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert detail_of(app, incident_id).comments[-1]["pending"]

        await pilot.press("C")
        await settle(pilot)
        assert isinstance(app.screen, ChooseScreen)
        lines = _choices(app)
        pending = [bool(c["pending"]) for c in detail_of(app, incident_id).comments]
        assert False in pending and ["↑ pending" in line for line in lines] == pending
        assert "↑ pending" in lines[-1] and "Gate locked again." in lines[-1]


def _choices(app: Any) -> list[str]:
    """The lines of the picker on screen."""
    options = app.screen.query_one(OptionList)
    return [str(options.get_option_at_index(n).prompt) for n in range(options.option_count)]


async def test_public_toggle_only_where_the_kind_has_public_notes(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        for incident_id, offered in (("status:r008", True), ("school:r005", False)):
            await open_detail(pilot, incident_id)
            await pilot.press("c")
            assert isinstance(app.screen, CommentScreen)
            assert bool(app.screen.query("#comment-public")) is offered
            await pilot.press("escape", "escape")
            await settle(pilot)


# AOH IMS: attributes, next_update, comment deletion -------------------------------------------


async def test_attribute_is_checked_queued_and_synced(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    ops = serve("aoh_ims", sample=4)
    app = live_app(ops, "ops", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = details(app)[0].incident["id"]
        remote_id = incident_id.split(":", 1)[1]
        await open_detail(pilot, incident_id)

        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, AttributeScreen)
        select = screen.query_one("#attr-defined", Select)
        await until(lambda: not select.disabled)  # the definitions came from the remote
        assert set(screen.types) >= {"count", "isPending", "workflowId"}
        select.value = "count"
        await pilot.pause()
        assert screen.query_one("#attr-name", Input).value == "count"
        value = screen.query_one("#attr-value", Input)
        value.value = "lots"
        await pilot.press("ctrl+s")
        assert app.screen is screen  # a NUMBER refuses words
        assert "NUMBER" in str(screen.query_one("#attr-note", Static).render())
        screen.query_one("#attr-name", Input).value = "colour"
        value.value = "red"
        await pilot.press("ctrl+s")
        assert app.screen is screen  # not defined on this remote
        screen.query_one("#attr-name", Input).value = "count"
        value.value = "42"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert detail_of(app, incident_id).incident["custom_fields"]["count"] == 42
        assert "Queued: set an attribute on 1 incident" in notifications(app)
        assert "Attributes" in screen_text(app) and "42" in section(app, "detail-custom").plain

        def remote_count() -> Any:
            return (ops.emulator.row(remote_id) or {}).get("attributes", {}).get("count")  # type: ignore[attr-defined]

        await sync_now(
            pilot, app, lambda: remote_count() == 42 and not outbox_ops(app, incident_id)
        )


async def test_attribute_named_with_odd_spacing_is_set_under_its_own_name(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # The dialog shows names cleaned to one line; what it queues must still be the name the
    # remote defined, or the remote refuses the value of an attribute it does not know.
    name = "Shift  lead\t"
    ops = serve("aoh_ims", sample=2)
    app = live_app(ops, "ops", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = details(app)[0].incident["id"]
        remote_id = incident_id.split(":", 1)[1]
        headers = {"Authorization": f"Bearer {ops.emulator.remote_config('ops')['token']}"}
        async with httpx.AsyncClient(base_url=ops.url, headers=headers) as http:
            made = await http.post(
                "/v1/incident/attributes", json={"name": name, "type": "STRING"}
            )
            assert made.status_code == 201, made.text
            path = f"/v1/incident/{remote_id}/attributes"
            set_now = await http.post(path, json={"name": name, "value": "Ana"})
            assert set_now.status_code == 201, set_now.text
        await pilot.press("s")
        await until(lambda: detail_of(app, incident_id).incident["custom_fields"].get(name))
        await open_detail(pilot, incident_id)

        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, AttributeScreen)
        select = screen.query_one("#attr-defined", Select)
        await until(lambda: not select.disabled)
        select.focus()
        await pilot.press("enter", "down", "enter")  # the first defined one, as sorted
        await pilot.pause()
        assert screen.query_one("#attr-name", Input).value == "Shift lead"  # shown on one line
        value = screen.query_one("#attr-value", Input)
        assert value.value == "Ana"  # its current value, found under its own name
        value.value = "Ben"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert detail_of(app, incident_id).incident["custom_fields"][name] == "Ben"

        def remote_value() -> Any:
            return ((ops.emulator.row(remote_id) or {}).get("attributes") or {}).get(name)  # type: ignore[attr-defined]

        await sync_now(pilot, app, lambda: remote_value() == "Ben")
        assert not outbox_ops(app, incident_id)


async def test_attribute_offline_takes_a_free_name(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    ops = serve("aoh_ims", sample=2)
    app = live_app(ops, "ops", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        incident_id = details(app)[0].incident["id"]
        await open_detail(pilot, incident_id)
        ops.emulator.faults.add(  # type: ignore[attr-defined]
            "status", status=503, path="/attributes$", times=-1, retry_after="0"
        )
        await pilot.press("t")
        screen = app.screen
        assert isinstance(screen, AttributeScreen)
        note = screen.query_one("#attr-note", Static)
        await until(lambda: "Could not read" in str(note.render()))
        screen.query_one("#attr-name", Input).value = "shift"
        screen.query_one("#attr-value", Input).value = "night"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert detail_of(app, incident_id).incident["custom_fields"]["shift"] == "night"


async def test_overdue_next_update_is_highlighted(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    from incident_tui.domain.mapping import parse_time

    ops = serve("aoh_ims", sample=20)
    app = live_app(ops, "ops", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        promised = {
            d.incident["id"]: parse_time(d.incident["extra"]["next_update"])
            for d in details(app)
            if d.incident["extra"].get("next_update")
        }
        late = next(i for i, when in promised.items() if when and when < NOW)
        due = next(i for i, when in promised.items() if when and when > NOW)

        await open_detail(pilot, late)
        kind = section(app, "detail-kind")
        assert "Next update" in kind.plain and "overdue by" in kind.plain
        assert any("$error" in s for s in styles_of(kind, "overdue by"))
        assert "update overdue" in str(app.screen.query_one("#detail-heading", Static).render())

        await pilot.press("escape")
        await open_detail(pilot, due)
        kind = section(app, "detail-kind")
        assert "due in" in kind.plain and "overdue" not in kind.plain
        assert not any("$error" in s for s in styles_of(kind, "due in"))


async def test_comment_delete_asks_then_sync_removes_it(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    from incident_tui.emulators.aoh_ims_data import DEFAULT_TENANT

    ops = serve("aoh_ims", sample=6)
    app = live_app(ops, "ops", tmp_path)
    async with app.run_test(size=(100, 40)) as pilot:
        await until(lambda: synced(app))
        target = next(d for d in details(app) if d.comments)
        incident_id = target.incident["id"]
        remote_id = incident_id.split(":", 1)[1]
        victim = target.comments[0]
        await open_detail(pilot, incident_id)

        await pilot.press("C")
        if len(target.comments) > 1:
            assert isinstance(app.screen, ChooseScreen)
            await pilot.press("enter")  # the first (oldest) comment
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("y")
        await settle(pilot)
        left = [c["remote_id"] for c in detail_of(app, incident_id).comments]
        assert victim["remote_id"] not in left
        assert "Queued: deleted a comment on 1 incident" in notifications(app)

        def remote_comments() -> list[str]:
            stored = ops.emulator.tenant(DEFAULT_TENANT).comments.get(remote_id, {})  # type: ignore[attr-defined]
            return list(stored)

        await sync_now(pilot, app, lambda: victim["remote_id"] not in remote_comments())


# Which actions each kind offers ---------------------------------------------------------------


async def test_kind_specific_actions_and_palette(make_app: Any) -> None:
    app = make_app()
    expected = {
        # incident: actions offered (True), greyed (None) or hidden (False)
        "school:r001": {
            "download_attachment": True,
            "upload_attachment": True,
            "delete_attachment": True,
            "export_pdf": True,
            "set_attribute": False,
            "delete_comment": True,
        },
        "school:r005": {
            "download_attachment": None,
            "delete_attachment": None,
            "delete_comment": None,
            "upload_attachment": True,
        },
        "ops:r009": {"download_attachment": False, "export_pdf": False, "set_attribute": True},
        "oncall:r002": {
            "download_attachment": False,
            "export_pdf": False,
            "set_attribute": False,
            "delete_comment": False,
        },
        # OneUptime: postmortem files can be downloaded, but nothing uploaded or deleted.
        "status:r008": {
            "export_pdf": False,
            "set_attribute": False,
            "download_attachment": None,
            "upload_attachment": False,
            "delete_attachment": False,
        },
    }
    async with app.run_test(size=(80, 24)) as pilot:
        for incident_id, actions in expected.items():
            screen = await open_detail(pilot, incident_id)
            for action, state in actions.items():
                assert screen.check_action(action, ()) is state, (incident_id, action)
            titles = {c.title for c in app.get_system_commands(screen)}
            assert ("Download attachment" in titles) is (incident_id == "school:r001")
            assert ("Set attribute" in titles) is (incident_id == "ops:r009")
            await pilot.press("escape")
        await settle(pilot)
        await pilot.press("question_mark")
        help_text = screen_text(app)
        # The kinds named in the help come from the capability table.
        assert "download a file (Kitehouse, OneUptime)" in help_text
        assert "add or change an attribute (AOH IMS)" in help_text


async def test_upload_works_offline_and_refuses_bad_paths(
    make_app: Any, db_path: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "folder"
    folder.mkdir()
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("u")
        box = app.screen.query_one(Input)
        box.value = str(folder)
        await pilot.press("enter")
        assert "is a folder" in str(app.screen.query_one("#path-error", Static).render())
        box.value = "/dev/null"
        await pilot.press("enter")
        assert "not a regular file" in str(app.screen.query_one("#path-error", Static).render())
        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, DetailScreen)
        assert outbox_ops(app, "school:r005") == []


# Snapshots ----------------------------------------------------------------------------------

KIND_DATA: dict[str, dict[str, Any]] = {
    "school:r001": {
        "extra": {
            "urn": "1001",
            "priority": "High",
            "source": "Staff report",
            "chargeable": False,
            "people_involved": [
                {
                    "name": "Mei Chen",
                    "type": "student",
                    "section": "Year 9",
                    "location": "Boarding",
                    "student_id": "S10236",
                    "flags": ["SEN"],
                    "welfare_flag": True,
                },
                {"name": "Visiting Contractor", "type": "visitor", "location": "Day"},
            ],
            "staff": [{"name": "Giulia Bianchi", "type": "staff", "job_title": "Bursar"}],
            "location": "building B",
        }
    },
    "safety:r011": {
        "extra": {
            "office_name": "Warehouse North",
            "project_name": "ACME Logistica S.p.A.",
            "involved_people": ["Ivan Garcia (2 sickness days)", "Mara Rossi"],
            "involved_resources": ["Forklift FL-3 (vehicle)"],
            "involved_actions": ["CA-12 Replace the guard rail", "CA-13 Retrain drivers"],
            "totInvolvedPerson": 2,
            "totSicknessDays": 2,
        },
        "raw": {"date_closed": "2026-11-21", "office_incident_id": "r011"},
    },
    "oncall:r002": {
        "extra": {
            "key": "db-primary/connection-pool",
            "service": "Fx3kLs9B",
            "escalation policy rule": "/policies/Fa8cWq2E/rules/Rw6hTy4C",
            "links": {"self": "/incidents/r002"},
        }
    },
    "status:r008": {
        "extra": {
            "state": "Resolved",
            "labels": ["database", "p1"],
            "monitors": ["api-eu", "db-eu"],
            "visible on status page": True,
            "root cause": "Connection pool sized for last year's traffic.",
            "postmortem": "A configuration change rolled out without a canary.",
        }
    },
    "ops:r009": {
        "extra": {
            "next_update": "2026-11-22T11:25:00Z",
            "type": "SYSTEM_FAILURE",
            "location": "eu-west-1",
            "created_by": "Ben Okafor",
        },
        "custom_fields": {"count": 22, "isPending": True},
    },
}
NOTES = [
    ("n1", "Farah Khan", "Customers see errors on checkout.", 50, "public"),
    ("n2", "Ben Okafor", "Pool resized, watching.", 40, "internal"),
]


def enrich(db: Path) -> None:
    """Give one incident of each kind the remote fields its system is known for."""
    conn = sqlite3.connect(db, isolation_level=None)
    for incident_id, columns in KIND_DATA.items():
        for column, value in columns.items():
            conn.execute(
                f"UPDATE incident SET {column} = ? WHERE id = ?", [json.dumps(value), incident_id]
            )
    for remote_id, author, body, minutes, visibility in NOTES:
        at = (NOW - timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%S.000000Z")
        conn.execute(
            "INSERT INTO comment (incident_id, remote_id, author, body, created_at, visibility,"
            " pending) VALUES ('status:r008', ?, ?, ?, ?, ?, 0)",
            [remote_id, author, body, at, visibility],
        )
    conn.close()


def show_kind_section(incident_id: str) -> Callable[[Pilot[Any]], Any]:
    """A run_before that opens the incident and scrolls its kind's section to the top."""

    async def run(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        app = pilot.app
        app.push_screen(DetailScreen(app.ctx, incident_id))
        await settle(pilot)
        body = app.screen.query_one("#detail-body")
        body.scroll_to_widget(app.screen.query_one("#detail-kind"), animate=False, top=True)
        await pilot.pause()

    return run


@pytest.mark.parametrize("incident_id", list(KIND_DATA))
def test_snapshot_kind_section(
    snap_compare: Any, make_app: Any, db_path: Path, incident_id: str
) -> None:
    enrich(db_path)
    app = make_app()
    assert snap_compare(app, terminal_size=(80, 24), run_before=show_kind_section(incident_id))


async def test_kind_sections_read_well(make_app: Any, db_path: Path) -> None:
    enrich(db_path)
    app = make_app()
    expected: dict[str, tuple[str, list[tuple[str, str]]]] = {
        # incident: (section title, [(label, what its line says)])
        "school:r001": (
            "Kitehouse",
            [
                ("People involved", "Mei Chen  student · Year 9 · Boarding · S10236"),
                ("People involved", "welfare flag"),
                ("", "Visiting Contractor  visitor · Day"),
                ("Staff", "Giulia Bianchi  staff · Bursar"),
                ("Source", "Staff report"),
                ("Chargeable", "no"),
            ],
        ),
        "safety:r011": (
            "4HSE",
            [
                ("Office", "Warehouse North"),
                ("Project", "ACME Logistica S.p.A."),
                ("Date closed", "2026-11-21"),
                ("People involved", "Ivan Garcia"),
                ("", "Mara Rossi"),
                ("Resources", "Forklift FL-3 (vehicle)"),
                ("Corrective actions", "CA-12 Replace the guard rail"),
                ("", "CA-13 Retrain drivers"),
            ],
        ),
        "oncall:r002": (
            "Revily",
            [
                ("Dedup key", "db-primary/connection-pool"),
                ("Escalation rule", "/policies/Fa8cWq2E/rules/Rw6hTy4C"),
            ],
        ),
        "status:r008": (
            "OneUptime",
            [
                ("Labels", "database, p1"),
                ("Monitors", "api-eu, db-eu"),
                ("Public notes", "1 of 2"),
                ("Root cause", ""),
                ("Postmortem", ""),
            ],
        ),
        "ops:r009": (
            "AOH IMS",
            [
                ("Next update", "2026-11-22 11:25  overdue by 35m"),
                ("Type", "SYSTEM_FAILURE"),
            ],
        ),
    }
    async with app.run_test(size=(100, 60)) as pilot:
        for incident_id, (title, wanted) in expected.items():
            await open_detail(pilot, incident_id)
            kind = app.screen.query_one("#detail-kind", Static)
            assert kind.border_title == title
            shown = section(app, "detail-kind").plain.split("\n")
            for label, value in wanted:
                # Continuation lines ("") start under the first value, not at the margin.
                assert any(
                    line.startswith(label)
                    and value in line
                    and (label or line.startswith("      "))
                    for line in shown
                ), (incident_id, label, value, shown)
            remote = section(app, "detail-extra").plain
            for repeated in ("urn", "links", "state", "priority"):
                assert repeated not in remote  # shown elsewhere, not dumped again
            if incident_id == "ops:r009":
                custom = section(app, "detail-custom").plain
                assert app.screen.query_one("#detail-custom").border_title == "Attributes"
                assert "isPending     true" in custom and "count         22" in custom
            await pilot.press("escape")


# The pieces without a screen ------------------------------------------------------------------


def test_due_times_and_overdue() -> None:
    from incident_tui.ui.screens import detail_kind as render

    open_late = {"status": "triggered", "extra": {"next_update": "2026-11-22T09:30:00Z"}}
    assert render.overdue(open_late, NOW)
    assert not render.overdue({**open_late, "status": "resolved"}, NOW)  # owes nothing now
    assert not render.overdue({"status": "triggered", "extra": {}}, NOW)
    late = Content.assemble(*render.due("2026-11-22T09:30:00Z", NOW))
    assert late.plain == "2026-11-22 09:30  overdue by 2h 30m"
    soon = Content.assemble(*render.due(int((NOW + timedelta(minutes=25)).timestamp()), NOW))
    assert soon.plain == "2026-11-22 12:25  due in 25m"
    assert Content.assemble(*render.due("2026-11-22T09:30:00Z", None)).plain == "2026-11-22 09:30"
    assert render.duration(30) == "under a minute" and render.duration(3 * 86400) == "3d 00h"
    assert render.duration(3599.9) == "59m"  # a countdown never rounds up


def test_upload_path_checks(tmp_path: Path) -> None:
    from incident_tui.ui.screens.path_prompt import check_upload

    photo = write(tmp_path / "a b.jpg", b"x")
    assert check_upload(f'"{photo}"') == photo
    assert check_upload("a b.jpg", cwd=tmp_path) == photo
    assert check_upload("  ") == "Type the path of a file to upload."
    assert str(check_upload(str(tmp_path / "nope\x1b[2J"))).startswith("No such file")
    assert "\x1b" not in str(check_upload(str(tmp_path / "nope\x1b[2J")))


def test_attribute_values_follow_their_type() -> None:
    from incident_tui.domain.attributes import parse_value
    from incident_tui.ui.screens.attribute import value_as_text

    assert parse_value("42", "NUMBER") == 42 and parse_value("1.5", "NUMBER") == 1.5
    assert parse_value("yes", "BOOLEAN") is True and parse_value("false", "BOOLEAN") is False
    assert parse_value("42", "STRING") == "42"
    assert parse_value("42", None) == 42 and parse_value("night", None) == "night"
    for text, kind in (("lots", "NUMBER"), ("nan", "NUMBER"), ("maybe", "BOOLEAN"), ("", None)):
        with pytest.raises(ValueError):
            parse_value(text, kind)
    # Past the 4,300 digits int() reads: said in our words, not Python's.
    with pytest.raises(ValueError, match="type a finite number"):
        parse_value("9" * 4301, "NUMBER")
    assert value_as_text(True) == "true" and value_as_text(22) == "22"
