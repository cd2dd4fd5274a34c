"""An AOH IMS server without the (inferred) comment listing: the comments in the cache stay,
reading an incident again does not delete them, and an interrupted comment is never sent a
second time blindly."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from incident_tui.cli import main
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import FIXED_NOW, Serve
from tests.integration.test_sync import settings_for, sync

NO_LISTING = {"method": "GET", "path": r"/comments$", "status": 405, "times": -1}


def _posted(emulator: Any, remote_id: str) -> list[str]:
    comments = emulator.tenants[next(iter(emulator.tenants))].comments
    return [c["text"] for c in comments.get(remote_id, {}).values()]


def _listings(emulator: Any) -> int:
    return sum(1 for r in emulator.log if r.method == "GET" and r.path.endswith("/comments"))


async def test_comments_sent_from_here_stay_when_none_can_be_read(
    serve: Serve, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    aoh = serve("aoh_ims", sample=0)
    emulator: Any = aoh.emulator
    rows = [emulator.add(name=f"Leak {n}", status="NEW") for n in range(3)]
    emulator.faults.add("status", **NO_LISTING)
    config = emulator.remote_config("ops")
    settings = settings_for(tmp_path, config, hydrate_limit=10)
    assert (await sync(settings)).ok
    # The first full read found no listing: the pass read no other incident's comments.
    assert _listings(emulator) == 1
    incident_id = f"ops:{rows[0]['id']}"
    actions = Actions.open(settings.db_path(), clock=lambda: FIXED_NOW)
    actions.comment(incident_id, "valve closed")
    actions.engine.dispose()
    assert (await sync(settings)).ok
    assert _posted(emulator, rows[0]["id"]) == ["valve closed"]

    config_file = tmp_path / "config.toml"
    config_file.write_text(
        "[[remotes]]\n" + "".join(f"{key} = {value!r}\n" for key, value in config.items())
    )
    argv = ["--config", str(config_file), "--db", str(settings.db_path())]
    # As a user asks for it, in its own event loop (the command line's).
    assert await asyncio.to_thread(main, [*argv, "show", incident_id, "--fresh"]) == 0
    assert "valve closed" in capsys.readouterr().out
    detail = Reader.open(settings.db_path()).detail(incident_id)
    assert detail is not None
    assert [(c["body"], c["pending"]) for c in detail.comments] == [("valve closed", 0)]


async def test_an_interrupted_comment_waits_for_the_user(serve: Serve, tmp_path: Path) -> None:
    aoh = serve("aoh_ims", sample=0)
    emulator: Any = aoh.emulator
    row = emulator.add(name="Leak", status="NEW")
    emulator.faults.add("status", **NO_LISTING)
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    incident_id = f"ops:{row['id']}"
    actions = Actions.open(settings.db_path(), clock=lambda: FIXED_NOW)
    actions.comment(incident_id, "said once")
    # The comment is made, its answer cut off: whether it got through is unknown here.
    emulator.faults.add("truncated", method="POST", path=r"/comments$")
    await sync(settings)
    assert _posted(emulator, row["id"]) == ["said once"]
    for _ in range(2):
        report = await sync(settings)
        assert report.results[0].failed <= 1
    assert _posted(emulator, row["id"]) == ["said once"]
    [change] = Reader.open(settings.db_path()).outbox()
    assert change["state"] == "failed" and "cannot list comments" in change["last_error"]
    assert "retry or discard" in change["last_error"]
    actions.engine.dispose()
