"""Deleting a file not uploaded yet cancels its queued upload instead of queuing a deletion
the remote would refuse: the notice says so ("Cancelled the unsent attachment"), the outbox
is left without it and its kept copy beside the cache is gone. Driven with the keys a user
presses, over a real cache."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.clock import fixed_clock
from incident_tui.paths import outbox_files_dir
from incident_tui.store.actions import Actions
from tests.ui.conftest import NOW
from tests.ui.helpers import notifications, open_detail, queued_ops, settle, until


async def test_deleting_an_unsent_attachment_says_it_was_cancelled(
    make_app: Any, db_path: Path, tmp_path: Path
) -> None:
    note = tmp_path / "note.txt"
    note.write_text("meter reading 4711")
    actions = Actions.open(db_path, clock=fixed_clock(NOW))
    actions.attach("school:r005", note, "text/plain")
    actions.engine.dispose()
    assert queued_ops(db_path, "school:r005") == ["attach"]
    assert len(list(outbox_files_dir(db_path).glob("*/note.txt"))) == 1
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await open_detail(pilot, "school:r005")
        await pilot.press("X")  # its only attachment: no choice to make
        assert app.screen.__class__.__name__ == "ConfirmScreen"
        await pilot.press("y")
        await settle(pilot)
        await until(lambda: any("unsent" in n or n.startswith("Queued:")
                                for n in notifications(app)))
        shown = notifications(app)
        assert "Cancelled the unsent attachment (nothing was sent)" in shown, shown
        assert not any(n.startswith("Queued:") for n in shown), shown
    assert queued_ops(db_path, "school:r005") == []
    assert list(outbox_files_dir(db_path).glob("*/*")) == []
