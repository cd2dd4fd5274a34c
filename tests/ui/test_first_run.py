"""A first run with no config: ``s`` and the empty list say where the config file was looked
for, as ``sync`` does, and the status line keeps its short word for it. ``s`` said only "No
remote to sync.", the list "never synced", and nothing in the TUI named the file."""

from __future__ import annotations

from pathlib import Path

from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.ui.app import make_app
from incident_tui.ui.widgets.incident_list import IncidentList
from tests.ui.conftest import NOW
from tests.ui.helpers import notifications, screen_text, settle, until


async def test_s_with_no_remotes_names_the_config_file(tmp_path: Path) -> None:
    config = tmp_path / "incident-tui" / "config.toml"
    settings = Settings(config=config, db=tmp_path / "cache.db")
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: app.runner is not None)
        await settle(pilot)
        assert "no remotes configured" in screen_text(app)  # the status line, short
        await pilot.press("s")
        await settle(pilot)
        assert notifications(app)[-1] == (
            f"No remotes are configured in {config}, which does not exist (--config or "
            "INCIDENT_TUI_CONFIG name another file)."
        )


async def test_the_empty_list_names_the_config_file(tmp_path: Path) -> None:
    # It said "No incidents yet (never synced)", as if a sync were to come.
    config = tmp_path / "incident-tui" / "config.toml"
    settings = Settings(config=config, db=tmp_path / "cache.db")
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: "INCIDENT_TUI_CONFIG" in screen_text(app))
        await settle(pilot)
        incidents = app.screen.query_one(IncidentList)
        lines = screen_text(app).splitlines()[incidents.region.y : incidents.region.bottom]
        shown = [line.strip() for line in lines if line.strip()]
        assert shown[0].startswith("No incidents yet: no remotes are configured in")
        # Wrapped under the column titles, none of it cut off (the path may be cut anywhere).
        words = (
            f"No incidents yet: no remotes are configured in {config}, which does not "
            "exist (--config or INCIDENT_TUI_CONFIG name another file)"
        )
        assert "".join(shown).replace(" ", "") == words.replace(" ", "")
        assert all(len(line.rstrip()) <= incidents.region.right for line in lines)


async def test_a_config_path_of_wide_characters_is_wrapped_whole(tmp_path: Path) -> None:
    # Wrapped by characters, a line holding Chinese (two columns each) was wider than the
    # list and cut with '…': part of the path was nowhere.
    config = tmp_path / "配置文件夹" / "事故" / "config.toml"
    settings = Settings(config=config, db=tmp_path / "cache.db")
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    async with app.run_test(size=(60, 20)) as pilot:
        await until(lambda: "INCIDENT_TUI_CONFIG" in screen_text(app))
        await settle(pilot)
        incidents = app.screen.query_one(IncidentList)
        lines = screen_text(app).splitlines()[incidents.region.y : incidents.region.bottom]
        shown = [line.strip() for line in lines if line.strip()]
        words = (
            f"No incidents yet: no remotes are configured in {config}, which does not "
            "exist (--config or INCIDENT_TUI_CONFIG name another file)"
        )
        assert "".join(shown).replace(" ", "") == words.replace(" ", ""), shown
