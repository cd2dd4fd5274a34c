"""A file asked for on the detail screen is saved, and said so, also when the user goes back
to the list before it has come."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from incident_tui.config_remotes import KitehouseRemote
from incident_tui.emulators import EmulatorServer
from incident_tui.remote.kitehouse import KitehouseConnector
from incident_tui.ui.screens.list_screen import ListScreen
from tests.ui.helpers import live_app, notifications, open_detail, synced, until


async def test_a_download_is_saved_after_the_detail_is_closed(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse")
    emulator: Any = server.emulator
    rid = str(emulator.add("Flooded basement")["_id"])
    photo = tmp_path / "basement.jpg"
    photo.write_bytes(b"\xff\xd8jpeg" * 50_000)
    uploader = KitehouseConnector(KitehouseRemote(**emulator.remote_config("school")))
    try:
        await uploader.upload_attachment(await uploader.get(rid), photo)
    finally:
        await uploader.aclose()
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
