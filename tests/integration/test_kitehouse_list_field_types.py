"""A Kitehouse server that sends one of an incident's arrays (people involved, staff,
comments, attachments, custom fields) as something else, a count say: the field is read as
empty with a warning naming the remote, the rest of the incident is kept and the pass goes
on. Through the sync engine and a real SQLite cache, against the emulator over HTTP, which
serves such an incident in its list and on its own. Such a field used to end every pass in
"internal error: TypeError: 'int' object is not iterable"."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import httpx
import pytest

from incident_tui.domain.query import ListQuery
from incident_tui.emulators.kitehouse import DEFAULT_SITE_ID, DEFAULT_TOKEN
from incident_tui.store.actions import Actions
from incident_tui.store.reader import Reader
from tests.integration.conftest import Serve
from tests.integration.test_sync import settings_for, sync

LIST_PATH = f"/incidents/{DEFAULT_SITE_ID}"


def _list_rows(emulator: Any) -> Any:
    """The site's list rows as the emulator sends them to a client with its token."""
    response = httpx.get(emulator.base_url + LIST_PATH, params={"page": 1, "limit": 100},
                         headers={"Authorization": f"Bearer {DEFAULT_TOKEN}"})
    response.raise_for_status()
    return response.json()


async def test_arrays_sent_as_numbers_are_read_as_empty(
    serve: Serve, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    emulator: Any = serve("kitehouse", sample=0).emulator
    ids = [emulator.add(f"Trip hazard {n}")["_id"] for n in range(3)]
    odd = ids[1]
    listed = _list_rows(emulator)
    for row in listed:
        if row["_id"] == odd:
            row.update(people_involved=5, staff=2, custom_fields=3)
    full = emulator.incident(odd) | {"attachments": 7, "comments": 4, "custom_fields": {"a": 1}}
    emulator.faults.add("status", method="GET", path=f"^{LIST_PATH}$", status=200,
                        body=listed, times=-1)
    emulator.faults.add("status", method="GET", path=f"^{LIST_PATH}/{odd}$", status=200,
                        body=full, times=-1)
    settings = settings_for(tmp_path, emulator.remote_config("school"))
    with caplog.at_level(logging.WARNING):
        report = await sync(settings)
    assert report.ok, [r.error for r in report.results]

    reader = Reader.open(settings.db_path())
    try:
        cached = {row.remote_id for row in reader.all_rows(ListQuery())}
        detail = reader.detail(f"school:{odd}")
    finally:
        reader.close()
    assert cached == set(ids)
    assert detail is not None and detail.incident["title"] == "Trip hazard 1"
    assert detail.comments == [] and detail.attachments == []
    warnings = {r.getMessage() for r in caplog.records if r.levelno == logging.WARNING}
    assert warnings == {
        f"school: Kitehouse sent {key} as {kind}, not a list; it is read as empty"
        for key, kind in (("people_involved", "int"), ("staff", "int"),
                          ("custom_fields", "int"), ("attachments", "int"),
                          ("comments", "int"), ("custom_fields", "dict"))
    }


async def test_a_write_sends_such_an_array_back_as_it_came(
    serve: Serve, tmp_path: Path
) -> None:
    emulator: Any = serve("kitehouse", sample=0).emulator
    made = emulator.add("Broken handrail")["_id"]
    settings = settings_for(tmp_path, emulator.remote_config("school"))
    assert (await sync(settings)).ok
    full = emulator.incident(made) | {"people_involved": 5, "attachments": 7}
    emulator.faults.add("status", method="GET", path=f"^{LIST_PATH}/{made}$", status=200,
                        body=full, times=-1)
    Actions.open(settings.db_path()).resolve([f"school:{made}"])
    [result] = (await sync(settings)).results
    # The PUT replaces the whole record: an empty array in its place could throw away what
    # the number stands for, so it goes back as it came, and this server refuses it by name
    # (it was "internal error: TypeError" before anything was sent).
    assert [u.reason for u in result.unsent] == [
        "HTTP 400: body/people_involved must be array of string"
    ]
    assert emulator.incidents[made].status == "open"
