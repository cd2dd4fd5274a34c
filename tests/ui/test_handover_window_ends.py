"""The handover's ``+`` / ``-`` through the real App at 80x24: they step through 4 to 72
hours (and their help says so, not "one hour"); at either end they say so once, with the
command that covers more or less, instead of doing nothing without a word.
"""

from __future__ import annotations

from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.domain.handover import MAX_HOURS
from incident_tui.keymap import HELP_TEXT
from incident_tui.ui.screens.handover import HOURS, HandoverScreen
from tests.ui.helpers import notifications, settle


async def open_handover(pilot: Any) -> HandoverScreen:
    """Press ``h`` and wait for the summary."""
    await settle(pilot)
    await pilot.press("h")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, HandoverScreen) and screen.handover is not None
    return screen


def ends(app: Any) -> list[str]:
    """The notices about the ends of the steps."""
    return [n for n in notifications(app) if "goes here" in n]


async def test_a_burst_of_plus_stops_at_72_hours_and_says_so_once(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_handover(pilot)
        for _ in range(20):
            await pilot.press("plus")
        await settle(pilot)
        assert screen.handover is not None and screen.handover.hours == 72
        assert ends(app) == [
            "72 h is as far back as + goes here. For more, run: "
            f"incident-tui handover --hours N (N up to {MAX_HOURS:g})"
        ]


async def test_minus_stops_at_4_hours_and_says_so_once(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24), notifications=True) as pilot:
        screen = await open_handover(pilot)
        for _ in range(10):
            await pilot.press("minus")
        await settle(pilot)
        assert screen.handover is not None and screen.handover.hours == 4
        assert ends(app) == [
            "4 h is as short as - goes here. For less, run: "
            "incident-tui handover --hours N (any N above 0)"
        ]
        # A step back the other way is no end: no further notice.
        await pilot.press("plus")
        await settle(pilot)
        assert screen.handover.hours == 8
        assert len(ends(app)) == 1


async def test_the_keys_help_names_the_steps_not_one_hour(make_app: Any) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_handover(pilot)
        steps = ", ".join(f"{hours:g}" for hours in HOURS)
        tooltips = {
            active.binding.action: active.binding.tooltip
            for active in screen.active_bindings.values()
            if active.binding.action.startswith("hours(")
        }
        assert tooltips == {
            "hours(1)": f"Cover more hours: the next of {steps}",
            "hours(-1)": f"Cover fewer hours: the previous of {steps}",
        }
    assert f"+/- {HOURS[0]:g} to {HOURS[-1]:g} h" in HELP_TEXT["handover"]


@pytest.mark.parametrize(("hours", "status"), [(f"{MAX_HOURS:g}", 0), ("0.5", 0), ("0", 2)])
def test_the_command_the_notices_name_covers_what_they_say(
    make_settings: Any, monkeypatch: pytest.MonkeyPatch, hours: str, status: int
) -> None:
    """``handover --hours N`` takes any N above 0 up to MAX_HOURS, as the notices say."""
    settings = make_settings()
    monkeypatch.setenv("INCIDENT_TUI_DB", str(settings.db))
    if status:
        with pytest.raises(SystemExit) as exit_info:
            main(["handover", "--hours", hours])
        assert exit_info.value.code == status
    else:
        assert main(["handover", "--hours", hours]) == 0
