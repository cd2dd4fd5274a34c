"""A TUI left open for a shift: the footer rebuilds its key hints whenever the bindings change
(each rest of the list's cursor, each return from another screen), and what it built before
must not stay behind in memory."""

from __future__ import annotations

import gc
from typing import Any

from incident_tui.ui.widgets.key_footer import KeyFooter
from tests.ui.helpers import settle

MOVES = 6


def footer_keys() -> int:
    """Hint widgets alive in the process: those on screen and any left behind."""
    gc.collect()
    return sum(1 for o in gc.get_objects() if type(o).__name__ == "FooterKey")


async def test_moving_the_cursor_all_shift_leaves_no_old_hints_behind(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        shown = len(footer.children)
        # Counted from here: earlier tests' apps in this process may not be collected yet.
        before = footer_keys()
        for index in range(MOVES):
            # One key at a time, each resting long enough for the footer to follow the row.
            await pilot.press("down" if index % 2 == 0 else "up")
            await pilot.pause(0.2)
            await settle(pilot)
        # Textual's footer binds each hint to its ``compact`` setting; the bindings of
        # removed hints went only when that setting changed, which it never does.
        bound = [node for node, _ in getattr(footer, "__watchers", {}).get("compact", [])]
        assert len(bound) <= len(footer.children), (len(bound), len(footer.children))
        assert footer_keys() - before <= shown, (footer_keys(), before, shown)
