"""Every remote's state readable at 80 columns, and each one's full last error a key away.

Five emulators on loopback, three of them misbehaving (credentials refused, server errors,
connection dropped), synced by the App's own loop: the status line names every remote with
its state in a word or two, and ``S`` (or a click on the line) shows each one's full error.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

# The real engine drives these tests: if it does not import, they must fail, not skip.
import incident_tui.sync.engine  # noqa: F401
from incident_tui.clock import fixed_clock, to_db
from incident_tui.config import Settings
from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.ui.format import local_time
from incident_tui.ui.screens.list_screen import ListScreen
from incident_tui.ui.screens.remotes import RemotesScreen, remote_heading
from incident_tui.ui.widgets.status_line import RemoteLine, status_content
from tests.ui.conftest import NOW
from tests.ui.helpers import live_app, screen_text, settle, synced, until

KINDS = {
    "school": "kitehouse",
    "plant": "fourhse",
    "oncall": "revily",
    "status": "oneuptime",
    "ops": "aoh_ims",
}


@pytest.fixture
def servers() -> Iterator[dict[str, EmulatorServer]]:
    """One emulator per kind, by remote name, with a few incidents; all stopped after."""
    started = {
        name: EmulatorServer(make_emulator(kind, sample=3, clock=lambda: NOW)).start()
        for name, kind in KINDS.items()
    }
    yield started
    for server in started.values():
        server.stop()


def app_over(servers: dict[str, EmulatorServer], tmp_path: Path) -> Any:
    """The App as the CLI builds it over every emulator, syncing."""
    from incident_tui.ui.app import make_app

    remotes: list[Any] = [
        server.emulator.remote_config(name)
        for name, server in servers.items()
    ]
    settings = Settings(db=tmp_path / "cache.db", remotes=remotes, poll_seconds=3600)
    app = make_app(settings, clock=fixed_clock(NOW), cursor_blink=False)
    app.animation_level = "none"
    return app


def status_row(app: Any) -> str:
    """The status line as the terminal shows it."""
    return screen_text(app).splitlines()[-2]


async def test_every_remote_state_fits_80_columns_and_errors_are_a_key_away(
    servers: dict[str, EmulatorServer], tmp_path: Path
) -> None:
    faults = {name: server.emulator.faults for name, server in servers.items()}  # type: ignore[attr-defined]
    faults["oncall"].add("status", status=401, times=-1, body={"message": "token expired"})
    faults["ops"].add(
        "status", status=500, times=-1, retry_after="0", body={"message": "database is down"}
    )
    faults["school"].add("drop", times=-1)
    app = app_over(servers, tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:

        def settled_states() -> dict[str, str]:
            return {r.name: r.state for r in app.services.reader.remotes()}

        await until(lambda: len(settled_states()) == 5 and not app.ctx.sync.syncing)
        await settle(pilot)
        assert settled_states() == {
            "school": "offline", "plant": "ok", "oncall": "failing", "status": "ok",
            "ops": "failing",
        }
        line = status_row(app)
        assert "…" not in line, line
        for words in ("oncall HTTP 401", "ops HTTP 500", "school offline", "plant", "status"):
            assert words in line, line

        await pilot.press("S")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RemotesScreen)
        text = screen.text
        assert "HTTP 401" in text and "token expired" in text
        assert "Credentials refused: check this remote's token" in text
        assert "HTTP 500" in text and "database is down" in text
        # A failing remote says when it last failed: still now, or at a pass long ago? Today's
        # times go without their date, so a heading fits the dialog at 80 columns.
        at = local_time(to_db(NOW), with_date=False)
        assert f"school (Kitehouse)  offline at {at}" in text and "dropped" in text
        assert f"oncall (Revily)  failing at {at}" in text
        assert "plant (4HSE)  ok · last ok" in text
        shown = screen_text(app)
        assert "token expired" in shown and "database is down" in shown

        await pilot.press("escape")
        await settle(pilot)
        assert isinstance(app.screen, ListScreen)
        await pilot.click("#status")
        await settle(pilot)
        assert isinstance(app.screen, RemotesScreen)


def test_remote_headings_date_only_what_is_not_today() -> None:
    failing = RemoteLine("school", "failing", to_db(NOW - timedelta(days=1)), "HTTP 500: down",
                         last_attempt_at=to_db(NOW))
    text = remote_heading(failing, NOW).plain
    today, yesterday = local_time(to_db(NOW), with_date=False), local_time(failing.last_ok_at)
    assert text == f"school  failing at {today} · last ok {yesterday}"
    assert remote_heading(failing, NOW + timedelta(days=2)).plain.count("-") == 4  # two dates


def test_status_line_shortens_to_fit_the_width() -> None:
    at = "2026-11-22T11:56:00.000000Z"
    remotes = [
        RemoteLine("school", "failing", at, "HTTP 500: upstream database unavailable"),
        RemoteLine("oncall", "failing", at, "HTTP 401: token expired"),
        RemoteLine("ops", "offline", at, "connection refused"),
        RemoteLine("plant", "ok", at),
        RemoteLine("status", "ok", at),
    ]
    full = status_content(remotes, 0).plain
    assert full.startswith("0 queued  │  school failing: HTTP 500: upstream")
    assert status_content(remotes, 0, width=len(full)).plain == full  # it fits: unchanged
    fitted = status_content(remotes, 0, width=78).plain
    assert fitted == (
        "0 queued │ school HTTP 500 │ oncall HTTP 401 │ ops offline │ plant, status ok"
    )
    wider = status_content(remotes, 0, width=90).plain
    assert wider.endswith("plant, status ok at 11:56")
    tight = status_content(remotes, 0, width=60).plain
    assert tight.endswith("ops offline │ 2 ok")
    never = [RemoteLine("a", "ok", at), RemoteLine("b", "never"), RemoteLine("c", "never")]
    assert status_content(never, 1, width=31).plain == "1 queued │ a ok │ b, c unsynced"


def test_status_line_counts_remotes_when_a_few_dozen_do_not_fit() -> None:
    # A big deployment: named, the remotes of one state ran past 80 columns before the word
    # saying what they are ("0 queued │ school-1, school-2, …"), which the widget cut off.
    at = "2026-11-22T11:56:00.000000Z"
    names = [f"school-{n}" for n in range(38)]
    starting = [RemoteLine(name, "syncing") for name in names]
    assert status_content(starting, 0, width=78).plain == "0 queued │ 38 syncing…"
    problems = [
        RemoteLine("oncall", "failing", None, "HTTP 401: token expired"),
        RemoteLine("status", "failing", None, "HTTP 429: slow down"),
        RemoteLine("lab", "offline", None, "[SSL: CERTIFICATE_VERIFY_FAILED] self-signed"),
        *(RemoteLine(f"down-{n}", "offline", None, "connection refused") for n in range(3)),
    ]
    syncing = [*problems[:2], *starting[:30], *(RemoteLine(n, "ok", at) for n in names[30:])]
    assert status_content(syncing, 0, width=78).plain == (
        "0 queued │ oncall HTTP 401 │ status HTTP 429 │ 30 syncing… │ 8 ok"
    )
    synced = [*problems, *(RemoteLine(name, "ok", at) for name in names)]
    assert status_content(synced, 2, width=78).plain == (
        "2 queued │ 2 failing │ 1 cert untrusted │ 3 offline │ 38 ok"
    )

async def test_the_remotes_screen_follows_a_pass_that_waits_to_try_again(
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # On a slow link a pass can spend minutes trying again; the status line at 80 columns
    # has room for "retrying now" at most, so S is where the reason is read, while it lasts.
    server = serve("revily", 3)
    emulator: Any = server.emulator
    app = live_app(server, "oncall", tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await until(lambda: synced(app) and not app.ctx.sync.syncing)
        await pilot.press("S")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, RemotesScreen)
        emulator.faults.add(
            "status", status=503, retry_after="3", path="^/incidents$", times=1,
            body={"error": "maintenance window"},
        )
        await pilot.press("s")  # sync now, from the remotes screen
        await until(lambda: app.ctx.sync.progress.get("oncall", "").startswith("retrying in"))
        await until(lambda: "retrying in" in screen_text(app))
        shown = screen_text(app)
        assert "oncall (Revily)  syncing… retrying in 3.0 s: HTTP 503" in shown, shown
        assert "maintenance window" in shown, shown
        assert "retrying in 3.0 s: HTTP 503: maintenance window" in screen.text

        # The pass ends well: the screen says so, with nothing of the retry left.
        await until(lambda: "oncall" not in app.ctx.sync.syncing and synced(app))
        await until(lambda: "oncall (Revily)  ok" in screen_text(app))
        assert "retrying" not in screen_text(app)
