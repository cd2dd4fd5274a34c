"""The handover's ``w`` takes each file name atomically: it never writes over, or through,
anything that already has the name."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from incident_tui.ui.screens.handover import HandoverScreen
from tests.ui.conftest import NOW
from tests.ui.helpers import settle

STEM = "handover-" + NOW.strftime("%Y%m%dT%H%MZ")


async def save_once(app: Any) -> list[Path]:
    """Open the handover, press ``w``; the paths the screen says it saved."""
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await pilot.press("h")
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, HandoverScreen)
        return list(screen.saved)


async def test_a_link_with_the_name_is_not_written_through(
    make_app: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "handovers"
    folder.mkdir()
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    # A link to a file that does not exist yet: checking whether the name exists says no,
    # and writing to it then creates the file at the far end, outside the folder.
    (folder / f"{STEM}.md").symlink_to(elsewhere / "notes.md")
    saved = await save_once(make_app(download_dir=folder))
    assert saved == [folder / f"{STEM}-2.md", folder / f"{STEM}-2.json"]
    assert list(elsewhere.iterdir()) == []
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{STEM}-2.json", f"{STEM}-2.md", f"{STEM}.md"
    ]
    assert saved[0].read_text(encoding="utf-8").startswith("# ")


async def test_a_pair_keeps_one_name_when_only_one_half_is_taken(
    make_app: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "handovers"
    folder.mkdir()
    (folder / f"{STEM}.json").write_text("kept", encoding="utf-8")
    saved = await save_once(make_app(download_dir=folder))
    assert [p.name for p in saved] == [f"{STEM}-2.md", f"{STEM}-2.json"]
    assert (folder / f"{STEM}.json").read_text(encoding="utf-8") == "kept"
    # Neither a half-claimed name nor a temporary file is left behind.
    assert sorted(p.name for p in folder.iterdir()) == [
        f"{STEM}-2.json", f"{STEM}-2.md", f"{STEM}.json"
    ]
