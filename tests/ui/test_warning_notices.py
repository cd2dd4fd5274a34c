"""The package's warnings show as notices in the TUI, where the command line prints them
on stderr: a status word no mapping knows, pulled over loopback HTTP from a Kitehouse
emulator by the App's own sync, shows once however often it is pulled again; an unreadable
drafts file says where it was moved; the App leaves no handler behind."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.drafts import drafts_path
from incident_tui.ui.screens.comment import CommentScreen
from incident_tui.ui.warning_notices import WarningNotices
from tests.ui.helpers import live_app, notifications, settle, synced, until

UNKNOWN = (
    "school: unknown status 'on_hold', shown as triggered (the remote's status_map in the "
    "config can say what it means)"
)


def _handlers() -> list[logging.Handler]:
    return [
        h for h in logging.getLogger("incident_tui").handlers if isinstance(h, WarningNotices)
    ]


async def test_an_unknown_status_word_is_one_notice_across_passes(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", 3)
    emulator: Any = server.emulator
    emulator.add("Held at the gate", status="on_hold")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await until(lambda: UNKNOWN in notifications(app))
        again = emulator.add("Held again", status="on_hold")
        await pilot.press("s")
        await until(lambda: app.services.reader.detail(f"school:{again['_id']}") is not None)
        await until(lambda: synced(app) and not app.runner.busy)
        await settle(pilot)
        assert notifications(app).count(UNKNOWN) == 1
        assert len(_handlers()) == 1
    assert _handlers() == []


async def test_an_unreadable_drafts_file_says_where_it_went(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = serve("kitehouse", 3)
    kept = drafts_path(tmp_path / "cache.db")
    kept.parent.mkdir(parents=True, exist_ok=True)
    kept.write_text("{not json", encoding="utf-8")
    app = live_app(server, "school", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app))
        await settle(pilot)
        await pilot.press("enter")  # the first incident's detail
        await settle(pilot)
        await pilot.press("c")
        await settle(pilot)
        assert isinstance(app.screen, CommentScreen)
        aside = kept.with_name(kept.name + ".unreadable")
        assert aside.read_text(encoding="utf-8") == "{not json"
        shown = [n for n in notifications(app) if n.startswith("unreadable drafts file")]
        assert len(shown) == 1 and shown[0].endswith(f"moved to {aside}")


async def test_a_config_file_others_can_read_with_a_token_in_it_is_a_notice(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # The first start validates the settings before the App runs; the second paints from
    # what it remembered and validates them after: both say so once the App shows notices.
    from incident_tui.clock import fixed_clock
    from incident_tui.config_permissions import exposed_secret
    from incident_tui.ui.app import launch_app
    from tests.ui.conftest import NOW

    server = serve("revily", 3)
    remote: dict[str, Any] = server.emulator.remote_config("oncall")
    config = tmp_path / "config.toml"
    lines = [f'db = "{tmp_path / "cache.db"}"', "poll_seconds = 3600", "[[remotes]]"]
    config.write_text("\n".join(lines + [f'{k} = "{v}"' for k, v in remote.items()]) + "\n")
    config.chmod(0o644)
    warning = exposed_secret(config)
    assert warning is not None
    for start in ("first", "quick"):
        app = launch_app(config, {}, clock=fixed_clock(NOW), sync=False, cursor_blink=False)
        assert app.services.settings_ready == (start == "first")
        async with app.run_test(size=(100, 24)):
            await until(lambda: warning in notifications(app))  # noqa: B023 - awaited here
        app.services.close()
