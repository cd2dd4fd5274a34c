"""Saving remote-named files: safe names inside the folder, never overwriting."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from incident_tui.files import new_file_mode, safe_filename, save_bytes


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../.bashrc", "bashrc"),
        ("/etc/passwd", "passwd"),
        ("C:\\Windows\\System32\\drivers\\etc\\hosts", "hosts"),
        ("con.txt", "_con.txt"),
        ("NUL", "_NUL"),
        ("lpt1.log", "_lpt1.log"),
        ("report\x00.pdf.exe", "report.pdf.exe"),
        ("", "attachment"),
        ("...", "attachment"),
        ("../", "attachment"),
        ("a<b>:c|d?.txt", "a_b__c_d_.txt"),
        ("\x1b]52;c;ZXZpbA==\x07evil.sh", "evil.sh"),
        ("\u202etxt.exe", "txt.exe"),
        ("Zoë's photo.JPG", "Zoë's photo.JPG"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


def test_safe_filename_caps_long_names_and_keeps_the_extension() -> None:
    name = safe_filename("é" * 400 + ".jpeg")
    assert len(name.encode()) <= 200 and name.endswith("é.jpeg")


def test_save_bytes_never_overwrites_and_leaves_no_temp_files(tmp_path: Path) -> None:
    (tmp_path / "report.pdf").write_bytes(b"mine")
    first = save_bytes(tmp_path, "../report.pdf", b"one")
    second = save_bytes(tmp_path, "report.pdf", b"two")
    assert (first.name, second.name) == ("report (1).pdf", "report (2).pdf")
    assert (tmp_path / "report.pdf").read_bytes() == b"mine"
    assert first.read_bytes() == b"one" and second.read_bytes() == b"two"
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "report (1).pdf",
        "report (2).pdf",
        "report.pdf",
    ]


@pytest.mark.parametrize(("umask", "mode"), [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_saved_files_get_the_mode_of_any_new_file(tmp_path: Path, umask: int, mode: int) -> None:
    # A download or export is the user's file like any other: the umask decides who reads
    # it, not the 0o600 of the temporary file it is written as.
    before = os.umask(umask)
    new_file_mode.cache_clear()
    try:
        saved = save_bytes(tmp_path, "report.pdf", b"one")
    finally:
        os.umask(before)
        new_file_mode.cache_clear()
    assert stat.S_IMODE(saved.stat().st_mode) == mode
