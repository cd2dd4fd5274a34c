"""Pages that queue up during a pull are stored as one: nothing lost, nothing twice."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from incident_tui.remote.base import Page
from incident_tui.sync.pages import merge_pages, prefetch
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
        async for page in prefetch(source()):
            await asyncio.sleep(0.01)  # storing: the producer fills the queue meanwhile
            got.append(page)
        return got

    got = asyncio.run(collect())
    assert [i.id for p in got for i in p.incidents] == [i.id for p in pages for i in p.incidents]
    assert got[-1].complete and got[-1].cursor == "4"
    assert len(got) < len(pages)
    partial = [p for p in got if p.partial]
    assert [i.id for p in partial for i in p.incidents] == [pages[2].incidents[0].id]


def _trickle(count: int, gap: float) -> AsyncIterator[Page]:
    async def source() -> AsyncIterator[Page]:
        for number in range(1, count + 1):
            await asyncio.sleep(gap)  # the next page's request
            yield Page([make_incident(number)], str(number), complete=number == count)

    return source()


async def _batches(pages: AsyncIterator[Page]) -> list[list[int]]:
    return [
        [int(i.remote_id[1:]) for i in page.incidents]
        async for page in prefetch(pages)
    ]


def test_pages_arriving_in_quick_succession_are_stored_together() -> None:
    """Pages a few milliseconds apart wait for each other (one transaction, not five)."""
    assert asyncio.run(_batches(_trickle(5, 0.01))) == [[1, 2, 3, 4, 5]]


def test_a_slow_remote_s_pages_are_stored_as_they_come(monkeypatch: pytest.MonkeyPatch) -> None:
    """No page waits longer than BATCH_WAIT for the next: the list fills in as the pull goes."""
    from incident_tui.sync import pages

    monkeypatch.setattr(pages, "BATCH_WAIT", 0.02)
    assert asyncio.run(_batches(_trickle(3, 0.2))) == [[1], [2], [3]]


def test_an_answer_is_sliced_into_pages_with_the_end_on_the_last(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from incident_tui.remote import base

    monkeypatch.setattr(base, "PAGE_ROWS", 2)
    assert list(base.in_pages([1, 2, 3, 4, 5])) == [([1, 2], False), ([3, 4], False), ([5], True)]
    assert list(base.in_pages([1, 2], last=False)) == [([1, 2], False)]  # more pages follow
    assert list(base.in_pages([])) == [([], True)]  # an empty listing still ends
    assert list(base.in_pages([], last=False)) == []
