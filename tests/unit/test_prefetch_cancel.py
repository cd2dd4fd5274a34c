"""Ctrl-C while a pull stops early still stops the program: the caller of
:func:`~incident_tui.sync.pages.prefetch` is cancelled while the fetching side winds down, and
that cancellation must reach it rather than be taken for the fetching task's own."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import aclosing

import pytest

from incident_tui.remote.base import Page
from incident_tui.sync.pages import prefetch
from tests.conftest import make_incident


async def test_a_cancellation_while_the_fetching_side_closes_reaches_the_caller() -> None:
    closing, release = asyncio.Event(), asyncio.Event()

    async def pages() -> AsyncIterator[Page]:
        try:
            yield Page([make_incident(1)], cursor="1", complete=False)
            await asyncio.Event().wait()  # the next page's request is slow to answer
        finally:
            # A connector stopped mid-request takes a moment: the connection settles.
            closing.set()
            await release.wait()

    async def consume() -> str:
        async with aclosing(prefetch(pages(), depth=2)) as stream:
            async for _page in stream:
                break  # stops early, as a pull does when a page cannot be stored
        return "finished as if nothing had been asked of it"

    consumer = asyncio.create_task(consume())
    await asyncio.wait_for(closing.wait(), 5)
    consumer.cancel()  # what Ctrl-C does to the program's main task
    release.set()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(consumer, 5)
