"""List features driven through the keys: exporting the filtered list, creating an incident
in a chosen Revily service, deleting a 4HSE incident after the server's preview, and the
list's column gaps.

The emulator tests run the real sync engine against loopback emulators, so what the dialogs
fetch and what sync pushes is what a server would see.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from incident_tui import cli
from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.domain.model import Status
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.emulators.fourhse_data import PERSONS
from incident_tui.emulators.revily_data import DEFAULT_SERVICE_ID
from incident_tui.store.reader import Reader
from incident_tui.ui.screens.confirm import ConfirmScreen, DeletePreviewScreen
from incident_tui.ui.screens.export import ExportScreen
from incident_tui.ui.screens.list_screen import ListScreen
from incident_tui.ui.screens.new_incident import NewIncidentScreen
from incident_tui.ui.widgets.incident_lines import IncidentLines
from incident_tui.ui.widgets.row_format import columns_for, header_cells, paint_row, resolve_styles
from incident_tui.ui.widgets.rows import row_view
from tests.ui.conftest import NOW
from tests.ui.helpers import (
    cursor_to,
    incidents,
    live_app,
    notifications,
    screen_text,
    settle,
    static_text,
)

STAMP = "20261122T1200Z"
"""The export name's time: the frozen clock (NOW) to the minute."""


async def _until(condition: Callable[[], bool], limit: float = 15.0) -> None:
    for _ in range(int(limit / 0.02)):
        if condition():
            return
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached")


def _files(folder: Path, pattern: str) -> list[Path]:
    return list(folder.rglob(pattern))


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    capsys.readouterr()
    assert cli.main(list(argv)) == 0
    return capsys.readouterr().out


# Export -----------------------------------------------------------------------------------


async def test_export_csv_and_json_of_the_filtered_list(
    make_app: Any, db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "exports"
    app = make_app(download_dir=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f", "space", "ctrl+s")  # only triggered incidents
        await pilot.press("o")  # oldest first
        await settle(pilot)
        lst = incidents(app)
        assert lst.list_query.statuses == frozenset({Status.TRIGGERED})
        shown = lst.total
        assert 0 < shown < 37

        await pilot.press("x")
        assert isinstance(app.screen, ExportScreen)
        assert "status triggered" in screen_text(app)
        await pilot.press("c")
        await settle(pilot)
        first = folder / f"incidents-{STAMP}.csv"
        assert first.exists()
        assert any(str(first) in n for n in notifications(app))

        await pilot.press("x", "c")  # same minute: a new name, the first file untouched
        await settle(pilot)
        second = folder / f"incidents-{STAMP} (1).csv"
        assert second.exists() and second.read_bytes() == first.read_bytes()

        await pilot.press("x", "j")
        await settle(pilot)
        exported_json = folder / f"incidents-{STAMP}.json"
        assert exported_json.exists()

        await pilot.press("x", "escape")  # cancel writes nothing
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        [first.name, second.name, exported_json.name]
    )

    # Every matching row, not just the visible page, in the list's order and filter...
    lines = first.read_text(encoding="utf-8").splitlines()
    assert lines[0].split(",")[:3] == ["id", "remote", "kind"]
    assert len(lines) == shown + 1
    items = json.loads(exported_json.read_text(encoding="utf-8"))
    assert len(items) == shown and all(item["status"] == "triggered" for item in items)
    created = [item["created_at"] for item in items]
    assert created == sorted(created)
    # ... and byte for byte what `incident-tui list --csv / --json` prints for that filter.
    args = ("--db", str(db_path), "list", "--status", "triggered", "--sort", "oldest")
    assert first.read_text(encoding="utf-8") == _cli(capsys, *args, "--csv")
    assert exported_json.read_text(encoding="utf-8") == _cli(capsys, *args, "--json")


async def test_a_long_export_says_it_has_started(
    make_app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from incident_tui.ui.screens import export

    app = make_app(download_dir=tmp_path / "exports")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        total = app.screen.query_one(IncidentLines).total
        monkeypatch.setattr(export, "LONG_EXPORT", total + 1)
        await pilot.press("x", "c")
        await settle(pilot)
        assert not any(n.startswith("Exporting") for n in notifications(app))
        monkeypatch.setattr(export, "LONG_EXPORT", total)
        await pilot.press("x", "c")
        await settle(pilot)
        started = [n for n in notifications(app) if n.startswith("Exporting")]
        assert started == [f"Exporting {total:,} incidents…"]
        assert sum(n.startswith("Exported") for n in notifications(app)) == 2


async def test_export_into_a_folder_that_cannot_be_made(make_app: Any, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("in the way")
    folder = blocker / "exports"
    app = make_app(download_dir=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("x", "c")
        await settle(pilot)
        assert any("Could not write the export" in n for n in notifications(app))
        assert not any(n.startswith("Exported") for n in notifications(app))
        assert app.is_running
    assert blocker.read_text() == "in the way"
    assert not _files(tmp_path, "incidents-*") and not _files(tmp_path, "*.part")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
async def test_export_into_a_read_only_folder(make_app: Any, tmp_path: Path) -> None:
    folder = tmp_path / "read-only"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        app = make_app(download_dir=folder)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            await pilot.press("x", "j")
            await settle(pilot)
            assert any("Could not write the export" in n for n in notifications(app))
        assert list(folder.iterdir()) == []
    finally:
        folder.chmod(0o700)


# New incident in a Revily service --------------------------------------------------------


@pytest.fixture
def revily() -> Iterator[EmulatorServer]:
    """A Revily emulator with a few incidents, always stopped."""
    server = EmulatorServer(make_emulator("revily", sample=4, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


async def test_new_revily_incident_in_a_chosen_service(
    revily: EmulatorServer, tmp_path: Path
) -> None:
    app = live_app(revily, "oncall", tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(lambda: "oncall ok at" in screen_text(app))
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        services = form.query_one("#form-container")
        await _until(lambda: "3 services on the server" in static_text(app, "#form-place-note"))
        # default, Checkout, Platform, Facilities: pick Platform with the keys.
        services.focus()
        await pilot.press("enter", "down", "down", "enter")
        await pilot.pause()
        assert services.value == "Pq7dWm2R"  # type: ignore[attr-defined]
        assert "Platform (Pq7dWm2R)" in screen_text(app)
        form.query_one("#form-title").focus()
        await pilot.press(*"Disk full on db-3")
        await pilot.press("ctrl+s")
        await settle(pilot)
        row = incidents(app).cursor_row
        # Queued, and sent at once (the sync of its remote is woken): local only briefly.
        assert row is not None and row.title == "Disk full on db-3"
        assert "Queued: created 1 incident" in notifications(app)

        await pilot.press("s")

        def pushed() -> list[Any]:
            return [r for r in revily.emulator.incidents.values()  # type: ignore[attr-defined]
                    if r.message == "Disk full on db-3"]

        await _until(lambda: bool(pushed()))
        assert [r.service_id for r in pushed()] == ["Pq7dWm2R"]
        assert DEFAULT_SERVICE_ID != "Pq7dWm2R"  # not where a create without a choice goes


async def test_new_revily_incident_offline_takes_a_typed_service_id(
    make_app: Any, db_path: Path
) -> None:
    # The test config's Revily remote points at a closed port: the list cannot be fetched.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        form = app.screen
        assert isinstance(form, NewIncidentScreen)
        assert not form.query_one("#form-place").display  # school (kitehouse): no places
        form.query_one("#form-remote").value = "oncall"  # type: ignore[attr-defined]
        await pilot.pause()
        assert form.query_one("#form-place").display
        typed = form.query_one("#form-container-id")
        # The id field shows while the services load too: wait for the failure itself.
        await _until(lambda: "Could not list the services" in screen_text(app), limit=20)
        assert typed.display
        typed.focus()
        await pilot.press(*"Fx3kLs9B")
        form.query_one("#form-title").focus()
        await pilot.press(*"Pager down")
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
    reader = Reader.open(db_path)
    try:
        creates = [c for c in reader.outbox("oncall") if c["op"] == "create"]
    finally:
        reader.close()
    payload = json.loads(creates[-1]["payload"])
    assert payload["title"] == "Pager down" and payload["container"] == "Fx3kLs9B"


# Deleting a 4HSE incident after the server's preview ------------------------------------


@pytest.fixture
def fourhse() -> Iterator[EmulatorServer]:
    """A 4HSE emulator whose sample incidents partly have involved people, always stopped."""
    server = EmulatorServer(make_emulator("fourhse", sample=20, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


async def _fourhse_app(server: EmulatorServer, tmp_path: Path) -> tuple[Any, str, list[str]]:
    """The app synced with the emulator; an incident with involved people and their names."""
    from incident_tui.ui.app import make_app

    emulator: Any = server.emulator
    remote = emulator.remote_config("hse")
    settings = Settings(db=tmp_path / "cache.db", remotes=[remote], poll_seconds=3600)
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    parent = next(iter(emulator.by_incident["incident-person"]))
    people = [
        PERSONS[emulator.rows["incident-person"][key]["person_office_id"]]["person_last_name"]
        for key in emulator.by_incident["incident-person"][parent]
    ]
    return app, parent, people


async def test_fourhse_delete_shows_the_preview_then_sync_deletes(
    fourhse: EmulatorServer, tmp_path: Path
) -> None:
    app, parent, people = await _fourhse_app(fourhse, tmp_path)
    emulator: Any = fourhse.emulator
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(lambda: "hse ok at" in screen_text(app))
        await settle(pilot)
        await cursor_to(pilot, f"hse:{parent}")
        # A slow server: the dialog is up before the preview is in.
        emulator.faults.add("delay", delay=1.0, path=f"/v2/incident/view/{parent}")
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, DeletePreviewScreen)
        await pilot.press("y")  # held back until the server has answered
        assert app.screen is dialog and dialog.waiting
        assert "Asking the server" in screen_text(app)
        await _until(lambda: not dialog.waiting)
        assert app.screen is dialog
        count = len(people)
        # The answer is in before the dialog has drawn it: wait for the frame that shows it.
        await _until(lambda: f"involved people ({count})" in screen_text(app))
        text = screen_text(app)
        assert f"involved people ({count})" in text, text
        assert all(name in text for name in people)
        assert parent in emulator.rows["incident"]  # asking deleted nothing

        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        assert all(r is None or r.id != f"hse:{parent}"
                   for r in (incidents(app).row_at(i) for i in range(incidents(app).total)))
        await pilot.press("s")
        await _until(lambda: parent not in emulator.rows["incident"])
    assert not set(emulator.by_incident["incident-person"].get(parent, {}))


async def test_fourhse_delete_when_the_preview_fails(
    fourhse: EmulatorServer, tmp_path: Path
) -> None:
    app, parent, _ = await _fourhse_app(fourhse, tmp_path)
    emulator: Any = fourhse.emulator
    async with app.run_test(size=(100, 30)) as pilot:
        await _until(lambda: "hse ok at" in screen_text(app))
        await settle(pilot)
        emulator.faults.add("status", status=400, body={"message": "preview broken"},
                            path=f"/v2/incident/view/{parent}", times=-1)
        await cursor_to(pilot, f"hse:{parent}")
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, DeletePreviewScreen)
        await _until(lambda: not dialog.waiting)
        assert dialog.preview_text.startswith("Preview unavailable")
        assert "Preview unavailable" in screen_text(app)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        emulator.faults.clear()
        await pilot.press("s")
        await _until(lambda: parent not in emulator.rows["incident"])


async def test_fourhse_delete_without_credentials_still_confirms(
    make_app: Any, db_path: Path
) -> None:
    # The test config's 4HSE remote has no credentials: the preview cannot be asked for.
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "safety:r006")
        await pilot.press("delete")
        dialog = app.screen
        assert isinstance(dialog, DeletePreviewScreen)
        await _until(lambda: not dialog.waiting)
        assert "Preview unavailable" in dialog.preview_text
        await pilot.press("y")
        await settle(pilot)
        assert incidents(app).total == 36
    reader = Reader.open(db_path)
    try:
        assert not reader.exists("safety:r006")
    finally:
        reader.close()


async def test_other_kinds_keep_the_simple_confirmation(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, "oncall:r002")
        await pilot.press("delete")
        assert type(app.screen) is ConfirmScreen
        await pilot.press("n")
        assert isinstance(app.screen, ListScreen)


# Column gaps ------------------------------------------------------------------------------


@pytest.mark.parametrize("width", range(40, 201, 7))
def test_columns_keep_a_space_between_them(width: int) -> None:
    from rich.style import Style

    from incident_tui.store.reader import ListRow

    columns = columns_for(width)
    starts, position = [], 0
    for text, _ in header_cells(columns):
        starts.append(position)
        position += len(text)
    styles = resolve_styles(Style(), lambda name: Style(bold=name == "critical"))
    for status in ("triggered", "acknowledged", "resolved"):
        row = ListRow("a:1", "a-remote-with-a-long-name", "revily", "1", "1234567890123",
                      "T" * 300, status, "critical", "2026-11-22T11:00:00.000000Z", None, 1,
                      True, False, False)
        strip = paint_row(row_view(row), columns, styles, now=NOW, cursor=True, selected=True)
        line = "".join(segment.text for segment in strip)
        for start in starts[1:]:  # where SEV, STATUS, TITLE, REMOTE and AGE begin
            if start < width:
                assert line[start - 1] == " ", (width, status, line)
        if width >= 60:
            # No column's text begins with its gap: SVG renderers (rsvg) drop a leading one.
            label, severity, shown, title, remote = list(strip)[2:7]
            for segment in (label, severity, shown, title, remote):
                assert not segment.text.startswith(" "), (width, segment)
