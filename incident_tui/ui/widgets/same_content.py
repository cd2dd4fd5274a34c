"""Showing text only when it differs from what is shown: a report recomputed after a sync
pass that changed none of its figures must not send its whole screen down a slow link
again (Textual repaints a widget on every update, equal or not)."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static


def same_content(a: object, b: object) -> bool:
    """Whether ``a`` and ``b`` show alike: for :class:`Content`, the same text with the same
    styles (its own ``==`` compares the text alone)."""
    if isinstance(a, Content) and isinstance(b, Content):
        return a.plain == b.plain and list(a.spans) == list(b.spans)
    return type(a) is type(b) and a == b


def update_changed(static: Static, content: Content) -> bool:
    """Show ``content`` in ``static`` unless it shows the same already; whether it changed."""
    if same_content(static.content, content):
        return False
    static.update(content)
    return True
