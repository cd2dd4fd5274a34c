"""Pages that queue up during a pull are stored as one: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from incident_tui.remote.base import Page
from incident_tui.sync.engine import SyncEngine, merge_pages
from tests.conftest import make_incident


def test_merge_keeps_every_incident_once_and_the_last_cursor() -> None:
    a, b, c = make_incident(1), make_incident(2), make_incident(3)
    newer_b = make_incident(2, title="renamed")
    merged = merge_pages([Page([a, b], "c1"), Page([newer_b, c], None), Page([], None, True)])
    assert [i.id for i in merged.incidents] == [a.id, b.id, c.id]
    assert merged.incidents[1].title == "renamed"
    assert merged.cursor == "c1"  # a page without a cursor keeps the one before
    assert merged.complete


def test_prefetch_merges_ready_pages_but_never_summaries_with_full_records() -> None:
    pages = [
        Page([make_incident(1)], "1"),
        Page([make_incident(2)], "2"),
        Page([make_incident(3)], "3", partial=True),
        Page([make_incident(4)], "4", complete=True),
    ]

    async def source() -> AsyncIterator[Page]:
        for page in pages:
            yield page

    async def collect() -> list[Page]:
        got = []
        async for page in SyncEngine._prefetch(source()):
            await asyncio.sleep(0.01)  # storing: the producer fills the queue meanwhile
            got.append(page)
        return got

    got = asyncio.run(collect())
    assert [i.id for p in got for i in p.incidents] == [i.id for p in pages for i in p.incidents]
    assert got[-1].complete and got[-1].cursor == "4"
    assert len(got) < len(pages)
    partial = [p for p in got if p.partial]
    assert [i.id for p in partial for i in p.incidents] == [pages[2].incidents[0].id]
