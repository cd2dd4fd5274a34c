"""Exporting the list from the TUI writes its rows as it reads them, as ``list --json`` and
``--csv`` print them: the same text, without holding it (or the rows) whole. Driven through
the keys over a real cache of a few thousand incidents; the file is read back from disk."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from tests.integration.test_cli_list_stream import many
from tests.ui.helpers import notifications, settle

COUNT = 10_000


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    """A cache of :data:`COUNT` plain incidents (instead of the sample one)."""
    return many(tmp_path / "incidents.db", COUNT)


@pytest.mark.parametrize("fmt", ["json", "csv"])
async def test_export_does_not_hold_its_whole_text(
    make_app: Any, tmp_path: Path, fmt: str
) -> None:
    folder = tmp_path / "exports"
    app = make_app(download_dir=folder)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        # The first export is not measured: it pays for the imports and the dialog's
        # first drawing.
        await pilot.press("x", fmt[0])
        await settle(pilot)
        tracemalloc.start()
        try:
            await pilot.press("x", fmt[0])
            await settle(pilot)
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
        said = [n for n in notifications(app) if n.startswith("Exported")]
        assert len(said) == 2 and f"{COUNT:,} incidents" in said[1]
    first, exported = sorted(folder.iterdir(), key=lambda path: len(path.name))
    assert exported.read_bytes() == first.read_bytes()
    text = exported.read_text(encoding="utf-8")
    if fmt == "json":
        assert len(json.loads(text)) == COUNT
    else:
        assert len(text.splitlines()) == COUNT + 1
    # Every row, then the whole text, then its bytes took 1.4 kB a row for CSV and 4.5 kB
    # for JSON; read and written a row at a time, what is held does not grow with the rows.
    assert peak < COUNT * 500
