"""Which incidents a pass reports as newly arrived and urgent, over HTTP to the emulators:
none on a first sync (everything is new then), on later passes only the new critical and
major ones still open, never the same one twice. Kitehouse pulls incrementally, AOH IMS
lists everything each pass: both ways of pulling are covered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from incident_tui.config import Settings
from incident_tui.domain.query import ListQuery
from incident_tui.store.reader import Reader
from incident_tui.sync.engine import SyncEngine
from incident_tui.sync.events import NullListener
from tests.integration.conftest import Serve, no_sleep

# Per kind: the remote's own word for (critical, major, minor), and (open, resolved) status.
WORDS: dict[str, tuple[tuple[str, str, str], tuple[str, str]]] = {
    "kitehouse": (("Critical", "High", "Medium"), ("open", "closed")),
    "aoh_ims": (("CRITICAL", "HIGH", "MINOR"), ("NEW", "RESOLVED")),
}
SEVERITY = {"critical": 0, "major": 1, "minor": 2}


class Recorder(NullListener):
    """Keeps every urgent id the engine reports, in order."""

    def __init__(self) -> None:
        self.urgent: list[str] = []

    def incidents_changed(self, ids: list[str], urgent_new: list[str]) -> None:
        """Record the urgent ones."""
        self.urgent += urgent_new


def add(emulator: Any, kind: str, title: str, severity: str, *, resolved: bool = False) -> str:
    """Add an incident on the emulator as someone else would; its local id."""
    severities, statuses = WORDS[kind]
    word, status = severities[SEVERITY[severity]], statuses[resolved]
    if kind == "kitehouse":
        row = emulator.add(title, priority=word, status=status)
        return f"remote:{row['_id']}"
    row = emulator.add(name=title, severity=word, status=status)
    return f"remote:{row['id']}"


async def sync(settings: Settings, listener: Recorder) -> None:
    """One pass with a fresh engine (as every CLI run and App start has), which must work."""
    engine = SyncEngine(settings, listener=listener, sleep=no_sleep)
    try:
        report = await engine.sync()
    finally:
        await engine.aclose()
    assert report.ok, [r.error for r in report.results]


@pytest.mark.parametrize("kind", sorted(WORDS))
async def test_only_new_open_critical_and_major_incidents_are_urgent(
    serve: Serve, tmp_path: Path, kind: str
) -> None:
    server = serve(kind, sample=20)
    emulator: Any = server.emulator
    settings = Settings(db=tmp_path / "cache.db", remotes=[emulator.remote_config("remote")])
    listener = Recorder()

    await sync(settings, listener)
    # The sample holds open critical and major incidents: a first sync still says nothing.
    reader = Reader.open(settings.db_path())
    open_urgent = [
        row
        for row in reader.page(ListQuery(), 0, 100)
        if row.severity in ("critical", "major") and row.status != "resolved"
    ]
    assert open_urgent, "the sample should hold open urgent incidents"
    assert listener.urgent == []

    critical = add(emulator, kind, "Gas leak in lab 3", "critical")
    major = add(emulator, kind, "Boiler pressure high", "major")
    add(emulator, kind, "Flickering light", "minor")
    add(emulator, kind, "Old fire drill", "critical", resolved=True)
    await sync(settings, listener)
    assert sorted(listener.urgent) == sorted([critical, major])
    assert reader.count(ListQuery()) == 24

    # Seen once: a pass with nothing new raises nothing again.
    listener.urgent.clear()
    await sync(settings, listener)
    assert listener.urgent == []
    reader.close()
