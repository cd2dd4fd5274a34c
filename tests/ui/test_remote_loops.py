"""Each remote syncs on its own schedule: a slow remote's pass holds back neither another
remote's queued changes nor ``s`` for another remote.

Two emulators over loopback: Kitehouse (``school``) answers its listing only after a long
delay, Revily (``oncall``) at once. Every check is made while ``school``'s pass is still
running (the status line says so), never against the clock."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import fixed_clock
from incident_tui.config import Settings
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from incident_tui.ui.app import make_app
from tests.ui.conftest import NOW
from tests.ui.helpers import cursor_to, notifications, screen_text, settle, until

SLOW_LISTING = 15.0
"""Seconds Kitehouse takes to answer a listing: far longer than the healthy remote needs
for everything the test waits for."""


def two_remote_app(slow: EmulatorServer, healthy: EmulatorServer, tmp_path: Path) -> Any:
    """The App over both emulators, syncing, the next timed pass an hour away."""
    settings = Settings(
        db=tmp_path / "cache.db",
        remotes=[
            slow.emulator.remote_config("school"),  # type: ignore[attr-defined]
            healthy.emulator.remote_config("oncall"),  # type: ignore[attr-defined]
        ],
        poll_seconds=3600,
        bell=False,
        download_dir=tmp_path / "downloads",
    )
    app = make_app(settings, clock=fixed_clock(NOW), sync=True, cursor_blink=False)
    app.animation_level = "none"
    return app


def school_is_syncing(app: Any) -> bool:
    """Whether the slow remote's pass is still running, as the user sees it."""
    return "school" in app.ctx.sync.syncing and "school syncing…" in screen_text(app)


def oncall_state(app: Any) -> str | None:
    """The healthy remote's state in the cache (``ok`` after a good pass)."""
    states = {s.name: s.state for s in app.services.reader.remotes()}
    return states.get("oncall")


async def test_a_slow_remote_holds_back_neither_pushes_nor_s_for_another(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    slow, healthy = serve("kitehouse", 3), serve("revily", 4)
    # Only the site's listing is slow: every pass of ``school`` waits on it.
    slow.emulator.faults.add(  # type: ignore[attr-defined]
        "delay", delay=SLOW_LISTING, method="GET", path=r"^/incidents/[^/]+/?$", times=-1
    )
    revily: Any = healthy.emulator
    app = two_remote_app(slow, healthy, tmp_path)
    async with app.run_test(size=(100, 24)) as pilot:
        # The first passes of both started together; only the healthy one is over.
        await until(lambda: oncall_state(app) == "ok" and "oncall" not in app.ctx.sync.syncing)
        await settle(pilot)
        assert school_is_syncing(app)
        rows = app.services.reader.all_rows(ListQuery())
        target = next(r.id for r in rows if r.remote == "oncall" and r.status == "triggered")
        remote_id = target.partition(":")[2]

        # A change to the healthy remote's incident goes out at once, not after the slow
        # remote's pass (nor at the next timed pass, an hour away).
        await cursor_to(pilot, target)
        await pilot.press("a")

        def pushed() -> bool:
            detail = app.services.reader.detail(target)
            sent = any(e.method == "PUT" and remote_id in e.path for e in list(revily.log))
            return sent and detail is not None and not detail.changes

        await until(pushed)
        assert school_is_syncing(app), "the push waited for the slow remote's pass"

        # ``s`` starts a pass of the idle remote now; the busy one goes again after its own.
        await until(lambda: app.runner.busy == {"school"})  # the pass that pushed is over
        revily.add("Pump 4 tripped on low suction")
        await pilot.press("s")
        assert "Syncing oncall… · already syncing: school (again when done)" in notifications(
            app
        )
        await until(
            lambda: any(
                r.title == "Pump 4 tripped on low suction"
                for r in app.services.reader.all_rows(ListQuery())
            )
        )
        assert school_is_syncing(app), "s waited for the slow remote's pass"
