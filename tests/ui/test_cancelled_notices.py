"""Deleting what never reached the remote cancels its queued changes instead of queuing a
deletion: the notice says so ("Cancelled the unsent comment"), not "Queued: deleted …",
and the outbox is left without it. Driven with the keys a user presses, over a real cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.clock import fixed_clock
from incident_tui.domain.model import Draft
from incident_tui.store.actions import Actions
from tests.ui.conftest import NOW
from tests.ui.helpers import cursor_to, notifications, open_detail, queued_ops, settle, until


def said(notice: str) -> bool:
    """Whether ``notice`` tells what the deletion did (cancelled or, wrongly, queued)."""
    return "unsent" in notice or notice.startswith("Queued:")


async def test_deleting_an_unsent_comment_says_it_was_cancelled(
    make_app: Any, db_path: Path
) -> None:
    actions = Actions.open(db_path, clock=fixed_clock(NOW))
    actions.comment("school:r005", "Wrong incident, sorry")
    actions.engine.dispose()
    assert queued_ops(db_path, "school:r005") == ["comment"]
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("C")  # its only comment: no choice to make
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("y")
        await settle(pilot)
        await until(lambda: any(said(n) for n in notifications(app)))
        shown = notifications(app)
        assert "Cancelled the unsent comment (nothing was sent)" in shown, shown
        assert not any(n.startswith("Queued:") for n in shown), shown
    assert queued_ops(db_path, "school:r005") == []


async def test_deleting_an_unsent_new_incident_says_it_was_cancelled(
    make_app: Any, db_path: Path
) -> None:
    actions = Actions.open(db_path, clock=fixed_clock(NOW))
    local_id = actions.create("school", "kitehouse", Draft(title="Typo incident")).incident_id
    actions.engine.dispose()
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await cursor_to(pilot, local_id)
        await pilot.press("delete")
        await settle(pilot)
        await pilot.press("y")
        await settle(pilot)
        await until(lambda: any(said(n) for n in notifications(app)))
        shown = notifications(app)
        assert "Cancelled the unsent new incident (nothing was sent)" in shown, shown
        assert not any(n.startswith("Queued:") for n in shown), shown
    assert queued_ops(db_path, local_id) == []
