"""The handover summary as styled :class:`Content` for the handover screen: its title bar
and its report, line by line in the theme's colours.

Text from remotes is data, never markup: ``Content`` does not parse it.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual.content import Content

from incident_tui.domain.handover import Handover
from incident_tui.domain.handover_render import display_lines

LINE_STYLES: dict[str, str] = {
    "title": "bold $text",
    "meta": "$text-muted",
    "warning": "bold $warning",
    "heading": "bold $accent",
    "count": "",
    "item": "",
    "more": "$text-muted",
    "detail": "$text-muted",
    "empty": "$text-muted",
    "blank": "",
}
"""How each kind of report line is drawn (theme variables, so every theme applies)."""

SEVERITY_VARIABLES = {
    "CRITICAL": ("severity-critical", "error"),
    "MAJOR": ("severity-major", "warning"),
    "MINOR": ("severity-minor", "accent"),
}


def title_content(handover: Handover) -> Content:
    """The title bar: the shift length, how many incidents need attention, whether the data
    may be out of date, and when the summary was made."""
    stale = sum(1 for r in handover.remotes if r.stale)
    attention = handover.section("attention").total
    parts: list[str | tuple[str, str]] = [
        ("Handover", "bold"),
        f"  last {handover.hours:g} h  ·  {attention} need attention",
    ]
    if stale or not handover.remotes:
        parts.append(("  ·  data may be out of date", "bold $warning"))
    stamp = handover.generated_at.strftime("%Y-%m-%d %H:%MZ")
    parts.append((f"  ·  as of {stamp}", "$text-muted"))
    return Content.assemble(*parts)


def report_content(handover: Handover, variables: Mapping[str, str]) -> Content:
    """The plain-text report as styled :class:`Content`; ``variables``: the App's theme
    variables (a theme without incident colours falls back to Textual's)."""
    lines: list[Content] = []
    shown = display_lines(handover)
    # The title bar already says what the report's heading and preamble say; on a small
    # terminal those lines would push "needs attention" off the first screen.
    while shown and shown[0][0] in ("title", "meta", "blank"):
        shown.pop(0)
    for kind, text in shown:
        style = LINE_STYLES.get(kind, "")
        if kind == "item":
            lines.append(_item_content(text, variables))
        else:
            lines.append(Content.styled(text, style) if style else Content(text))
    return Content("\n").join(lines)


def _item_content(text: str, variables: Mapping[str, str]) -> Content:
    """An item line with its severity tag coloured."""
    for tag, (variable, fallback) in SEVERITY_VARIABLES.items():
        prefix = f"- {tag} "
        if text.startswith(prefix):
            colour = variable if variable in variables else fallback
            return Content.assemble("- ", (tag, f"bold ${colour}"), text[len(prefix) - 1 :])
    return Content(text)
