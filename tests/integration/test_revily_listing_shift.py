"""A Revily incident deleted while a full listing pages through the account, and another
triggered meanwhile: ``Total`` stays the same and as many distinct incidents are read, but
the rows after the deleted one moved up a place and one living incident is on no page. The
sync must not take it for deleted (it would vanish, then come back as new)."""

from __future__ import annotations

from pathlib import Path

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.revily import RevilyEmulator
from incident_tui.emulators.server import EmulatorServer, Request, Response
from incident_tui.store.reader import Reader
from tests.integration.listing_shift import only_the_deleted_one_goes
from tests.integration.test_sync import settings_for, sync


class ReplacedMidListing(RevilyEmulator):
    """The real emulator, where someone deletes the oldest incident (on page 1, already
    read) and a monitor triggers a new one just before page 2 is read, once it is armed."""

    armed = False

    def _list(self, request: Request, prefix: str, user: str) -> Response:
        if self.armed and request.arg("page") == "2":
            self.armed = False
            with self.lock:
                oldest = self.order.pop(0)
                del self.incidents[oldest]
            self.add("Disk full on db-7")
        return super()._list(request, prefix, user)


async def test_a_deletion_mid_listing_with_the_same_total_removes_that_incident_only(
    tmp_path: Path,
) -> None:
    emulator = ReplacedMidListing(sample=60, per_page=25, seed=6)
    with EmulatorServer(emulator):
        settings = settings_for(tmp_path, emulator.remote_config("oncall"))
        assert (await sync(settings)).ok
        reader = Reader.open(settings.db_path())
        before = {row.id for row in reader.all_rows(ListQuery())}
        assert len(before) == 60

        emulator.armed = True
        report = await sync(settings)
        assert report.ok and not emulator.armed
        living = {f"oncall:{remote_id}" for remote_id in emulator.incidents}
        assert len(living) == 60
        await only_the_deleted_one_goes(settings, before, living, report)
