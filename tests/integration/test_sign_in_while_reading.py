"""A Keycloak token endpoint that fails while a sync reads full records, against the AOH IMS
emulator signing in with the password grant over HTTP: the sign-in's trouble is the remote's,
so the pass fails with it instead of blaming each record it was reading, and one failed
renewal is all the token endpoint hears, not one per record."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from incident_tui.config import Settings
from incident_tui.emulators.aoh_ims_data import REALM_TOKEN_PATH
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import RemoteResult
from tests.integration.conftest import Serve, no_sleep
from tests.integration.test_sync import settings_for

GET_ONE = r"^/v1/incident/[0-9a-f-]{36}$"
"""The path of one incident's full record."""


def token_requests(emulator: Any) -> int:
    """How many requests the token endpoint has had."""
    return sum(1 for entry in emulator.log if entry.path == REALM_TOKEN_PATH)


async def renewal_fails_while_reading(
    serve: Serve, tmp_path: Path, fault: dict[str, Any]
) -> tuple[RemoteResult, Any]:
    """Sync an AOH IMS remote once, then add incidents whose full records the next pass
    reads, each read refused as with a revoked token while the token endpoint answers with
    ``fault``: that pass's result, and the emulator."""
    emulator: Any = serve("aoh_ims", sample=3).emulator
    settings: Settings = settings_for(
        tmp_path, emulator.remote_config("ops", sign_in="password")
    )
    engine = SyncEngine(settings, sleep=no_sleep)
    try:
        assert (await engine.sync()).ok
        for number in range(12):
            emulator.add(name=f"Broker {number} unreachable")
        emulator.faults.add("status", status=401, method="GET", path=GET_ONE, times=-1)
        emulator.faults.add(
            method="POST", path=f"^{REALM_TOKEN_PATH}$", times=-1, **fault
        )
        emulator.log.clear()
        result = (await engine.sync()).results[0]
        # The engine lives on between passes (the TUI's does): whatever the pass left
        # running would go on asking.
        left = asyncio.all_tasks() - {asyncio.current_task()}
        if left:
            await asyncio.wait(left, timeout=30)
    finally:
        await engine.aclose()
    return result, emulator


async def test_a_garbled_token_answer_while_reading_records_fails_the_pass(
    serve: Serve, tmp_path: Path
) -> None:
    result, _ = await renewal_fails_while_reading(serve, tmp_path, {"kind": "malformed"})

    assert not result.ok
    assert result.error == "AOH IMS token endpoint answered with garbage"


async def test_a_failing_renewal_is_asked_once_for_all_the_reads_waiting_on_it(
    serve: Serve, tmp_path: Path
) -> None:
    # Each of a wrong password's tries counts towards Keycloak's lockout of the account.
    for fault in ({"kind": "status", "status": 500}, {"kind": "malformed"}):
        result, emulator = await renewal_fails_while_reading(serve, tmp_path / fault["kind"], fault)

        assert not result.ok, fault
        # One renewal: the refresh token's attempts, each sent again as any failed request.
        assert token_requests(emulator) == 4, fault
