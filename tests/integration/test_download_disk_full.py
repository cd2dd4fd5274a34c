"""A download, a remote's export or the handover's saved files into a folder whose disk is
full stop with one line naming the folder and what to do, not the bare ``[Errno 28] No space
left on device``, and leave no part of a file there.

Each runs in a child process whose folder is a tiny tmpfs mounted in a private mount
namespace and filled first; the Kitehouse emulator answers over loopback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.integration.conftest import Serve

FULL_DISK = (
    'mount -t tmpfs -o size=16k tmpfs "$1" || exit 97\n'
    'head -c 16384 /dev/zero > "$1/filler" 2>/dev/null\n'
    'folder="$1"; shift\n'
    '"$@"\n'
    "status=$?\n"
    'echo "left: $(ls -A "$folder" | tr "\\n" " ")"\n'
    'exit "$status"\n'
)
"""Mount a full 16 KB disk on the folder given first, run the command after it, then say
what the folder holds (the mount goes with the namespace)."""


def on_full_disk(folder: Path, *command: str) -> subprocess.CompletedProcess[str]:
    """Run ``command`` with ``folder`` on a full disk of its own."""
    unshare = shutil.which("unshare")
    if unshare is None:
        pytest.skip("no unshare (util-linux) to mount a small disk in a namespace of its own")
    options = ["--mount"] if os.geteuid() == 0 else ["--mount", "--map-root-user"]
    folder.mkdir(exist_ok=True)
    done = subprocess.run(
        [unshare, *options, "sh", "-c", FULL_DISK, "sh", str(folder), *command],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    if done.returncode == 97:
        pytest.skip(f"cannot mount a tmpfs in a mount namespace here: {done.stderr.strip()}")
    return done


@pytest.mark.parametrize("command", ["download", "export-pdf"])
def test_a_full_disk_stops_a_download_in_one_line_naming_the_folder(
    serve: Serve, use: Any, tmp_path: Path, command: str
) -> None:
    kite = serve("kitehouse", sample=8)
    use(("school", kite))
    emulator: Any = kite.emulator
    made = emulator.add("Window broken in lab 2")
    incident_id = f"school:{made['_id']}"
    folder = tmp_path / "full"
    subprocess.run(
        [sys.executable, "-m", "incident_tui", "sync", "--once"], check=True,
        capture_output=True, timeout=120,
    )  # fmt: skip
    if command == "download":
        note = tmp_path / "note.txt"
        note.write_bytes(b"boiler pressure log " * 2000)
        for argv in (["attach", incident_id, str(note)], ["sync", "--once"]):
            subprocess.run(
                [sys.executable, "-m", "incident_tui", *argv], check=True,
                capture_output=True, timeout=120,
            )  # fmt: skip
        argv = ["download", incident_id, "note.txt", "--to", str(folder)]
    else:
        argv = ["export-pdf", incident_id, "--to", str(folder)]

    done = on_full_disk(folder, sys.executable, "-m", "incident_tui", *argv)
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr == (
        f"incident-tui: cannot write into {folder}: No space left on device; free some "
        "space there, or save into another folder\n"
    )
    assert done.stdout == "left: filler \n"


SAVE_HANDOVER = """
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from incident_tui.domain.handover import Handover
from incident_tui.ui.screens.handover import save_handover
now = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
handover = Handover(now, now - timedelta(hours=12), 12, 24, ())
try:
    save_handover(handover, Path(sys.argv[1]))
except OSError as error:
    print(f"Could not save the handover: {error}", file=sys.stderr)
    sys.exit(1)
"""
"""The handover screen's ``w`` without the screen: the file writing and the notice's text."""


def test_a_full_disk_stops_saving_the_handover_in_one_line_naming_the_folder(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "full"
    done = on_full_disk(folder, sys.executable, "-c", SAVE_HANDOVER, str(folder))
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert done.stderr == (
        f"Could not save the handover: cannot write into {folder}: No space left on device; "
        "free some space there, or save into another folder\n"
    )
    assert done.stdout == "left: filler \n"
