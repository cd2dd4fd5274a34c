"""What every listing-shift test checks once an incident was deleted on a page already read
while the rest of the listing was walked: the rows after it moved up a place, so one living
incident was on no page the walk read."""

from __future__ import annotations

from incident_tui.config import Settings
from incident_tui.domain.query import ListQuery
from incident_tui.store.reader import Reader
from incident_tui.sync.events import SyncReport
from tests.integration.test_sync import sync


def cached_ids(settings: Settings) -> set[str]:
    """The ids of every incident in the cache."""
    return {row.id for row in Reader.open(settings.db_path()).all_rows(ListQuery())}


async def only_the_deleted_one_goes(
    settings: Settings, before: set[str], living: set[str], report: SyncReport
) -> None:
    """After the pass (``report``) whose listing moved under a deletion: every ``living``
    incident stayed and nothing was removed; the deleted one was listed (on a page read
    before it went), so it goes with the next pass, alone."""
    [deleted] = before - living
    assert cached_ids(settings) == living | {deleted} and report.results[0].removed == 0
    report = await sync(settings)
    assert report.ok and report.results[0].removed == 1
    assert cached_ids(settings) == living
