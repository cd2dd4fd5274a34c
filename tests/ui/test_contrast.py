"""Text stands out from what lies behind it (WCAG AA: 4.5:1, 3:1 for bold) in every shipped
theme, measured on the colours the terminal shows: true colour as drawn, and the 16 colours
a terminal without ``COLORTERM`` gets (``TERM=xterm``, ``screen``, ``linux``) as Rich reduces
them, read in the Linux console's and in xterm's palette."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
from textual.widgets._toast import Toast

from tests.ui.contrast import RGB, VGA, XTERM, cells, contrast_of, hard_to_read
from tests.ui.helpers import cursor_to, open_detail, settle, until

THEMES = ("incident-dark", "incident-light", "incident-contrast")


@pytest.mark.parametrize("theme", THEMES)
async def test_the_keys_under_a_detail_section_read_as_its_heading_does(
    make_app: Any, theme: str
) -> None:
    # The conflict's answers are the keys written into its section's lower border; they took
    # the border's faint colour (2:1 in incident-dark, 1.7:1 in incident-light).
    app = make_app(theme=theme)
    async with app.run_test(size=(100, 40)) as pilot:
        await open_detail(pilot, "ops:r004")
        assert contrast_of(app, "m keep mine · T take theirs") >= 4.5
        assert contrast_of(app, "Conflict") >= 4.5


@pytest.mark.parametrize("theme", THEMES)
async def test_the_filter_columns_are_named_readably(make_app: Any, theme: str) -> None:
    app = make_app(theme=theme)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        for title in ("Status", "Severity", "Remote"):
            assert contrast_of(app, title) >= 4.5, title


@pytest.mark.parametrize("theme", THEMES)
async def test_placeholders_are_readable(make_app: Any, theme: str) -> None:
    # Textual draws a placeholder at 38% of the text's colour: 3.4:1 in incident-dark, 2.7:1
    # in incident-light.
    app = make_app(theme=theme)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await settle(pilot)
        # The first letter is under the cursor.
        assert contrast_of(app, "earch title, description, comments") >= 4.5
        await pilot.press("escape", "n")
        await settle(pilot)
        assert contrast_of(app, "hat is happening?") >= 4.5


@pytest.fixture
def sixteen_colours(monkeypatch: pytest.MonkeyPatch) -> None:
    """A terminal that says nothing of true colour: Rich gives it 16 colours."""
    monkeypatch.delenv("COLORTERM", raising=False)
    monkeypatch.setenv("TERM", "xterm")


@pytest.mark.parametrize(("theme", "palette"), [
    ("incident-dark", VGA), ("incident-dark", XTERM),
    ("incident-contrast", VGA), ("incident-contrast", XTERM),
    # xterm's own yellow is 1.7:1 on white: incident-light's amber is read there as that.
    ("incident-light", VGA),
], ids=["dark-linux", "dark-xterm", "contrast-linux", "contrast-xterm", "light-linux"])
async def test_the_list_reads_on_sixteen_colours(
    make_app: Any, sixteen_colours: None, theme: str, palette: Sequence[RGB]
) -> None:
    # incident-dark's bars, cursor and selection all became the terminal's grey: the failing
    # remote's red on the status line, a critical incident's under the cursor and the footer's
    # blue keys were 1:1 to 1.5:1 there.
    app = make_app(theme=theme)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        assert app.console.color_system == "standard"
        await settle(pilot)
        await pilot.press("down", "space")
        await cursor_to(pilot, "ops:r004")  # critical, in conflict
        app.notify("Sync failed", severity="error", title="status")
        await until(lambda: bool(app.screen.query(Toast)))
        await pilot.pause()
        shown = " ".join(c.text for c in cells(app, "16", palette))
        assert "crit" in shown and "status HTTP 500" in shown and "Sync failed" in shown
        # A key that does nothing here is drawn faint in the footer (the last line) on purpose.
        assert [c for c in hard_to_read(app, "16", palette) if c.y != 29] == []
        assert contrast_of(app, "a", "16", palette) >= 3.0  # a working key, bold


async def test_the_new_incident_dialog_reads_on_sixteen_colours(
    make_app: Any, sixteen_colours: None
) -> None:
    app = make_app(theme="incident-dark")
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("n")
        await settle(pilot)
        assert contrast_of(app, "hat is happening?", "16") >= 4.5
        assert contrast_of(app, "hat is happening?", "16", XTERM) >= 4.5


async def test_true_colour_keeps_the_themes_own_colours(make_app: Any) -> None:
    app = make_app(theme="incident-dark")
    async with app.run_test(size=(100, 30)):
        assert app.console.color_system == "truecolor"
        assert app.theme_variables["panel"] == "#252B34"
