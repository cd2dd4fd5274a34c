"""Contrast of the text on screen as a terminal shows it: each cell's colours reduced to 256
or 16 colours as Rich does when it writes them, then read in the terminal's palette, and
measured as WCAG 2 defines the contrast ratio.

Box drawing and block characters (borders, scroll bars, chart bars) are shapes, not text,
and are left out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from rich._palettes import EIGHT_BIT_PALETTE, STANDARD_PALETTE
from rich.color import Color, ColorSystem, ColorType
from rich.style import Style

RGB = tuple[int, int, int]

VGA: Sequence[RGB] = [tuple(STANDARD_PALETTE[n]) for n in range(16)]  # type: ignore[misc]
"""The 16 colours of the Linux console (``TERM=linux``), those Rich picks from."""

XTERM: Sequence[RGB] = [
    (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205),
    (0, 205, 205), (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0),
    (92, 92, 255), (255, 0, 255), (0, 255, 255), (255, 255, 255),
]
"""xterm's own 16 colours (``TERM=xterm``, and screen or tmux inside it)."""

SYSTEMS = {"256": ColorSystem.EIGHT_BIT, "16": ColorSystem.STANDARD}


class Cell(NamedTuple):
    """A run of text on screen with the colours the terminal shows it in."""

    y: int
    text: str
    ratio: float
    bold: bool


def _luminance(rgb: RGB) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    red, green, blue = rgb
    return 0.2126 * channel(red) + 0.7152 * channel(green) + 0.0722 * channel(blue)


def ratio(first: RGB, second: RGB) -> float:
    """The WCAG contrast ratio of two colours, 1 to 21."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def shown(color: Color, system: str, palette: Sequence[RGB]) -> RGB:
    """The colour the terminal shows for ``color`` written in ``system`` ("truecolor",
    "256" or "16")."""
    if color.type is ColorType.STANDARD:
        assert color.number is not None
        return palette[color.number]
    if system == "truecolor":
        red, green, blue = color.get_truecolor()
        return (red, green, blue)
    reduced = color.downgrade(SYSTEMS[system])
    assert reduced.number is not None
    if reduced.type is ColorType.EIGHT_BIT and reduced.number >= 16:
        red, green, blue = EIGHT_BIT_PALETTE[reduced.number]
        return (red, green, blue)
    return palette[reduced.number]


def _is_shape(char: str) -> bool:
    return 0x2500 <= ord(char) <= 0x259F


def cells(app: Any, system: str, palette: Sequence[RGB] = VGA) -> list[Cell]:
    """Every run of text on the app's screen (dialogs with what lies under them) with its
    contrast as the terminal shows it."""
    update = app.screen._compositor.render_update(
        full=True, screen_stack=app._background_screens
    )
    found: list[Cell] = []
    for y, strips in enumerate(update.strips):
        for strip in strips:
            for segment in strip:
                style: Style | None = segment.style
                text = "".join(" " if _is_shape(c) else c for c in segment.text).strip()
                if segment.control or style is None or not text:
                    continue
                fg, bg = style.color, style.bgcolor
                if style.reverse:
                    fg, bg = bg, fg
                assert fg is not None and bg is not None, f"{text!r} in the terminal's colours"
                contrast = ratio(shown(fg, system, palette), shown(bg, system, palette))
                found.append(Cell(y, text, round(contrast, 2), bool(style.bold)))
    return found


def hard_to_read(app: Any, system: str, palette: Sequence[RGB] = VGA) -> list[Cell]:
    """The text on screen under 4.5:1, or under 3:1 when bold (WCAG AA)."""
    return [c for c in cells(app, system, palette) if c.ratio < (3.0 if c.bold else 4.5)]


def contrast_of(app: Any, text: str, system: str = "truecolor",
                palette: Sequence[RGB] = VGA) -> float:
    """The lowest contrast of the runs of text on screen holding ``text``."""
    found = [c.ratio for c in cells(app, system, palette) if text in c.text]
    assert found, f"{text!r} is not on screen"
    return min(found)
