"""An AOH IMS incident deleted while a paged listing walks the tenant, and an older one
imported meanwhile: ``total`` stays the same and as many distinct incidents are read, but
the rows after the deleted one moved up a place and one living incident is on no page. The
sync must not take it for deleted (it would vanish, then come back as new)."""

from __future__ import annotations

from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.aoh_ims import DEFAULT_TENANT, AohImsEmulator
from incident_tui.emulators.server import EmulatorServer, Request, Response
from incident_tui.store.reader import Reader
from tests.integration.listing_shift import only_the_deleted_one_goes
from tests.integration.test_sync import settings_for, sync


class ReplacedMidListing(AohImsEmulator):
    """The real emulator answering 100 rows a request, where someone deletes the newest
    incident (on page 1, already read) just before page 2 is read, and an incident
    imported with an earlier creation time takes the oldest place, once it is armed."""

    armed = False

    def list_incidents(self, request: Request) -> Response:
        if self.armed and request.arg("page") == "2":
            self.armed = False
            with self.lock:
                tenant = self.tenant(DEFAULT_TENANT)
                tenant.remove(tenant.rows()[-1]["id"])
                imported = self._insert(DEFAULT_TENANT, {"name": "Imported from the old log"})
                # Oldest first: the import goes before every other row.
                rest = {key: row for key, row in tenant.incidents.items()
                        if key != imported["id"]}
                tenant.incidents = {imported["id"]: imported, **rest}
                tenant._ordered = None
        return super().list_incidents(request)


async def test_a_deletion_mid_listing_with_the_same_total_removes_that_incident_only(
    tmp_path: Path,
) -> None:
    emulator = ReplacedMidListing(sample=250, default_size=100)
    with EmulatorServer(emulator):
        settings = settings_for(tmp_path, emulator.remote_config("ops"), hydrate_limit=0)
        assert (await sync(settings)).ok
        reader = Reader.open(settings.db_path())
        before = {row.id for row in reader.all_rows(ListQuery())}
        assert len(before) == 250

        emulator.armed = True
        report = await sync(settings)
        assert report.ok and not emulator.armed
        tenant = emulator.tenant(DEFAULT_TENANT)
        living = {f"ops:{remote_id}" for remote_id in tenant.incidents}
        assert len(living) == 250
        await only_the_deleted_one_goes(settings, before, living, report)


async def test_incidents_deleted_on_a_paged_server_cost_one_read_each(tmp_path: Path) -> None:
    # A fresh process has not seen the get-one route work yet: a 404 from it must not send
    # it walking the whole listing again for each incident it asks for.
    emulator = AohImsEmulator(sample=300, default_size=10)
    with EmulatorServer(emulator):
        settings = settings_for(tmp_path, emulator.remote_config("ops"), hydrate_limit=0)
        assert (await sync(settings)).ok
        tenant = emulator.tenant(DEFAULT_TENANT)
        gone = [str(row["id"]) for row in tenant.rows()[:12]]
        for remote_id in gone:
            tenant.remove(remote_id)
        emulator.log.clear()

        report = await sync(settings)

        assert report.ok and report.results[0].removed == len(gone)
        listing = [e for e in emulator.log if e.path == "/v1/incident"]
        reads = [e for e in emulator.log if e.path.startswith("/v1/incident/")]
        # Each missing incident read once, and one listed one to see that the route answers.
        assert len(reads) == len(gone) + 1
        assert Reader.open(settings.db_path()).count(ListQuery()) == 300 - len(gone)
        # One walk of the listing, as a pass with nothing deleted makes.
        emulator.log.clear()
        assert (await sync(settings)).ok
        assert len(listing) == len(emulator.log) > 1
