"""Kitehouse does not say whether its list pages count from 0 or 1 (contract 6). On a server
counting from 0, a walk from page 1 never reads the first page: the newest incidents, and in
an incremental pass the ones just changed. The connector asks page 0 once, and an
incremental pass with nothing changed stays one request."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.kitehouse import KitehouseEmulator
from incident_tui.emulators.server import EmulatorServer
from incident_tui.store.reader import Reader
from tests.integration.test_sync import settings_for, sync

Serve = Callable[..., EmulatorServer]


def list_pages(emulator: KitehouseEmulator) -> list[str]:
    """The ``page`` of each incident list request the emulator logged."""
    path = f"/incidents/{emulator.site_id}"
    return [
        part.removeprefix("page=")
        for entry in emulator.log if entry.path == path
        for part in entry.query.split("&") if part.startswith("page=")
    ]


async def test_a_server_counting_pages_from_0_is_listed_whole(
    serve: Serve, tmp_path: Path
) -> None:
    emulator = serve("kitehouse", sample=60, first_page=0).emulator
    assert isinstance(emulator, KitehouseEmulator)
    settings = settings_for(
        tmp_path, {**emulator.remote_config("school"), "page_size": 10}, hydrate_limit=0
    )
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    living = {f"school:{remote_id}" for remote_id in emulator.incidents}
    assert {row.id for row in reader.all_rows(ListQuery())} == living

    # Nothing changed: one request, for the first page.
    emulator.log.clear()
    report = await sync(settings)
    assert report.ok and report.results[0].pulled == 0
    assert list_pages(emulator) == ["0"]

    # Changed elsewhere: the newest update is on page 0, and the incremental pass reads it.
    changed = next(iter(emulator.incidents))
    emulator.touch(changed, short_description="Fire door propped open")
    assert (await sync(settings)).ok
    [row] = [row for row in reader.all_rows(ListQuery()) if row.id == f"school:{changed}"]
    assert row.title == "Fire door propped open"


async def test_a_server_failing_on_page_0_is_listed_from_page_1(
    serve: Serve, tmp_path: Path
) -> None:
    # A server counting from 1 may answer page 0 with an error however often it is asked:
    # the pass goes on from page 1, and fails nothing.
    emulator = serve("kitehouse", sample=30, before_first=500).emulator
    assert isinstance(emulator, KitehouseEmulator)
    settings = settings_for(
        tmp_path, {**emulator.remote_config("school"), "page_size": 10}, hydrate_limit=0
    )
    report = await sync(settings)
    assert report.ok, report.results[0].error
    reader = Reader.open(settings.db_path())
    living = {f"school:{remote_id}" for remote_id in emulator.incidents}
    assert {row.id for row in reader.all_rows(ListQuery())} == living


async def test_a_passing_error_on_page_0_does_not_hide_it(serve: Serve, tmp_path: Path) -> None:
    # One 500 from a server counting from 0 is retried, as any; taken for "counts from 1",
    # its newest page would be left out for as long as the process runs.
    emulator = serve("kitehouse", sample=30, first_page=0).emulator
    assert isinstance(emulator, KitehouseEmulator)
    emulator.faults.add("status", method="GET", status=500, path=f"^/incidents/{emulator.site_id}$")
    settings = settings_for(
        tmp_path, {**emulator.remote_config("school"), "page_size": 10}, hydrate_limit=0
    )
    report = await sync(settings)
    assert report.ok, report.results[0].error
    reader = Reader.open(settings.db_path())
    living = {f"school:{remote_id}" for remote_id in emulator.incidents}
    assert {row.id for row in reader.all_rows(ListQuery())} == living


async def test_a_200_that_is_not_rows_on_page_0_fails_nothing(
    serve: Serve, tmp_path: Path
) -> None:
    # A server counting from 1 that answers page 0 with 200 and a message object.
    emulator = serve("kitehouse", sample=30, before_first=200).emulator
    assert isinstance(emulator, KitehouseEmulator)
    settings = settings_for(
        tmp_path, {**emulator.remote_config("school"), "page_size": 10}, hydrate_limit=0
    )
    emulator.log.clear()
    report = await sync(settings)
    assert report.ok, report.results[0].error
    assert list_pages(emulator)[0] == "0"
    reader = Reader.open(settings.db_path())
    living = {f"school:{remote_id}" for remote_id in emulator.incidents}
    assert {row.id for row in reader.all_rows(ListQuery())} == living


async def test_a_passing_refusal_of_credentials_on_page_0_does_not_hide_it(
    serve: Serve, tmp_path: Path
) -> None:
    # A 401 says nothing of how the pages count: taken for "counts from 1", the newest
    # page of a server counting from 0 would be left out for as long as the process runs.
    emulator = serve("kitehouse", sample=30, first_page=0).emulator
    assert isinstance(emulator, KitehouseEmulator)
    emulator.faults.add("status", method="GET", status=401, path=f"^/incidents/{emulator.site_id}$")
    settings = settings_for(
        tmp_path, {**emulator.remote_config("school"), "page_size": 10}, hydrate_limit=0
    )
    passes = [await sync(settings) for _ in range(2)]
    assert passes[-1].ok, passes[-1].results[0].error
    reader = Reader.open(settings.db_path())
    living = {f"school:{remote_id}" for remote_id in emulator.incidents}
    assert {row.id for row in reader.all_rows(ListQuery())} == living
