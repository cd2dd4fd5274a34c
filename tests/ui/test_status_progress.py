"""At 80 columns, with five remotes and most of them syncing, the status line still says how
far a running pass has come (``school syncing… 2,700 listed``) when that fits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from incident_tui.ui.messages import RemoteProgress, RemoteStarted
from incident_tui.ui.widgets.status_line import RemoteLine, status_content
from tests.ui.helpers import screen_text, settle

OK_AT = "2026-11-22T11:56:00Z"


def test_compact_line_keeps_one_remotes_progress() -> None:
    remotes = [
        RemoteLine("kitehouse", "syncing", progress="2,700 listed"),
        RemoteLine("fourhse", "syncing"),
        RemoteLine("revily", "ok", last_ok_at=OK_AT),
        RemoteLine("oneuptime", "syncing", progress="details 25/200"),
        RemoteLine("aoh_ims", "syncing"),
    ]
    # 80 columns less the line's padding.
    line = status_content(remotes, 1, width=78).plain
    assert len(line) <= 78
    assert "kitehouse syncing… 2,700 listed" in line
    # The other syncing remotes are still counted, the healthy one still shown.
    assert "3 more syncing…" in line and "1 ok" in line


def test_compact_line_names_every_syncing_remote_when_that_fits_too() -> None:
    remotes = [
        RemoteLine("a", "syncing", progress="12,000 listed"),
        RemoteLine("b", "syncing"),
        RemoteLine("c", "failing", last_error="HTTP 401 unauthorised " + "x" * 80),
        RemoteLine("d", "ok", last_ok_at=OK_AT),
    ]
    line = status_content(remotes, 0, width=78).plain
    assert line == "0 queued │ c HTTP 401 │ a syncing… 12,000 listed │ b syncing… │ d ok at 11:56"


def test_compact_line_without_progress_is_unchanged() -> None:
    remotes = [RemoteLine(name, "syncing") for name in ("kitehouse", "fourhse", "oneuptime")]
    remotes += [RemoteLine("revily", "ok", last_ok_at=OK_AT), RemoteLine("aoh_ims", "never")]
    line = status_content(remotes, 2, width=60).plain
    assert line.startswith("2 queued │ kitehouse, fourhse, oneuptime syncing…")


async def test_status_line_at_80_columns_shows_a_syncing_remotes_progress(
    make_app: Callable[..., Any],
) -> None:
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        for remote in ("school", "safety", "status", "ops"):
            app.post_message(RemoteStarted(remote))
        app.post_message(RemoteProgress("school", "2,700 listed"))
        await settle(pilot)
        bottom = screen_text(app).splitlines()
        status = next(line for line in bottom if "queued" in line)
        assert "school syncing… 2,700 listed" in status, status
        app.post_message(RemoteProgress("school", "details 25/200"))
        await settle(pilot)
        status = next(line for line in screen_text(app).splitlines() if "queued" in line)
        assert "school syncing… details 25/200" in status, status
