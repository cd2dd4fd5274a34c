"""The TUI over a cache the user may read but not write: the list shows, each sync pass ends
(the status line does not stay on "syncing…", and says the remote is failing), and an action
says in one readable notice that the cache is read-only and what to do, never SQL or a URL.

Root may write any file, so the App runs in a child process that file permissions bind
(:mod:`tests.unprivileged`), driven there by Textual's Pilot against a Kitehouse emulator
on loopback; the child reports what the screen showed as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from incident_tui.emulators import EmulatorServer, make_emulator
from tests.ui.conftest import NOW
from tests.unprivileged import unprivileged_prefix

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from incident_tui.clock import fixed_clock
    from incident_tui.config import Settings
    from incident_tui.ui.app import make_app
    from tests.ui.conftest import NOW
    from tests.ui.helpers import cursor_to, screen_text, settle, until

    async def main() -> None:
        settings = Settings(**json.loads(sys.argv[1]))
        app = make_app(settings, clock=fixed_clock(NOW), cursor_blink=False)
        app.animation_level = "none"
        seen = {}
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            try:
                await until(lambda: "syncing" not in screen_text(app), limit=15)
            except AssertionError:
                seen["stuck"] = True
            await settle(pilot)
            seen["screen"] = screen_text(app)
            seen["after_sync"] = [[n.title, n.message] for n in app._notifications]
            app.clear_notifications()
            await cursor_to(pilot, sys.argv[2])
            await pilot.press("a")
            await settle(pilot)
            seen["after_ack"] = [[n.title, n.message] for n in app._notifications]
        print(json.dumps(seen))

    asyncio.run(main())
    """
)


@pytest.fixture
def kitehouse() -> Iterator[EmulatorServer]:
    """A Kitehouse emulator with 12 incidents on a free loopback port, always stopped."""
    server = EmulatorServer(make_emulator("kitehouse", sample=12, clock=lambda: NOW)).start()
    try:
        yield server
    finally:
        server.stop()


def command(db: Path, *argv: str) -> str:
    """Run the command line in a child process (so the cache is closed after it); stdout."""
    done = subprocess.run(
        [sys.executable, "-m", "incident_tui", "--db", str(db), *argv],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout


def test_a_read_only_cache_ends_each_pass_and_says_why_an_action_is_refused(
    kitehouse: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unprivileged_prefix(tmp_path)
    remote = kitehouse.emulator.remote_config("school")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([remote]))
    db = tmp_path / "cache.db"
    command(db, "sync", "--once")
    incident_id = json.loads(command(db, "list", "--json", "--status", "triggered"))[0]["id"]
    db.chmod(0o444)
    settings = {
        "db": str(db), "remotes": [remote], "poll_seconds": 3600,
        "download_dir": str(tmp_path / "downloads"),
    }
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", CHILD, json.dumps(settings), incident_id],
            capture_output=True, text=True, timeout=120, env=env,
        )
    finally:
        db.chmod(0o644)
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    # The pass ended, the engine reporting its failure (nothing escaped it): the status line
    # no longer says "syncing…", and no worker failed with SQLAlchemy's text.
    assert "stuck" not in seen, seen["screen"]
    # The cache cannot note the failed pass; the status line says so all the same, not the
    # "ok" of the last pass the cache holds.
    assert "school failing" in seen["screen"], seen["screen"]
    assert seen["after_sync"] == []
    [[title, message]] = seen["after_ack"]
    assert title == "Cannot acknowledge"
    assert message.startswith(f"Not queued: {db}: the cache is read-only"), message
    assert "chmod u+w" in message
    for leak in ("[SQL", "sqlalche", "OperationalError", "\n"):
        assert leak not in message
