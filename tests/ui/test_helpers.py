"""The waits of tests/ui/helpers.py keep their time limit: a stuck worker fails the test
quickly, naming the worker, instead of hanging the run until pytest-timeout."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from tests.ui.helpers import finish_workers, settle

OUTER_LIMIT = 5.0
"""Far above the waits' own limit: reaching it means the wait ignored its limit."""


async def stuck() -> None:
    """Work that never ends (until the app's exit cancels it)."""
    await asyncio.Event().wait()


async def test_settle_names_a_stuck_worker_once_its_limit_has_passed(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        app.run_worker(stuck(), name="stuck-read", group="test")
        with pytest.raises(TimeoutError, match="did not settle in 0.3s.*stuck-read"):
            await asyncio.wait_for(settle(pilot, limit=0.3), OUTER_LIMIT)


async def test_finish_workers_names_a_stuck_worker_and_leaves_it_running(
    make_app: Any,
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        worker = app.run_worker(stuck(), name="stuck-chart", group="test")
        with pytest.raises(TimeoutError, match="still running after 0.3s: 'stuck-chart'"):
            await asyncio.wait_for(finish_workers(app.workers, 0.3), OUTER_LIMIT)
        # Named as it was, not cancelled by the wait.
        assert worker.is_running
