"""The footer of key hints, fitted to its width: the keys that matter most stay.

Textual's footer lays its hints out left to right and docks the command palette's on the
right, over whatever is under it: at 60 columns the screen's own hints filled the line and
the last ones, Help and Quit (the App's, so listed after the screen's), went under the
palette's hint. Textual has no order of importance for what a footer shows, so this one
decides: Help, Back and Quit always, then the screen's other hints from the left, as many
as fit, then the palette's. What does not fit is hidden, never cut, and every key is still
in the help.
"""

from __future__ import annotations

from typing import Any

from textual.widget import Widget
from textual.widgets import Footer

KEPT = ("help", "back", "quit")
"""Actions whose hints the footer shows at any width: the way to every other key, back, and
out."""


def _kept(widget: Widget) -> bool:
    """Whether ``widget`` is the hint of a key the footer always shows."""
    # By the hint's action: Textual does not export its FooterKey class.
    action = str(getattr(widget, "action", ""))
    return action.rpartition(".")[2] in KEPT


class KeyFooter(Footer):
    """Textual's footer, with hints of lower importance left out when they do not all fit
    its width (see the module)."""

    async def recompose(self) -> None:
        """Build the hints anew, fitted before they are first drawn (the footer recomposes
        whenever the bindings change, and would otherwise flash the hints that don't fit)."""
        with self.app.batch_update():
            await super().recompose()
            self._forget_removed()
            self._fit()

    def _forget_removed(self) -> None:
        """Drop the footer's watchers of hints a rebuild removed.

        Textual's footer binds each hint it builds to its ``compact`` setting, and drops the
        binding of a removed hint only when that setting changes, which it never does here:
        every rebuild (each rest of the list's cursor) kept its hints in memory for good, a
        few hundred widgets a minute of moving about the list."""
        watchers: dict[str, list[tuple[Any, Any]]] = getattr(self, "__watchers", {})
        for bound in watchers.values():
            bound[:] = [(node, callback) for node, callback in bound if not node._closing]

    def on_resize(self) -> None:
        """Fit the hints to the new width (more may fit, or fewer)."""
        self._fit()

    def _cells(self, widget: Widget) -> int:
        """The columns ``widget`` takes in the footer's row, margins included (computed, not
        read from its region: a hidden hint has none)."""
        styles = widget.styles
        content = widget.get_content_width(self.size, self.app.size)
        return content + styles.gutter.width + styles.margin.width

    def _fit(self) -> None:
        """Show the hints that fit, in order of importance; hide the rest."""
        room = self.size.width
        if not room:
            return  # not laid out yet: the first resize fits them
        hints = list(self.children)
        palette = [hint for hint in hints if hint.has_class("-command-palette")]
        kept = [hint for hint in hints if _kept(hint)]
        others = [hint for hint in hints if hint not in palette and hint not in kept]
        used = sum(self._cells(hint) for hint in kept)
        fits = True
        # Once one hint does not fit, none after it is shown: a shorter one further right
        # matters less than the one left out.
        for hint in [*others, *palette]:
            cells = self._cells(hint)
            fits = fits and used + cells <= room
            if fits:
                used += cells
            hint.display = fits
        for hint in kept:
            hint.display = True
