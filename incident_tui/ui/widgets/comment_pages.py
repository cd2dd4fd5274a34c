"""The detail's comments section: the line saying how many earlier comments are not shown,
then the shown comments in pages, each a widget of its own.

As one text, every shown comment was wrapped and drawn again on each press of the
earlier-comments key (~0.9 ms a comment: with 1,100 shown, a press kept the keys waiting
1.4 s). A press now adds a page above the others, which keep what they drew, and a comment
that comes in draws again only the page it joins.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.geometry import Size
from textual.widgets import Static

from incident_tui.ui.widgets.hanging_text import HangingText

Page = tuple[Hashable, Sequence[Mapping[str, Any]]]
"""A page of comments: where it begins (what tells it from the others), and its comments."""

NO_SIZE = Size(0, 0)


class CommentPage(HangingText):
    """A run of consecutive comments of the thread."""


class CommentPages(Vertical):
    """The earlier-comments line and the pages of comments under it, a blank line between
    each two. Only a page whose comments changed is drawn again."""

    DEFAULT_CSS = """
    CommentPages {
        height: auto;
    }
    CommentPages > .comments-earlier {
        height: auto;
        margin-bottom: 1;
    }
    CommentPages > CommentPage {
        height: auto;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._earlier: tuple[str, object] | None = None
        """What the earlier-comments line shows (text and styles), if it shows."""
        self._pages: dict[Hashable, tuple[CommentPage, list[Mapping[str, Any]]]] = {}
        """Each page shown, by where it begins: its widget and the comments it shows."""
        self._order: list[Hashable] = []
        """The pages shown, top to bottom."""

    def compose(self) -> ComposeResult:
        """The earlier-comments line; the pages are mounted as they come."""
        line = Static(classes="comments-earlier")
        line.display = False
        yield line

    def show(
        self,
        earlier: Content | None,
        pages: Sequence[Page],
        draw: Callable[[Sequence[Mapping[str, Any]]], Content],
    ) -> None:
        """Show ``earlier`` (none: every comment shows) above ``pages``, oldest first, each
        drawn with ``draw`` if it is new or its comments changed; no pages show what ``draw``
        makes of no comments."""
        self._show_earlier(earlier)
        if not pages:
            pages = [(None, [])]
        wanted = [key for key, _ in pages]
        for key in self._order:
            if key not in wanted:
                self._pages.pop(key)[0].remove()
        above: Static = self.query_one(".comments-earlier", Static)
        for key, items in pages:
            held = self._pages.get(key)
            if held is None:
                page = CommentPage()
                page.update(draw(items))
                self.mount(page, after=above)
                self._pages[key] = (page, list(items))
            else:
                page = held[0]
                if held[1] != items:
                    page.update(draw(items))
                    self._pages[key] = (page, list(items))
            above = page
        self._order = wanted
        self._part_pages()

    def _part_pages(self) -> None:
        """A blank line under each page but the last. Set here, not with ``:last-child``:
        Textual does not style a page again when the last one is removed, so the page above
        it kept its blank line, at the foot of the section."""
        pages = [self._pages[key][0] for key in self._order]
        for n, page in enumerate(pages, start=1):
            below = 0 if n == len(pages) else 1
            if page.styles.margin.bottom != below:
                page.styles.margin = (0, 0, below, 0)

    def _show_earlier(self, earlier: Content | None) -> None:
        shown = None if earlier is None else (earlier.plain, list(earlier.spans))
        if shown == self._earlier:
            return
        self._earlier = shown
        line = self.query_one(".comments-earlier", Static)
        line.update(earlier or "")
        line.display = earlier is not None

    def clear(self) -> None:
        """Show nothing: no line, no pages."""
        self._show_earlier(None)
        for key in self._order:
            self._pages.pop(key)[0].remove()
        self._order = []

    def lines_at(self, width: int) -> int:
        """How many lines what this shows takes at ``width`` (its content width)."""
        line = self.query_one(".comments-earlier", Static)
        parts: list[Static] = [line] if line.display else []
        parts += [self._pages[key][0] for key in self._order]
        heights = sum(part.get_content_height(NO_SIZE, NO_SIZE, width) for part in parts)
        return heights + max(0, len(parts) - 1)

    @property
    def content(self) -> Content:
        """Everything this shows as one text, as it reads from the top: the line, then the
        comments, a blank line between each two parts."""
        line = self.query_one(".comments-earlier", Static)
        parts = [line.content] if line.display else []
        parts += [self._pages[key][0].content for key in self._order]
        return Content("\n\n").join(
            part if isinstance(part, Content) else Content(str(part)) for part in parts
        )
