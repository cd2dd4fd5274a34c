"""A new critical incident on a remote rings the bell and shows a notice, end to end: the
App's own sync loop pulls it over loopback HTTP from a Kitehouse emulator. A first sync,
where everything is new, stays quiet; so does ``bell = false``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.domain.query import ListQuery
from incident_tui.emulators import EmulatorServer
from tests.ui.helpers import live_app, notifications, settle, synced, until

NOTICE = "New urgent incident"


def count_bells(app: Any) -> list[None]:
    """Record every ring of the App's bell (a terminal bell cannot be observed otherwise)."""
    rung: list[None] = []
    ring = app.bell

    def bell() -> None:
        rung.append(None)
        ring()

    app.bell = bell
    return rung


def urgent_notices(app: Any) -> list[str]:
    """The urgent-incident notices shown."""
    return [n for n in notifications(app) if n.startswith(NOTICE)]


def open_urgent(app: Any) -> list[str]:
    """Ids of the cached incidents that are critical or major and not resolved."""
    rows = app.services.reader.page(ListQuery(), 0, 100)
    return [r.id for r in rows if r.severity in ("critical", "major") and r.status != "resolved"]


def cached(app: Any, incident_id: str) -> bool:
    """Whether the incident is in the App's cache."""
    return app.services.reader.detail(incident_id) is not None


def kitehouse(serve: Callable[..., EmulatorServer]) -> EmulatorServer:
    """A Kitehouse emulator holding a few incidents, an open critical one among them."""
    server = serve("kitehouse", 5)
    server.emulator.add("Fire door jammed", priority="Critical")  # type: ignore[attr-defined]
    return server


async def first_sync(pilot: Any) -> None:
    """Wait for the App's first pass, which brings the open critical incident in."""
    await until(lambda: synced(pilot.app))
    await settle(pilot)
    assert open_urgent(pilot.app)


async def test_a_new_critical_incident_rings_and_shows_a_notice_the_first_sync_does_not(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = kitehouse(serve)
    emulator: Any = server.emulator
    app = live_app(server, "school", tmp_path)
    assert app.services.settings.bell  # the default
    rung = count_bells(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_sync(pilot)
        assert urgent_notices(app) == [] and rung == []

        added = emulator.add('Gas smell in lab 3', priority='Critical')
        gas_ref = added["urn"]
        light = f"school:{emulator.add('Flickering light', priority='Medium')['_id']}"
        drill = f"school:{emulator.add('Old drill', priority='Critical', status='closed')['_id']}"
        await pilot.press("s")
        await until(lambda: bool(urgent_notices(app)))
        await until(lambda: cached(app, light) and cached(app, drill))
        await settle(pilot)
        # Only the open critical one: not the minor one, not the resolved one.
        # What it is comes first (the responder decides on that), then the remote and the
        # list's short id to find it.
        assert urgent_notices(app) == [
            f"{NOTICE}:\ncritical · Gas smell in lab 3 · school {gas_ref}"
        ]
        assert len(rung) == 1


async def test_no_bell_and_no_notice_with_the_bell_off(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    server = kitehouse(serve)
    emulator: Any = server.emulator
    app = live_app(server, "school", tmp_path, bell=False)
    rung = count_bells(app)
    async with app.run_test(size=(100, 30)) as pilot:
        await first_sync(pilot)
        gas = f"school:{emulator.add('Gas smell in lab 3', priority='Critical')['_id']}"
        await pilot.press("s")
        await until(lambda: cached(app, gas))
        await settle(pilot)
        assert urgent_notices(app) == [] and rung == []
