"""At 80 columns, with five remotes and most of them syncing, the status line still says how
far a running pass has come (``school syncing… 2,700 listed``) when that fits."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from incident_tui.emulators import EmulatorServer
from incident_tui.ui.widgets.status_line import RemoteLine, status_content
from tests.ui.helpers import live_app, screen_text, until

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
    serve: Callable[..., EmulatorServer], tmp_path: Path
) -> None:
    # Five remotes over loopback emulators, each pass real. school's full records each take
    # a while, so its pass can be watched as it goes; safety, status and ops are told to
    # come back later (429, Retry-After 50 s), so they stay syncing, with nothing to report
    # yet, all the while; oncall syncs at once.
    school = serve("kitehouse", 60)
    school.emulator.faults.add(
        "delay", delay=0.1, method="GET", path=r"^/incidents/[^/]+/[0-9a-f]{24}$", times=-1
    )
    waiting = {name: serve(kind, 3) for name, kind in
               (("safety", "fourhse"), ("status", "oneuptime"), ("ops", "aoh_ims"))}
    for server in waiting.values():
        server.emulator.faults.add("status", status=429, retry_after="50", times=-1)
    oncall = serve("revily", 3)
    servers = {"school": school, **waiting, "oncall": oncall}
    remotes = [server.emulator.remote_config(name) for name, server in servers.items()]
    app = live_app(school, "school", tmp_path, remotes=remotes)
    shown: list[str] = []

    def status_line() -> str:
        return next((line for line in screen_text(app).splitlines() if "queued" in line), "")

    def watch() -> bool:
        """Note each status line shown while the other three wait; whether school is done."""
        line = status_line()
        if set(waiting) <= app.ctx.sync.syncing and line not in shown:
            shown.append(line)
        states = {s.name: s.state for s in app.services.reader.remotes()}
        return states.get("school") == "ok" and "school" not in app.ctx.sync.syncing

    async with app.run_test(size=(80, 24)):
        await until(watch)
        assert set(waiting) <= app.ctx.sync.syncing  # still waiting to be let in
    with_progress = [line for line in shown if "school syncing… " in line]
    assert any("school syncing… 60 listed" in line for line in with_progress), shown
    details = next(line for line in with_progress if "school syncing… details 25/60" in line)
    # The three waiting remotes are still on the line beside it.
    assert all(name in details for name in waiting), details
    assert any("school syncing… details 50/60" in line for line in with_progress), shown
