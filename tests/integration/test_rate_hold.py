"""A 429 holds back the whole client, not only the request that got it: requests sent
meanwhile wait out the server's Retry-After instead of each earning a 429 of their own."""

from __future__ import annotations

import asyncio

from incident_tui.remote.http import Http
from tests.integration.conftest import Serve


async def test_requests_sent_during_a_429_wait_for_its_retry_after(serve: Serve) -> None:
    server = serve("kitehouse", sample=3)
    emulator = server.emulator
    config = emulator.remote_config("school")
    http = Http(config["base_url"], headers={"Authorization": f"Bearer {config['token']}"})
    site = f"/incidents/{config['site_id']}"
    try:
        emulator.faults.add("status", status=429, retry_after="1", path=site + "$")
        first = asyncio.create_task(http.json("GET", site, params={"page": 1, "limit": 10}))
        # Until the client has the 429 in hand (the server logs it before answering).
        for _ in range(500):
            if http._held_until:
                break
            await asyncio.sleep(0.01)
        limited = next(entry for entry in emulator.log if entry.status == 429)
        # Another request of the same client, sent while the first waits out its 429.
        second = await http.json("GET", site, params={"page": 2, "limit": 10})
        rows = await first
        assert isinstance(rows, list) and rows
        assert isinstance(second, list)
        later = [entry for entry in emulator.log if entry.at > limited.at]
        assert len(later) == 2 and all(entry.status == 200 for entry in later)
        # Neither reached the server before the second the server asked for had passed.
        assert min(entry.at for entry in later) - limited.at >= 0.9
    finally:
        await http.aclose()
