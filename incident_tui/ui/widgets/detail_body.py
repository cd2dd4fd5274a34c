"""The detail screen's scrolling sections, whose up, down, page, home and end keys are theirs
whether or not the incident is long enough to scroll.

Textual's scroll actions pass the key on to the next binding when there is nothing to scroll
(``SkipAction``). A command the key settings put on one of these keys (``acknowledge =
"down"``) then ran on a short incident and not on a long one, while the start-up notice said
the key scrolls, not acknowledges: the same key did one thing or the other by the length of
the incident. Here it only scrolls, as the list's cursor keys only move the cursor.
"""

from __future__ import annotations

from contextlib import suppress

from textual.actions import SkipAction
from textual.containers import VerticalScroll


class DetailBody(VerticalScroll):
    """A vertical scroll that keeps its scrolling keys when it has nothing to scroll."""

    def action_scroll_up(self) -> None:
        """Scroll up a line; nothing when there is nothing to scroll."""
        with suppress(SkipAction):
            super().action_scroll_up()

    def action_scroll_down(self) -> None:
        """Scroll down a line; nothing when there is nothing to scroll."""
        with suppress(SkipAction):
            super().action_scroll_down()

    def action_page_up(self) -> None:
        """Scroll up a page; nothing when there is nothing to scroll."""
        with suppress(SkipAction):
            super().action_page_up()

    def action_page_down(self) -> None:
        """Scroll down a page; nothing when there is nothing to scroll."""
        with suppress(SkipAction):
            super().action_page_down()

    def action_scroll_home(self) -> None:
        """Scroll to the top; nothing when there is nothing to scroll."""
        with suppress(SkipAction):
            super().action_scroll_home()

    def action_scroll_end(self) -> None:
        """Scroll to the end; nothing when there is nothing to scroll."""
        with suppress(SkipAction):
            super().action_scroll_end()
