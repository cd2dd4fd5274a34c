"""The TUI over a cache the user may read but not write: the list shows, each sync pass ends
(the status line does not stay on "syncing…", and says the remote is failing, the remotes
screen why: the cache is read-only, and what to do), and an action says so in one readable
notice, never SQL or a URL.

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
from typing import Any

import pytest

from incident_tui.emulators import EmulatorServer, make_emulator
from incident_tui.store.db import open_db
from tests.ui.conftest import NOW
from tests.unprivileged import unprivileged_prefix

CHILD = textwrap.dedent(
    """
    import asyncio, json, sys
    from incident_tui.clock import fixed_clock
    from incident_tui.config import Settings
    from incident_tui.ui.app import make_app
    from incident_tui.ui.screens.remotes import RemotesScreen
    from tests.ui.conftest import NOW
    from tests.ui.helpers import cursor_to, keep_notices, screen_text, settle, until

    async def main() -> None:
        settings = Settings(**json.loads(sys.argv[1]))
        app = make_app(settings, clock=fixed_clock(NOW), cursor_blink=False)
        app.animation_level = "none"
        seen = {}
        keep_notices()
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot)
            # The first pass's end, which the cache could not note: not the moment before
            # the pass began, when nothing says syncing either.
            def passed() -> bool:
                return bool(app.ctx.sync.unrecorded) and not app.ctx.sync.syncing

            try:
                await until(passed, limit=60)
            except AssertionError:
                seen["stuck"] = True
            await settle(pilot)
            seen["screen"] = screen_text(app)
            seen["after_sync"] = [[n.title, n.message] for n in app._notifications]
            app.clear_notifications()
            key, incident_id = sys.argv[2:4]
            if key:
                await cursor_to(pilot, incident_id)
                await pilot.press(key)
                await settle(pilot)
                # The detail screen reads its incident again from the remote first.
                await until(lambda: "reading it again" not in screen_text(app), limit=60)
                await settle(pilot)
                seen["after_key"] = [[n.title, n.message] for n in app._notifications]
                seen["after_key_screen"] = screen_text(app)
            await pilot.press("S")
            await until(lambda: isinstance(app.screen, RemotesScreen))
            await settle(pilot)
            seen["remotes"] = screen_text(app)
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


def watch(
    prefix: list[str], db: Path, remote: dict[str, Any], tmp_path: Path, key: str = "",
    incident_id: str = "",
) -> dict[str, Any]:
    """Run the App over the read-only cache ``db`` in a child process (after ``prefix``):
    what it showed after its first pass, after pressing ``key`` (if given) on
    ``incident_id``, and on the remotes screen."""
    settings = {
        "db": str(db), "remotes": [remote], "poll_seconds": 3600,
        "download_dir": str(tmp_path / "downloads"),
    }
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    db.chmod(0o444)
    try:
        done = subprocess.run(
            [*prefix, sys.executable, "-c", CHILD, json.dumps(settings), key, incident_id],
            capture_output=True, text=True, timeout=120, env=env,
        )
    finally:
        db.chmod(0o644)
    assert done.returncode == 0, done.stderr
    seen: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    # The pass ended, the engine reporting its failure (nothing escaped it): the status line
    # no longer says "syncing…", and no worker failed with SQLAlchemy's text.
    assert "stuck" not in seen, seen["screen"]
    # The cache cannot note the failed pass; the status line says so all the same, not the
    # "ok" of the last pass the cache holds.
    assert "school failing" in seen["screen"], seen["screen"]
    assert seen["after_sync"] == []
    return seen


def boxed_words(screen: str) -> str:
    """The words of a screen with a box on it, its borders and line breaks gone."""
    return " ".join(" ".join(line.strip(" │╭╮╰╯─") for line in screen.splitlines()).split())


READ_ONLY = (
    "the cache is read-only (attempt to write a readonly database); make it and its "
    "cache.db-wal and cache.db-shm files writable for you (chmod u+w), or give --db"
)
"""How the remotes screen says why the pass failed (after the cache's path, which may be
folded across lines)."""


def test_a_read_only_cache_ends_each_pass_and_says_why_an_action_is_refused(
    kitehouse: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unprivileged_prefix(tmp_path)
    remote = kitehouse.emulator.remote_config("school")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([remote]))
    db = tmp_path / "cache.db"
    command(db, "sync", "--once")
    incident_id = json.loads(command(db, "list", "--json", "--status", "triggered"))[0]["id"]
    seen = watch(prefix, db, remote, tmp_path, "a", incident_id)
    [[title, message]] = seen["after_key"]
    assert title == "Cannot acknowledge"
    assert message.startswith(f"Not queued: {db}: the cache is read-only"), message
    assert "chmod u+w" in message
    for leak in ("[SQL", "sqlalche", "OperationalError", "\n"):
        assert leak not in message


def test_a_new_read_only_cache_says_the_pull_was_refused_as_the_actions_do(
    kitehouse: EmulatorServer, tmp_path: Path
) -> None:
    # Nothing synced yet: the pass's first write is the pull's bulk upsert, on the driver
    # connection, where it once ended as an "internal error: OperationalError".
    prefix = unprivileged_prefix(tmp_path)
    db = tmp_path / "cache.db"
    open_db(db).close()
    seen = watch(prefix, db, kitehouse.emulator.remote_config("school"), tmp_path)
    assert "internal error" not in seen["screen"], seen["screen"]
    remotes = boxed_words(seen["remotes"])
    assert "school (Kitehouse) failing" in remotes and READ_ONLY in remotes, remotes
    assert "internal error" not in remotes and "OperationalError" not in remotes


def test_an_incident_read_again_into_a_read_only_cache_says_it_was_not_stored(
    kitehouse: EmulatorServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    prefix = unprivileged_prefix(tmp_path)
    remote = kitehouse.emulator.remote_config("school")
    monkeypatch.setenv("INCIDENT_TUI_REMOTES", json.dumps([remote]))
    db = tmp_path / "cache.db"
    command(db, "sync", "--once")
    incident_id = json.loads(command(db, "list", "--json", "--status", "triggered"))[0]["id"]
    # Changed there since: reading it again writes the incident, on the driver connection.
    kitehouse.emulator.touch(incident_id.partition(":")[2], status="in_progress")
    seen = watch(prefix, db, remote, tmp_path, "enter", incident_id)
    # Said on the detail screen, as the remote's own trouble is, not as a failure of the App.
    assert seen["after_key"] == []
    # The reason, cut to fit, begins with the cache's path (the cache's trouble, not theirs).
    shown = f"cached copy: not stored ({str(db)[:30]}"
    assert shown in seen["after_key_screen"], seen["after_key_screen"]
