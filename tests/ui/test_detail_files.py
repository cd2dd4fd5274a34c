"""A file asked for on the detail screen is saved, and said so, also when the user goes back
to the list before it has come; a slow one (an attachment, a PDF report) says how far it has
come, and quitting while it comes asks first (it would be dropped)."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from incident_tui.config_remotes import KitehouseRemote
from incident_tui.emulators import EmulatorServer
from incident_tui.remote.kitehouse import KitehouseConnector
from incident_tui.ui import transfers
from incident_tui.ui.screens.confirm import ConfirmScreen
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import (
    live_app,
    notifications,
    open_detail,
    press_apart,
    screen_text,
    synced,
    until,
)

BLOB = r"^/_blob/"
"""Where the Kitehouse emulator serves an attachment's bytes (its storage)."""


async def with_photo(server: EmulatorServer, tmp_path: Path) -> tuple[str, Path]:
    """A Kitehouse incident with one attachment, ``basement.jpg`` (293.0 KB), uploaded as
    another user would: the incident's remote id and the photo."""
    emulator: Any = server.emulator
    rid = str(emulator.add("Flooded basement")["_id"])
    photo = tmp_path / "basement.jpg"
    photo.write_bytes(b"\xff\xd8jpeg" * 50_000)
    uploader = KitehouseConnector(KitehouseRemote(**emulator.remote_config("school")))
    try:
        await uploader.upload_attachment(await uploader.get(rid), photo)
    finally:
        await uploader.aclose()
    return rid, photo


async def test_a_download_is_saved_after_the_detail_is_closed(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    emulator: Any = server.emulator
    rid, photo = await with_photo(server, tmp_path)
    # The file's link takes a while to come: time enough to leave the screen first.
    emulator.faults.add("delay", delay=1.0, method="GET", path=r"/attachments/download$")
    app = live_app(server, "school", tmp_path)
    saved = tmp_path / "downloads" / "basement.jpg"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{rid}")
        await pilot.press("D")  # its only attachment: nothing to choose
        await pilot.press("escape")
        assert isinstance(app.screen, ListScreen)
        await until(lambda: str(saved) in notifications(app), limit=10)  # "Downloaded"
    assert saved.read_bytes() == photo.read_bytes()


async def test_a_slow_download_says_how_far_it_has_come(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("kitehouse")
    rid, photo = await with_photo(server, tmp_path)
    # Its bytes come in ten pieces over 2.7 s; a notice every 0.5 s rather than every 4.
    server.emulator.faults.add("slow", delay=0.3, method="GET", path=BLOB)
    monkeypatch.setattr(transfers, "NOTICE_EVERY", 0.5)
    app = live_app(server, "school", tmp_path)
    saved = tmp_path / "downloads" / "basement.jpg"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{rid}")
        await pilot.press("D")
        await until(lambda: str(saved) in notifications(app), limit=15)
        said = [
            re.fullmatch(r"Downloading basement\.jpg: [0-9.]+ KB of 293\.0 KB \(([0-9]+)%\)", n)
            for n in notifications(app)
            if n.startswith("Downloading basement.jpg: ") and "waiting for" not in n
        ]
    assert said and all(said), notifications(app)
    shares = [int(match[1]) for match in said if match]
    assert 0 < shares[0] < 100 and shares == sorted(shares)
    assert saved.read_bytes() == photo.read_bytes()


async def test_a_download_says_it_waits_for_the_remote_before_its_first_byte(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("kitehouse")
    rid, photo = await with_photo(server, tmp_path)
    # The file's link is slow to come: after "Downloading basement.jpg…" (2 s), nothing was
    # said until its bytes came.
    server.emulator.faults.add("delay", delay=1.5, method="GET", path=r"/attachments/download$")
    monkeypatch.setattr(transfers, "NOTICE_EVERY", 0.3)
    app = live_app(server, "school", tmp_path)
    saved = tmp_path / "downloads" / "basement.jpg"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{rid}")
        await pilot.press("D")
        waiting = "Downloading basement.jpg: waiting for school…"
        await until(lambda: waiting in notifications(app), limit=10)
        assert not saved.exists()
        await until(lambda: str(saved) in notifications(app), limit=15)
    assert saved.read_bytes() == photo.read_bytes()


async def test_a_slow_pdf_report_says_how_far_it_has_come(
    serve: Callable[..., EmulatorServer], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = serve("kitehouse")
    emulator: Any = server.emulator
    rid = str(emulator.add("Flooded basement")["_id"])
    # Its bytes come in ten pieces over 1.35 s; a notice every 0.25 s.
    server.emulator.faults.add("slow", delay=0.15, method="GET", path=r"/export$")
    monkeypatch.setattr(transfers, "NOTICE_EVERY", 0.25)
    app = live_app(server, "school", tmp_path)
    saved = tmp_path / "downloads" / f"school-{rid}.pdf"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{rid}")
        await pilot.press("p")
        await until(lambda: str(saved) in notifications(app), limit=15)  # "PDF saved"
        shape = rf"Downloading school-{rid}\.pdf: [0-9.]+ K?B of [0-9.]+ K?B \(([0-9]+)%\)"
        said = [
            re.fullmatch(shape, n)
            for n in notifications(app)
            if n.startswith("Downloading school-") and "waiting for" not in n
        ]
    assert said and all(said), notifications(app)
    assert saved.read_bytes().startswith(b"%PDF-")


async def test_quitting_while_a_download_comes_asks_first(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    rid, _ = await with_photo(server, tmp_path)
    server.emulator.faults.add("slow", delay=2.0, method="GET", path=BLOB, times=-1)
    app = live_app(server, "school", tmp_path)
    downloads = tmp_path / "downloads"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await open_detail(pilot, f"school:{rid}")
        await pilot.press("D")
        await until(lambda: bool(app.running_transfers()))
        await pilot.press("q")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        asked = screen_text(app)
        assert "Quit and drop what is still being saved?" in asked
        assert "basement.jpg" in asked
        await pilot.press("n")  # no: the download goes on, the app too
        await until(lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.is_running and app.running_transfers()
        await pilot.press("q")
        await until(lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await until(lambda: not app.is_running)
    # Dropped whole: no file, and no half-written temporary one.
    assert not downloads.exists() or list(downloads.iterdir()) == []


async def test_quitting_with_nothing_being_saved_asks_nothing(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", sample=3)
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await pilot.press("q")
        await until(lambda: not app.is_running)


async def test_a_oneuptime_notes_file_is_not_offered_for_download(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("oneuptime", sample=0)
    emulator: Any = server.emulator
    noted = emulator.add("Disk full on db-2")
    note = emulator.add_note(noted["_id"], "see the log")
    emulator.attach_file(note["_id"], "error.log", b"boom\n", "text/plain")
    both = emulator.add("Checkout errors")
    other = emulator.add_note(both["_id"], "trace")
    emulator.attach_file(other["_id"], "trace.txt", b"trace\n", "text/plain")
    emulator.attach_file(both["_id"], "postmortem.pdf", b"%PDF-1.4 report", "application/pdf")
    app = live_app(server, "status", tmp_path)
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        await until(lambda: synced(app))
        screen = await open_detail(pilot, f"status:{noted['_id']}")
        [file] = screen.detail.attachments
        assert file["name"].startswith("error.log (internal note") and file["remote_id"]
        # Before, the section and the footer offered "D download" for the note's file.
        assert "D download" not in screen._hint(("download_attachment", "download"))
        emulator.log.clear()
        await press_apart(pilot, "D")
        # Said at once, without asking the server (three requests before).
        assert notifications(app)[-1] == (
            "OneUptime has no download route for a note's files (only postmortem files can "
            "be saved)."
        )
        assert emulator.log == []
        await press_apart(pilot, "escape")
        await until(lambda: isinstance(app.screen, ListScreen))

        # With a postmortem file too: that one is the only one offered, so it is saved as is.
        await open_detail(pilot, f"status:{both['_id']}")
        await pilot.press("D")
        saved = tmp_path / "downloads" / "postmortem.pdf"
        await until(lambda: str(saved) in notifications(app), limit=10)
    assert saved.read_bytes() == b"%PDF-1.4 report"
