"""4HSE incidents imported together share their ``created_at`` (to the second), and a
database paging an order with ties may give the tied rows in another order on each page
request: one comes twice, another never. The pull must list every incident, and a listing
that brought fewer distinct rows than its total must not count as complete."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import aclosing

from incident_tui.config_remotes import FourhseRemote
from incident_tui.emulators.fourhse import FourhseEmulator
from incident_tui.emulators.server import EmulatorServer
from incident_tui.remote.fourhse import FourhseConnector
from incident_tui.remote.fourhse_listing import pages
from tests.integration.conftest import no_sleep

Serve = Callable[..., EmulatorServer]
IMPORTED = 150
"""Incidents of one import: more than the 100 rows of a page."""


def imported(serve: Serve) -> tuple[EmulatorServer, FourhseConnector]:
    """An office whose incidents were all created in the same second, on a server whose
    order among equal values changes from one request to the next; and a connector to it."""
    srv = serve("fourhse", sample=0, foreign=0, unstable_ties=True)
    emulator = srv.emulator
    assert isinstance(emulator, FourhseEmulator)
    for number in range(IMPORTED):
        emulator.add(name=f"Imported near-miss {number}")
    config = FourhseRemote.model_validate(emulator.remote_config("plant"))
    return srv, FourhseConnector(config, sleep=no_sleep)


async def test_the_pull_lists_every_incident_of_an_import(serve: Serve) -> None:
    srv, connector = imported(serve)
    async with aclosing(connector):
        listed = [page async for page in connector.pull(None, full=True)]
    remote_ids = [incident.remote_id for page in listed for incident in page.incidents]
    assert sorted(remote_ids) == sorted(srv.emulator.rows["incident"])  # type: ignore[attr-defined]
    assert listed[-1].complete


async def test_a_listing_short_of_its_total_in_distinct_rows_is_not_complete(
    serve: Serve,
) -> None:
    _, connector = imported(serve)
    async with aclosing(connector):
        scope = {"subtenant_id": connector.cfg.subtenant_id}
        walked = [
            (rows, last, shifted)
            async for rows, last, shifted in pages(
                connector._post_index, "incident", scope, "office_incident_id",
                sort="created_at",
            )
        ]
    distinct = {row["office_incident_id"] for rows, _, _ in walked for row in rows}
    assert len(distinct) < IMPORTED
    rows, last, shifted = walked[-1]
    assert last and shifted
