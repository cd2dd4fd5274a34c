"""A Kitehouse incident deleted while a full listing walks the site: the rows after it move
up a place and one of them is on no page, but the walk ends as usual. The sync must not take
that living incident for deleted (it would vanish, then come back as new)."""

from __future__ import annotations

from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.kitehouse import KitehouseEmulator
from incident_tui.emulators.server import EmulatorServer, Request, Response
from incident_tui.store.reader import Reader
from tests.integration.listing_shift import only_the_deleted_one_goes
from tests.integration.test_sync import settings_for, sync


class DeletedMidListing(KitehouseEmulator):
    """The real emulator, where someone deletes the newest incident (on page 1, already
    read) just before page 2 of a listing is read, once it is armed."""

    armed = False

    def _list(self, request: Request, user: str) -> Response:
        if self.armed and request.arg("page") == "2":
            self.armed = False
            del self.incidents[self.ordered(request)[0].id]
            self.changed()
        return super()._list(request, user)


async def test_a_deletion_mid_listing_removes_that_incident_only(tmp_path: Path) -> None:
    emulator = DeletedMidListing(sample=60)
    with EmulatorServer(emulator):
        # No known order: every pass is a full listing, ten incidents a page.
        config = {**emulator.remote_config("school"), "page_size": 10}
        del config["updated_sort"]
        settings = settings_for(tmp_path, config, hydrate_limit=0)
        assert (await sync(settings)).ok
        reader = Reader.open(settings.db_path())
        assert len(reader.all_rows(ListQuery())) == 60

        emulator.armed = True
        before = {row.id for row in reader.all_rows(ListQuery())}
        report = await sync(settings)
        assert report.ok and not emulator.armed
        living = {f"school:{remote_id}" for remote_id in emulator.incidents}
        await only_the_deleted_one_goes(settings, before, living, report)
