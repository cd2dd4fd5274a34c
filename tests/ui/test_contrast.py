"""Text stands out from what lies behind it (WCAG AA: 4.5:1, 3:1 for bold) in every shipped
theme, measured on the colours the terminal shows: true colour as drawn, and the 16 colours
a terminal without ``COLORTERM`` gets (``TERM=xterm``, ``screen``, ``linux``) as Rich reduces
them, read in the Linux console's and in xterm's palette."""

from __future__ import annotations

from typing import Any

import pytest

from tests.ui.contrast import contrast_of
from tests.ui.helpers import open_detail, settle

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
