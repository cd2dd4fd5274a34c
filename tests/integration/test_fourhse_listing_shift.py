"""A 4HSE incident deleted while a full listing walks the office: the rows after it move up
a place, so one living incident is on no page. Nothing tells the walk, on a server that sends
no ``X-Pagination-*`` headers, nor on one whose total stays the same because an incident was
created meanwhile. The sync must not take it for deleted (it would vanish, then come back as
new)."""

from __future__ import annotations

from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.fourhse import INCIDENT, FourhseEmulator
from incident_tui.emulators.server import EmulatorServer, Request, Response
from incident_tui.store.reader import Reader
from tests.integration.listing_shift import only_the_deleted_one_goes
from tests.integration.test_sync import settings_for, sync


class DeletedMidListing(FourhseEmulator):
    """The real emulator, where someone deletes the first incident of page 1 (already read)
    just before page 2 is read, once it is armed; with ``replace``, someone also reports a
    new one then, so the total stays the same."""

    armed = False
    replace = False

    def _index(self, resource: str, request: Request) -> Response:
        body = request.json() or {}
        if self.armed and resource == INCIDENT and body.get("page") == 2:
            self.armed = False
            listed = self._listing(INCIDENT, body["filter"], body.get("sort") or "", False)
            self._remove(INCIDENT, listed[0])
            if self.replace:
                # Listed last, so the rows of page 2 and after move up a place.
                self.add(office_incident_id="ffffffff-ffff-4fff-bfff-ffffffffffff",
                         name="Reported while the office was listed")
        return super()._index(resource, request)


async def test_a_deletion_mid_listing_without_a_total_removes_that_incident_only(
    tmp_path: Path,
) -> None:
    emulator = DeletedMidListing(sample=250, foreign=0, pagination_headers=False)
    with EmulatorServer(emulator):
        settings = settings_for(tmp_path, emulator.remote_config("plant"), hydrate_limit=0)
        assert (await sync(settings)).ok
        reader = Reader.open(settings.db_path())
        assert len(reader.all_rows(ListQuery())) == 250

        emulator.armed = True
        before = {row.id for row in reader.all_rows(ListQuery())}
        report = await sync(settings)
        assert report.ok and not emulator.armed
        living = {f"plant:{remote_id}" for remote_id in emulator.rows[INCIDENT]}
        await only_the_deleted_one_goes(settings, before, living, report)


async def test_a_deletion_mid_listing_with_the_same_total_removes_that_incident_only(
    tmp_path: Path,
) -> None:
    emulator = DeletedMidListing(sample=150, foreign=0)
    emulator.replace = True
    with EmulatorServer(emulator):
        settings = settings_for(tmp_path, emulator.remote_config("plant"), hydrate_limit=0)
        assert (await sync(settings)).ok
        reader = Reader.open(settings.db_path())
        before = {row.id for row in reader.all_rows(ListQuery())}
        assert len(before) == 150

        emulator.armed = True
        report = await sync(settings)
        assert report.ok and not emulator.armed
        living = {f"plant:{remote_id}" for remote_id in emulator.rows[INCIDENT]}
        assert len(living) == 150
        await only_the_deleted_one_goes(settings, before, living, report)
