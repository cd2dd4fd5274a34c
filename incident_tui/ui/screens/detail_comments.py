"""Which of an incident's comments the detail screen lays out: the newest ones, and a page of
earlier ones more each time the reader asks.

Laying out every comment of a long-running incident took seconds (5,000 comments: some 6 s of
the main thread, with no key answered meanwhile); the newest are what a responder opens it
for. The earlier ones are a key away, named on the line that says how many are not shown.
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

    def start(self, comments: Sequence[Mapping[str, Any]]) -> int:
        """The index of the first of ``comments`` (in timeline order) to lay out; the ones
        before it are not shown."""
        count = len(comments)
        start = self._start
        if count <= self.limit:
            start = 0
        elif self._first is None:
            start = count - self.limit
        else:
            if not (start < count and order_key(comments[start]) == self._first):
                keys = [order_key(comment) for comment in comments]
                start = bisect_left(keys, self._first)
            if count - start > self.limit + self.page:
                start = count - self.limit
        self._remember(comments, start)
        return start

    def _remember(self, comments: Sequence[Mapping[str, Any]], start: int) -> None:
        self._start = start
        self._first = order_key(comments[start]) if start < len(comments) else None

    def show_earlier(self, comments: Sequence[Mapping[str, Any]]) -> int:
        """Show a page more of the comments before those shown; how many now show."""
        start = max(0, self.start(comments) - self.page)
        self._remember(comments, start)
        shown = len(comments) - start
        self.limit = max(self.limit, shown)
        return shown


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
