"""Stopping several tasks that run side by side without cutting short what one of them still
has to write down (a push recording that its change never left)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

STOP_WAIT = 1.5
"""Seconds tasks get, once cancelled, to end: enough for a push stopped mid-change to record
that, and within the 2 s the TUI's quit waits for its sync, so stopping never hangs on it."""


def cancel_once(task: asyncio.Future[Any]) -> None:
    """Cancel ``task`` unless it is over or already told to stop. A second cancel would
    reach a push that is recording where it was stopped (its shielded write to the cache)
    and cut that short, leaving a change never sent marked as being sent."""
    if task.done():
        return
    if isinstance(task, asyncio.Task) and task.cancelling():
        return
    task.cancel()


async def wind_down(tasks: Sequence[asyncio.Future[Any]], limit: float = STOP_WAIT) -> None:
    """Cancel ``tasks`` (once, see :func:`cancel_once`) and wait up to ``limit`` seconds for
    each to end.

    ``gather`` raises as soon as one of its tasks ends cancelled, while the others may still
    be finishing; without this wait, ``asyncio.run`` would cancel them again as it shuts
    down. What still runs after ``limit`` is left to that, so stopping stays bounded."""
    for task in tasks:
        cancel_once(task)
    pending = [task for task in tasks if not task.done()]
    if pending:
        await asyncio.wait(pending, timeout=limit)
