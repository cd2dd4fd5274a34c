"""Saving remote-named files: safe names inside the folder, never overwriting; local names
that are not UTF-8 read as text."""

from __future__ import annotations

import itertools
import os
import re
import stat
import unicodedata
from pathlib import Path

import pytest

from incident_tui.files import (
    new_file_mode,
    readable,
    safe_filename,
    save_bytes,
    upload_refusal,
)


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
        ("evil\nname.txt", "evil name.txt"),
        ("cafe\u0301.txt", "caf\u00e9.txt"),
    ],
)
def test_safe_filename(name: str, expected: str) -> None:
    assert safe_filename(name) == expected


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        # Read as options by `rm *` in the download folder.
        ("-rf", "_-rf"),
        ("--help.txt", "_--help.txt"),
        ("-", "_-"),
        # A leading tilde typed in a command reaches a home (or the last) folder.
        ("~", "_~"),
        ("~-", "_~-"),
        ("~root.txt", "_~root.txt"),
        # Device names that only show once the steps before have trimmed the name.
        ("con .txt", "_con.txt"),
        ("CON  .tar.gz", "_CON .tar.gz"),
        ("nul.", "_nul"),
        ("aux .", "_aux"),
        ("com\u00b9.log", "_com\u00b9.log"),
        # Invisible characters that hide the real extension or the real start.
        ("report.pdf\u200b", "report.pdf"),
        ("report\u200b.pdf\ufeff", "report.pdf"),
        ("invoice.pdf\u3164", "invoice.pdf"),
        ("photo.jp\u00adg", "photo.jpg"),
        ("lone\ud800.txt", "lone.txt"),  # a surrogate cannot even be written as UTF-8
        # What the earlier steps uncover gets the same treatment as what came as it is.
        ("\u200b-rf", "_-rf"),
        ("\u2060con.txt", "_con.txt"),
        (" -rf", "_-rf"),
        ("..-rf", "_-rf"),
        (". ~", "_~"),
        ("dir/-rf", "_-rf"),
        ("x\\..\\~", "_~"),
        ("\x1b[31m-rf", "_-rf"),
        ("-\u200b", "_-"),
        ("\u200b", "attachment"),
        ("\u200b.txt", "txt"),  # as ".txt" is: no hidden file
        # Left alone: the same characters further in.
        ("a-b~c.txt", "a-b~c.txt"),
        ("console.txt", "console.txt"),
        ("_-rf", "_-rf"),
    ],
)
def test_safe_filename_defuses_what_a_shell_or_windows_reads_otherwise(
    name: str, expected: str
) -> None:
    assert safe_filename(name) == expected


def test_a_cut_that_makes_a_device_name_is_defused_too() -> None:
    # Cut to 7 bytes, "console.txt" would be "con.txt"; with the "_" it still fits.
    assert safe_filename("console.txt", limit=7) == "_co.txt"
    assert safe_filename("con   1.txt", limit=8) == "_con.txt"
    assert safe_filename("-" + "x" * 300 + ".log") == "_-" + "x" * 194 + ".log"


def test_safe_filename_caps_long_names_and_keeps_the_extension() -> None:
    name = safe_filename("é" * 400 + ".jpeg")
    assert len(name.encode()) <= 200 and name.endswith("é.jpeg")


PIECES = ["-", "~", ".", " ", "\u200b", "\u3164", "con", "/", "\\", "a", ".txt", "\x1b[0m", "\n"]


@pytest.mark.parametrize("limit", [200, 7])
def test_no_mix_of_unsafe_pieces_comes_out_unsafe(limit: int) -> None:
    # Every name of up to four pieces: whatever one step uncovers or trims, the saved name
    # starts and ends safely, is no device name and hides nothing.
    for count in range(1, 5):
        for pieces in itertools.product(PIECES, repeat=count):
            name = "".join(pieces)
            saved = safe_filename(name, default="x", limit=limit)
            # Only an extension longer than the limit is kept whole, after the default.
            assert len(saved.encode()) <= limit or saved.startswith("x."), (name, saved)
            assert not saved.startswith(("-", "~", ".", " ")), (name, saved)
            assert not saved.endswith((".", " ")), (name, saved)
            assert not re.fullmatch(r"con *(\..*)?", saved, re.IGNORECASE), (name, saved)
            assert "/" not in saved and "\\" not in saved, (name, saved)
            assert all(
                unicodedata.category(ch) not in ("Cc", "Cf") and ch != "\u3164" for ch in saved
            ), (name, saved)


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


def test_a_name_that_is_not_utf8_reads_as_text_and_its_refusal_too(tmp_path: Path) -> None:
    missing = tmp_path / os.fsdecode(b"caf\xe9.txt")
    assert readable(missing.name) == "caf\ufffd.txt"
    assert readable("plain \u00e9t\u00e9.txt") == "plain \u00e9t\u00e9.txt"
    refusal = upload_refusal(missing)
    assert refusal is not None and refusal.endswith("caf\ufffd.txt")
    refusal.encode("utf-8")  # printable, no lone surrogates left
