"""A cache of schema version 12 holds AOH IMS incidents as the older mapping read them: the
"(no description)" placeholder as their description, a resolution time on an open incident.
Upgraded, its next sync writes every one again as the remote now reads, with no change to
their version on the remote, and an edit queued before the upgrade goes through unopposed."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from incident_tui.emulators.server import EmulatorServer
from incident_tui.store import db
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync

PLACEHOLDER = "(no description)"


def made_old(path: Path, blank: list[str], reopened: str) -> None:
    """Put the cache back to schema version 12 with the values version 12 stored: the
    ``blank`` incidents hold the placeholder as text (their conflict base too), and the
    ``reopened`` one its resolution time."""
    conn = sqlite3.connect(path)
    with conn:
        for incident_id in blank:
            conn.execute(
                "UPDATE incident SET description = ?, base = json_set(base, '$.description', ?) "
                "WHERE id = ?",
                (PLACEHOLDER, PLACEHOLDER, incident_id),
            )
        conn.execute(
            "UPDATE incident SET resolved_at = '2026-11-20T08:00:00.000000Z' WHERE id = ?",
            (reopened,),
        )
        conn.execute("ALTER TABLE incident DROP COLUMN reopened_at")  # version 15's
        conn.execute("ALTER TABLE remote DROP COLUMN identity")  # version 14's
        conn.execute("ALTER TABLE incident DROP COLUMN day_only")  # version 13's
        conn.execute("PRAGMA user_version = 12")
    conn.close()


async def test_an_upgraded_cache_reads_every_aoh_ims_incident_again(
    serve: Serve, tmp_path: Path
) -> None:
    ops: EmulatorServer = serve("aoh_ims", sample=0)
    emulator: Any = ops.emulator
    blank = emulator.add(name="Pump seal leaking", description=PLACEHOLDER)
    reopened = emulator.add(name="Chiller alarm (reopened)", description="Night shift",
                            status="NEW", resolved_date="2026-11-20T08:00:00Z")
    edited = emulator.add(name="Boiler pressure", description=PLACEHOLDER)
    settings = settings_for(tmp_path, emulator.remote_config("ops"), hydrate_limit=0)
    assert (await sync(settings)).ok
    path = settings.db_path()
    ids = {row["id"]: f"ops:{row['id']}" for row in (blank, reopened, edited)}
    # Queued by version 12 (offline): the edit of a description it read as the placeholder.
    Actions.open(path).edit(ids[edited["id"]], {"description": "Valve 3 sticks"})
    locks = {key: emulator.row(key)["occ_lock"] for key in ids}
    made_old(path, [ids[blank["id"]], ids[edited["id"]]], ids[reopened["id"]])

    report = await sync(settings)
    assert report.ok and report.results[0].conflicts == 0

    assert Reader.open(path).outbox() == []
    conn = sqlite3.connect(path)
    cached = dict(
        (remote_id, (description, resolved_at))
        for remote_id, description, resolved_at in conn.execute(
            "SELECT remote_id, description, resolved_at FROM incident"
        )
    )
    assert cached == {
        blank["id"]: (None, None),
        reopened["id"]: ("Night shift", None),
        edited["id"]: ("Valve 3 sticks", None),
    }
    assert emulator.row(edited["id"])["description"] == "Valve 3 sticks"
    # Read again, not written: only the edited one moved on the remote, by one.
    assert {key: emulator.row(key)["occ_lock"] for key in ids} == {
        **locks, edited["id"]: locks[edited["id"]] + 1
    }
    assert conn.execute("PRAGMA user_version").fetchone()[0] == db.CURRENT_VERSION == 15
    # Written again, each with the remote's token.
    assert conn.execute("SELECT count(*) FROM incident WHERE version IS NULL").fetchone() == (0,)
    conn.close()
