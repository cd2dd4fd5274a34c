"""An incident someone deleted on the remote, where no listing has told the cache yet (an
incremental listing never lists a deletion). A change queued for it gets a 404: the incident
must show as deleted on the remote, with the conflict the user settles (taking the remote's
side drops it), not only a refusal that a retry can never fix. Reading it anew (the detail
screen, ``show --fresh``) tells the cache as well, unless the remote answers 404 to
everything."""

from __future__ import annotations

from pathlib import Path

import pytest

from incident_tui.domain.query import ListQuery
from incident_tui.remote.errors import Misdirected
from incident_tui.store.actions import Actions
from incident_tui.store.engine import make_engine
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Point, Serve, cli
from tests.integration.test_queued_changes_conflicts import synced_kitehouse
from tests.integration.test_sync import settings_for, sync


async def test_a_change_to_an_incident_deleted_on_the_remote_offers_the_conflict(
    serve: Serve, tmp_path: Path
) -> None:
    # Kitehouse lists by update time: a pass lists only what changed, never a deletion.
    emulator, settings, [doomed, kept] = await synced_kitehouse(
        serve, tmp_path, "Deleted while we were offline", "Still there"
    )
    doomed_id, kept_id = f"school:{doomed}", f"school:{kept}"
    Actions.open(settings.db_path()).acknowledge([doomed_id, kept_id])
    del emulator.incidents[doomed]
    emulator.changed()

    report = await sync(settings)

    result = report.results[0]
    assert result.pushed == 1 and result.failed == 1
    # Told as gone from the remote: a retry of it could never work.
    assert [(u.incident_id, u.gone) for u in result.unsent] == [(doomed_id, True)]
    reader = Reader.open(settings.db_path())
    detail = reader.detail(doomed_id)
    assert detail is not None and detail.incident["remote_deleted"]
    assert detail.incident["conflict"]["reason"] == "deleted on the remote"
    assert [(c["op"], c["state"]) for c in detail.changes] == [("acknowledge", "failed")]
    # The remote's side: the incident and its change go; the other incident is untouched.
    engine = make_engine(settings.db_path())
    outbox_answers.take_theirs(engine, doomed_id)
    engine.dispose()
    assert reader.detail(doomed_id) is None and reader.outbox() == []
    assert reader.detail(kept_id) is not None
    assert (await sync(settings)).ok


async def test_reading_an_incident_deleted_on_the_remote_anew_tells_the_cache(
    serve: Serve, tmp_path: Path
) -> None:
    emulator, settings, [quiet, worked] = await synced_kitehouse(
        serve, tmp_path, "Nobody touched it", "Acknowledged here"
    )
    Actions.open(settings.db_path()).acknowledge([f"school:{worked}"])
    for gone in (quiet, worked):
        del emulator.incidents[gone]
    emulator.changed()

    engine = SyncEngine(settings)
    try:
        # As the detail screen and show --fresh read the incident on view.
        assert not await engine.refresh(f"school:{quiet}")
        assert not await engine.refresh(f"school:{worked}")
    finally:
        await engine.aclose()

    reader = Reader.open(settings.db_path())
    assert reader.detail(f"school:{quiet}") is None
    # Its queued change keeps it, deleted on the remote, for the user to settle.
    detail = reader.detail(f"school:{worked}")
    assert detail is not None and detail.incident["remote_deleted"]
    assert detail.incident["conflict"]["reason"] == "deleted on the remote"


async def test_a_remote_answering_404_to_everything_deletes_nothing_on_a_read(
    serve: Serve, tmp_path: Path
) -> None:
    kitehouse = serve("kitehouse", sample=3)
    config = kitehouse.emulator.remote_config("school")
    settings = settings_for(tmp_path, config, hydrate_limit=0)
    assert (await sync(settings)).ok
    reader = Reader.open(settings.db_path())
    incident_id = reader.all_rows(ListQuery())[0].id
    wrong = settings_for(tmp_path, {**config, "base_url": kitehouse.url + "/api"})
    engine = SyncEngine(wrong)
    try:
        with pytest.raises(Misdirected):
            await engine.refresh(incident_id)
    finally:
        await engine.aclose()
    assert reader.detail(incident_id) is not None


def test_show_fresh_of_an_incident_deleted_on_the_remote_says_it_is_gone(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str]
) -> None:
    kitehouse = serve("kitehouse", sample=0)
    emulator = kitehouse.emulator
    gone = str(emulator.add("Deleted elsewhere")["_id"])
    point(("school", kitehouse))
    cli(capsys, "sync", "--once")
    del emulator.incidents[gone]
    emulator.changed()
    out, err = cli(capsys, "show", f"school:{gone}", "--fresh", status=1)
    assert out == "" and "its remote does not have school:" in err
    assert "no longer in the cache either" in err and "cached copy" not in err
    cli(capsys, "show", f"school:{gone}", status=1)


def test_keeping_mine_of_an_incident_deleted_on_the_remote_is_refused(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kitehouse = serve("kitehouse", sample=0)
    emulator = kitehouse.emulator
    gone = str(emulator.add("Deleted by a colleague")["_id"])
    incident_id = f"school:{gone}"
    point(("school", kitehouse))
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", incident_id)
    del emulator.incidents[gone]
    emulator.changed()
    cli(capsys, "sync", "--once")

    # Nothing is left on the remote to send the change to: refused, saying what to do.
    out, err = cli(capsys, "conflict", "--keep", "mine", incident_id, status=1)
    assert out == "" and len(err.splitlines()) == 1
    assert "deleted on the remote" in err and "take theirs" in err and "discard" in err
    reader = Reader.open(tmp_path / "cache.db")
    detail = reader.detail(incident_id)
    assert detail is not None and detail.incident["remote_deleted"]
    assert detail.incident["conflict"]["reason"] == "deleted on the remote"
    assert [(c["op"], c["state"]) for c in detail.changes] == [("acknowledge", "failed")]

    # The remote's side is still there to take: the incident goes with its change.
    cli(capsys, "conflict", "--keep", "theirs", incident_id)
    assert reader.detail(incident_id) is None and reader.outbox() == []


def test_new_changes_to_an_incident_deleted_on_the_remote_are_refused(
    serve: Serve, point: Point, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    kitehouse = serve("kitehouse", sample=0)
    emulator = kitehouse.emulator
    gone = str(emulator.add("Deleted by a colleague")["_id"])
    other = str(emulator.add("Still there")["_id"])
    incident_id, other_id = f"school:{gone}", f"school:{other}"
    point(("school", kitehouse))
    cli(capsys, "sync", "--once")
    cli(capsys, "ack", incident_id)
    del emulator.incidents[gone]
    emulator.changed()
    cli(capsys, "sync", "--once")
    reader = Reader.open(tmp_path / "cache.db")
    waiting = reader.outbox()

    # None of them could ever be sent: each is refused saying what to do instead.
    for argv in (
        ("comment", incident_id, "-m", "Late words"),
        ("resolve", incident_id),
        ("delete", incident_id, "--yes"),
        ("delete", other_id, incident_id, "--yes"),
    ):
        out, err = cli(capsys, *argv, status=1)
        assert "deleted on the remote" in err and "take theirs" in err, argv
        assert "discard" in err and "Traceback" not in err, argv
    assert reader.outbox() == waiting
    assert "nothing was queued for any of the 2 incidents given" in err
    # Others are not held back by it (the exit status still tells of the one refused).
    out, err = cli(capsys, "resolve", incident_id, other_id, status=1)
    assert f"queued: resolve {other_id}" in out and "deleted on the remote" in err
    assert [c["incident_id"] for c in reader.outbox()[len(waiting):]] == [other_id]
