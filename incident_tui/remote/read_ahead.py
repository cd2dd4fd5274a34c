"""Reading a listing one page ahead: the request for the next page is on its way while the
caller maps the current one, so the remote's time to answer overlaps with ours.
"""

from __future__ import annotations

import asyncio
from asyncio import FIRST_COMPLETED
from collections.abc import AsyncGenerator, AsyncIterator
from typing import TypeVar

from incident_tui.remote.http import REQUEST_SENT

T = TypeVar("T")


SEND_WAIT = 0.05
"""Longest the current item waits for the next request to go out (seconds): long enough for
a request on a live connection, short enough not to matter when the step is backing off."""


async def _started(pages: AsyncGenerator[T, None]) -> asyncio.Future[T]:
    """The next step of ``pages`` as a task, returned once its request is on the wire.

    The caller's work on the current item is CPU work that gives the event loop no turn
    until it is done, and httpx needs several turns to get a request out; without this wait
    the request would only leave after that work, and nothing would overlap."""
    sent = asyncio.Event()
    token = REQUEST_SENT.set(sent)  # the task takes a copy of the context as it is now
    try:
        step = asyncio.ensure_future(anext(pages))
    finally:
        REQUEST_SENT.reset(token)
    signal = asyncio.ensure_future(sent.wait())
    try:
        await asyncio.wait([step, signal], timeout=SEND_WAIT, return_when=FIRST_COMPLETED)
    except BaseException:
        # Cancelled while waiting: the step must not outlive us, its generator is closed next.
        step.cancel()
        await asyncio.wait([step])
        raise
    finally:
        signal.cancel()
    return step


async def read_ahead(pages: AsyncGenerator[T, None]) -> AsyncIterator[T]:
    """Yield what ``pages`` yields, in order, with its next item already being fetched.

    ``pages`` decides on its own what to request next (its state must not depend on what the
    caller does with an item), and runs at most one step ahead: no more requests are in flight
    than with a plain loop, only sooner. An error of ``pages`` is raised where the plain loop
    would have raised it, after the items before it. Closing this generator early cancels the
    step ahead and closes ``pages``.
    """
    step: asyncio.Future[T] = asyncio.ensure_future(anext(pages))
    try:
        while True:
            try:
                item = await step
            except StopAsyncIteration:
                return
            step = await _started(pages)
            yield item
    finally:
        step.cancel()
        # The step may be mid-request: let it settle before closing its generator. (wait()
        # does not raise the step's own error, but does raise if we are cancelled.)
        await asyncio.wait([step])
        if not step.cancelled():
            step.exception()  # retrieved: it was raised above already, or is moot now
        await pages.aclose()
