"""A full record the remote will not give (a 4xx for that id, an answer that cannot be read)
skips that one incident: it stays as the cache has it, one warning names the remote and the
incident, the other records of its batch are stored and the pass is ok. A remote that is
down or refuses the credentials while full records are read still fails the pass."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pytest

from incident_tui.emulators.aoh_ims_data import DEFAULT_TENANT
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from incident_tui.sync import outbox_answers
from incident_tui.sync.engine import SyncEngine
from tests.integration.conftest import Serve, no_sleep
from tests.integration.test_sync import settings_for, sync


def hydrated(settings: Any) -> dict[str, int]:
    """Each cached incident's remote id and whether its full record was read."""
    rows = Reader.open(settings.db_path()).query("SELECT remote_id, hydrated FROM incident")
    return {row[0]: row[1] for row in rows}


def commented(settings: Any) -> set[str]:
    """The remote ids of the cached incidents that have comments."""
    rows = Reader.open(settings.db_path()).query(
        "SELECT DISTINCT i.remote_id FROM comment c JOIN incident i ON i.id = c.incident_id"
    )
    return {row[0] for row in rows}


def marked(settings: Any) -> list[str]:
    """The remote ids of the cached incidents marked to be read again in full."""
    rows = Reader.open(settings.db_path()).query(
        "SELECT i.remote_id FROM reread r JOIN incident i ON i.id = r.incident_id"
    )
    return [row[0] for row in rows]


def one_read(emulator: Any, remote_id: str, **fault: Any) -> None:
    """``fault`` on every read of the AOH IMS incident ``remote_id`` itself (not its
    comments)."""
    emulator.faults.add(path=rf"^/v1/incident/{remote_id}(\?|$)", times=-1, **fault)


async def test_a_full_read_refused_for_one_incident_skips_only_it(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("aoh_ims", sample=8).emulator
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    with_comments = {row["id"] for row in emulator.tenant(DEFAULT_TENANT).incidents.values()} & set(
        emulator.tenant(DEFAULT_TENANT).comments
    )
    broken = sorted(with_comments)[0]
    one_read(emulator, broken, kind="status", method="GET", status=400,
             body={"message": "id is not a uuid"})

    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            report = await sync(settings)
            assert report.ok, [r.error for r in report.results]

    states = hydrated(settings)
    assert states.pop(broken) == 0
    assert len(states) == 7 and set(states.values()) == {1}
    assert commented(settings) == with_comments - {broken}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert warnings[0].startswith(f"ops: incident {broken} ")
    assert "HTTP 400: id is not a uuid" in warnings[0]

    emulator.faults.clear()
    assert (await sync(settings)).ok
    assert set(hydrated(settings).values()) == {1}
    assert commented(settings) == with_comments


async def test_a_reread_refused_for_one_incident_keeps_its_mark(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("aoh_ims", sample=0).emulator
    broken, fine, _ = (emulator.add(name=f"Pump {n}")["id"] for n in range(3))
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    assert (await sync(settings)).ok
    # A discarded change marks its incident to be read again in full.
    queued = Actions.open(settings.db_path()).acknowledge([f"ops:{broken}", f"ops:{fine}"])
    engine = SyncEngine(settings, sleep=no_sleep)
    for change in queued:
        outbox_answers.discard(engine.engine, change.seq)
    await engine.aclose()
    one_read(emulator, broken, kind="status", method="GET", status=400,
             body={"message": "id is not a uuid"})

    with caplog.at_level(logging.WARNING):
        report = await sync(settings)
    assert report.ok, [r.error for r in report.results]
    assert marked(settings) == [broken]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(f"ops: incident {broken} ")

    emulator.faults.clear()
    assert (await sync(settings)).ok
    assert marked(settings) == []


async def test_an_unreadable_full_record_skips_only_it(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("oneuptime", sample=0).emulator
    settings = settings_for(tmp_path, emulator.remote_config("ou"))
    ids = [emulator.add(f"Pump {n}")["_id"] for n in range(6)]
    broken = ids[2]
    emulator.faults.add("malformed", path=rf"/incident/{broken}/get-item", times=-1)

    with caplog.at_level(logging.WARNING):
        report = await sync(settings)
    assert report.ok, [r.error for r in report.results]
    states = hydrated(settings)
    assert states.pop(broken) == 0
    assert len(states) == 5 and set(states.values()) == {1}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and warnings[0].startswith(f"ou: incident {broken} ")


@pytest.mark.parametrize(("status", "error"), [(503, "HTTP 503"), (401, "HTTP 401")])
async def test_a_remote_down_while_reading_full_records_still_fails_the_pass(
    serve: Serve, tmp_path: Path, status: int, error: str
) -> None:
    emulator: Any = serve("aoh_ims", sample=4).emulator
    settings = settings_for(tmp_path, emulator.remote_config("ops"))
    broken = sorted(emulator.tenant(DEFAULT_TENANT).incidents)[0]
    one_read(emulator, broken, kind="status", method="GET", status=status)

    report = await sync(settings)
    assert not report.ok
    assert report.results[0].error.startswith(error)
    assert hydrated(settings)[broken] == 0

