"""When a OneUptime incident was acknowledged, read from its state timeline over HTTP: the
acknowledgement of the current episode (a reopen starts a new one), like ``resolved_at``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest

from incident_tui.config_remotes import OneuptimeRemote
from incident_tui.domain.model import Status
from incident_tui.remote.oneuptime import OneuptimeConnector
from tests.integration.conftest import FIXED_NOW, Serve, no_sleep


@pytest.fixture
async def opened() -> AsyncIterator[list[OneuptimeConnector]]:
    """Connectors made in the test, closed after it."""
    made: list[OneuptimeConnector] = []
    yield made
    for connector in made:
        await connector.aclose()


async def test_a_second_acknowledgement_after_a_reopen_is_the_one_shown(
    serve: Serve, opened: list[OneuptimeConnector]
) -> None:
    now = [FIXED_NOW]
    srv = serve("oneuptime", investigating_state=True, clock=lambda: now[0])
    emulator: Any = srv.emulator
    connector = OneuptimeConnector(OneuptimeRemote(**emulator.remote_config("ou")),
                                   sleep=no_sleep)
    opened.append(connector)
    row = emulator.add("Checkout errors")

    def enter(state: str, minutes: int) -> None:
        now[0] = FIXED_NOW + timedelta(minutes=minutes)
        emulator.touch(row["_id"], currentIncidentStateId=emulator.state_id(state))

    enter("Acknowledged", 10)
    enter("Resolved", 20)
    enter("Identified", 30)  # reopened: a new episode, not acknowledged yet
    reopened = await connector.get(row["_id"])
    assert reopened.status == Status.TRIGGERED
    assert (reopened.acknowledged_at, reopened.resolved_at) == (None, None)

    enter("Acknowledged", 40)
    enter("Investigating", 50)  # still the same acknowledgement
    again = await connector.get(row["_id"])
    assert again.status == Status.ACKNOWLEDGED
    assert again.acknowledged_at == FIXED_NOW + timedelta(minutes=40)

    enter("Resolved", 60)
    done = await connector.get(row["_id"])
    assert done.acknowledged_at == FIXED_NOW + timedelta(minutes=40)
    assert done.resolved_at == FIXED_NOW + timedelta(minutes=60)
