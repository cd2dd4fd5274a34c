"""A 4HSE listing of more than one page has each cached incident it missed checked before it
is taken for deleted. The check must hold to what the listing covers: ``view`` answers for an
incident of another office, or one 4HSE historicized, which the listing leaves out on
purpose; such an incident is gone from the synced scope, and it costs one request to tell."""

from __future__ import annotations

from pathlib import Path

from incident_tui.emulators.fourhse import INCIDENT
from incident_tui.emulators.fourhse_data import DEFAULT_SUBTENANT_ID
from incident_tui.emulators.server import EmulatorServer
from tests.integration.conftest import Serve
from tests.integration.listing_shift import cached_ids
from tests.integration.test_sync import settings_for, sync


def office_ids(server: EmulatorServer, office: str) -> set[str]:
    """The cache ids of the emulator's incidents in ``office``."""
    rows = server.emulator.rows[INCIDENT]
    return {f"plant:{key}" for key, row in rows.items() if row["subtenant_id"] == office}


def api_paths(server: EmulatorServer) -> list[str]:
    """The paths of the API requests the emulator logged (not those for a token)."""
    return [entry.path for entry in server.emulator.log if entry.path.startswith("/v2/")]


async def test_narrowing_to_one_office_removes_the_others_with_one_request_each(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("fourhse", sample=150, foreign=30)
    whole = server.emulator.remote_config("plant")
    assert whole["subtenant_id"] == DEFAULT_SUBTENANT_ID
    project = {key: value for key, value in whole.items() if key != "subtenant_id"}
    assert (await sync(settings_for(tmp_path, project, hydrate_limit=0))).ok
    office = office_ids(server, DEFAULT_SUBTENANT_ID)
    others = cached_ids(settings_for(tmp_path, project)) - office
    assert len(office) == 150 and others

    settings = settings_for(tmp_path, whole, hydrate_limit=0)
    server.emulator.log.clear()
    report = await sync(settings)
    assert report.ok and report.results[0].removed == len(others)
    assert cached_ids(settings) == office
    # Two pages, then one filtered listing request per incident of another office; before
    # them the first page (with the next one read ahead) tells the office answers, as another
    # scope is another system, whose queued changes are held.
    assert api_paths(server) == ["/v2/incident/index"] * (2 + 2 + len(others))

    server.emulator.log.clear()
    assert (await sync(settings)).ok
    assert api_paths(server) == ["/v2/incident/index"] * 2


async def test_a_historicized_incident_leaves_a_listing_of_several_pages(
    serve: Serve, tmp_path: Path
) -> None:
    server = serve("fourhse", sample=150, foreign=0)
    settings = settings_for(tmp_path, server.emulator.remote_config("plant"), hydrate_limit=0)
    assert (await sync(settings)).ok
    victim = next(iter(server.emulator.rows[INCIDENT]))
    server.emulator.historicize(victim)

    report = await sync(settings)
    assert report.ok and report.results[0].removed == 1
    assert f"plant:{victim}" not in cached_ids(settings)
    assert len(cached_ids(settings)) == 149
