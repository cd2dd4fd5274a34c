"""Which of an incident's comments the detail screen lays out: the newest ones, and a page of
earlier ones more each time the reader asks.

Laying out every comment of a long-running incident took seconds (5,000 comments: some 6 s of
the main thread, with no key answered meanwhile); the newest are what a responder opens it
for. The earlier ones are a key away, named on the line that says how many are not shown.
Each page asked for is laid out on its own (:meth:`CommentWindow.pages`), so that a press
costs the page it adds, not every comment shown.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Mapping, Sequence
from typing import Any

from textual.content import Content

COMMENT_PAGE = 100
"""How many comments the detail lays out at first, and how many more each press of the
earlier-comments key adds above them."""


def order_key(comment: Mapping[str, Any]) -> tuple[str, int]:
    """Where ``comment`` is in the timeline: the cache reads them in this order."""
    return (str(comment.get("created_at") or ""), int(comment.get("seq") or 0))


class CommentWindow:
    """The comments the detail shows: from its first shown comment to the newest.

    Every comment shows while there are no more than :attr:`limit`. Past that the first
    shown comment is remembered, not a count: a comment that comes in while the incident is
    open joins the end and leaves the others where they are, and one deleted before it
    hides none of those shown. Only a burst of more than a page at once (the first full read
    of an incident whose comments were not cached) is cut back to the newest."""

    def __init__(self, page: int = COMMENT_PAGE) -> None:
        self.page = page
        self.limit = page
        """How many comments may show, past new ones that come in meanwhile."""
        self._first: tuple[str, int] | None = None
        """Where the first shown comment is in the timeline (:func:`order_key`)."""
        self._start = 0
        """Its index at the last look: where it most likely still is."""
        self._breaks: list[tuple[str, int]] = []
        """Where each page shown begins in the timeline, oldest first: the first shown
        comment when the window started, and the first of each page shown since."""

    def start(self, comments: Sequence[Mapping[str, Any]]) -> int:
        """The index of the first of ``comments`` (in timeline order) to lay out; the ones
        before it are not shown."""
        count = len(comments)
        start = self._start
        fresh = False
        if count <= self.limit:
            start = 0
            fresh = not self._breaks
        elif self._first is None:
            start, fresh = count - self.limit, True
        else:
            if not (start < count and order_key(comments[start]) == self._first):
                keys = [order_key(comment) for comment in comments]
                start = bisect_left(keys, self._first)
            if count - start > self.limit + self.page:
                start, fresh = count - self.limit, True
        self._remember(comments, start)
        if fresh or not count:
            self._breaks = [order_key(comments[start])] if count else []
        return start

    def _remember(self, comments: Sequence[Mapping[str, Any]], start: int) -> None:
        self._start = start
        self._first = order_key(comments[start]) if start < len(comments) else None

    def show_earlier(self, comments: Sequence[Mapping[str, Any]]) -> int:
        """Show a page more of the comments before those shown; how many now show."""
        shown = self.start(comments)
        start = max(0, shown - self.page)
        self._remember(comments, start)
        if start < shown:
            self._breaks.insert(0, order_key(comments[start]))
        shown = len(comments) - start
        self.limit = max(self.limit, shown)
        return shown


    def pages(
        self, comments: Sequence[Mapping[str, Any]], start: int
    ) -> list[tuple[tuple[str, int], Sequence[Mapping[str, Any]]]]:
        """The comments shown from ``start`` (as :meth:`start` gave it) in pages, oldest
        first, each under where it began: what an earlier press showed is a page of its own,
        and comments that come in join the newest page or the page whose time they have."""
        shown = comments[start:]
        if not shown:
            return []
        breaks = self._breaks or [order_key(shown[0])]
        # The first page takes whatever shows before the second one's beginning.
        bounds = [0, *(bisect_left(shown, b, key=order_key) for b in breaks[1:]), len(shown)]
        return [
            (begin, shown[low:high])
            for begin, low, high in zip(breaks, bounds[:-1], bounds[1:], strict=True)
            if low < high
        ]


def earlier_line(hidden: int, key: str, page: int = COMMENT_PAGE) -> Content:
    """The line above the shown comments: how many earlier ones are not, and which key shows
    more (``key`` empty when no key runs it)."""
    noun = "comment" if hidden == 1 else "comments"
    parts: list[str | tuple[str, str]] = [
        (f"{hidden:,} earlier {noun} not shown", "bold $foreground-muted")
    ]
    if key:
        more = "it" if hidden == 1 else "them" if hidden <= page else f"{page:,} more"
        parts += [("  ·  ", "$foreground-muted"), (key, "bold $accent"), f" shows {more}"]
    return Content.assemble(*parts)
