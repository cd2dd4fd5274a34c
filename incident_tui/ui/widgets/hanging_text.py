"""Text whose wrapped lines stay under their line's indent, or under the value of a labelled
line (``label      value``), so that a continuation never reads as a line of its own."""

from __future__ import annotations

from textual.content import Content
from textual.geometry import Size
from textual.visual import Visual
from textual.widgets import Static

MAX_INDENT_SHARE = 2
"""An indent keeps its continuation lines only while it is under 1/2 of the width: past
that the text would be squeezed into a sliver."""


LABEL_STYLE = "$foreground-muted"
"""The style of a line's label: a line that starts with one, padded with spaces, is a
labelled line, and its continuation lines start under its value."""


def hang(content: Content, width: int) -> Content:
    """``content`` wrapped at ``width``, each line's continuation lines indented as the line
    is (by its leading spaces, or its label: :func:`indent_of`), where Textual's own
    wrapping starts them at the left edge."""
    out: list[Content] = []
    for line in content.split("\n", allow_blank=True):
        indent = indent_of(line)
        if not indent or indent * MAX_INDENT_SHARE >= width or line.cell_length <= width:
            out.append(line)
            continue
        first, *rest = line[indent:].wrap(width - indent)
        out.append(line[:indent] + first)
        margin = Content(" " * indent)
        out.extend(margin + piece for piece in rest)
    return Content("\n").join(out)


def indent_of(line: Content) -> int:
    """Where ``line``'s continuation lines start: after its label and the label's padding
    (a first span in :data:`LABEL_STYLE` ending in a space), else after its leading
    spaces."""
    plain = line.plain
    for span in line.spans:
        if span.start == 0 and span.style == LABEL_STYLE and plain[: span.end].endswith(" "):
            return span.end
    return len(plain) - len(plain.lstrip(" "))


class HangingText(Static):
    """A :class:`Static` of :class:`Content` that wraps with :func:`hang`: a long line of an
    indented comment continues inside the comment, not under its header, and a long value
    continues under the value, not under the labels."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._hung: tuple[int, Visual, Visual] | None = None
        """The last width and visual hung, and the result (layout and drawing ask for the
        same width in turn)."""

    def _hung_at(self, width: int) -> Visual:
        visual = self.visual
        if not isinstance(visual, Content) or width <= 0:
            return visual
        if self._hung is not None and self._hung[0] == width and self._hung[1] is visual:
            return self._hung[2]
        hung = hang(visual, width)
        self._hung = (width, visual, hung)
        return hung

    def render(self) -> Visual:
        """The content, hung at the widget's width."""
        return self._hung_at(self.size.width)

    def get_content_height(self, container: Size, viewport: Size, width: int) -> int:
        """The height of the content hung at ``width`` (not at the width the widget had)."""
        if not width:
            return 0
        # As Textual's own Widget.get_content_height: the styles serve as the rules map.
        return self._hung_at(width).get_height(self.styles, width)  # type: ignore[arg-type]
