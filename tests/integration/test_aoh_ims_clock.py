"""The AOH IMS connector stamps the times it writes (a new incident's ``date``, a resolve's
``resolved_date``) from the clock it is given, as every connector does."""

from __future__ import annotations

from datetime import UTC, datetime

from incident_tui.config_remotes import AohImsRemote
from incident_tui.domain.model import Draft
from incident_tui.emulators.aoh_ims import AohImsEmulator
from incident_tui.remote.aoh_ims import AohImsConnector
from tests.integration.conftest import Serve, no_sleep

STAMP = datetime(2031, 5, 6, 7, 8, 9, tzinfo=UTC)
"""Years from the wall clock and the emulator's, so only the injected clock can write it."""


async def test_created_and_resolved_times_come_from_the_injected_clock(serve: Serve) -> None:
    srv = serve("aoh_ims", sample=0)
    emulator = srv.emulator
    assert isinstance(emulator, AohImsEmulator)
    config = AohImsRemote(**{**emulator.remote_config("ims"), "verify_tls": False})
    conn = AohImsConnector(config, sleep=no_sleep, clock=lambda: STAMP)
    try:
        made = await conn.create(Draft(title="Chiller alarm"), "k1")
        row = emulator.row(made.remote_id)
        assert row is not None and row["date"] == "2031-05-06T07:08:09Z"
        await conn.resolve(made)
        row = emulator.row(made.remote_id)
        assert row is not None and row["resolved_date"] == "2031-05-06T07:08:09Z"
    finally:
        await conn.aclose()
