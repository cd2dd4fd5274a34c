"""The command line under a locale that is not UTF-8 (``LC_ALL=C`` with Python's UTF-8 mode
off, as a Latin-1 locale on an older server writes too): a character the charset lacks is
shown as ``?`` in text and kept whole, escaped, in JSON, where it ended ``list``, ``handover``
and a sync pass with a traceback. The program runs in a child process, as only there the
locale sets the streams' charset; the remote is a Kitehouse emulator over HTTP."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.integration.conftest import Point, Serve
from tests.integration.test_cli_output_lost import REPO, kitehouse

TITLE = "Fire \N{FIRE} in hall B \N{EM DASH} east wing, smoke on every floor up to the roof"


def run_in_c_locale(*argv: str) -> tuple[int, str, str]:
    """The command line in a child process whose locale is plain ASCII ``C``; its exit
    status, standard output and standard error."""
    status, out, err = run_in_c_locale_bytes(*argv)
    return status, out.decode("ascii"), err.decode("ascii")


def run_in_c_locale_bytes(*argv: str) -> tuple[int, bytes, bytes]:
    """As :func:`run_in_c_locale`, its output as the bytes written."""
    env = {
        k: v for k, v in os.environ.items()
        if k not in ("LANG", "LANGUAGE", "PYTHONIOENCODING") and not k.startswith("LC_")
    }
    # Wide enough for the whole title in a list row, whatever width the runner has.
    env.update(PYTHONPATH=str(REPO), LC_ALL="C", PYTHONUTF8="0", PYTHONCOERCECLOCALE="0",
               COLUMNS="200")
    child = subprocess.run(
        [sys.executable, "-m", "incident_tui", *argv],
        capture_output=True, env=env, timeout=120, check=False,
    )
    assert b"Traceback" not in child.stderr, child.stderr
    return child.returncode, child.stdout, child.stderr


def test_list_and_sync_show_what_ascii_lacks_as_a_question_mark(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
) -> None:
    _emulator, (fire,) = kitehouse(serve, point, capsys, TITLE)
    status, out, _err = run_in_c_locale("list", "--sort", "newest")
    assert status == 0
    row = next(line for line in out.splitlines() if line.startswith(fire))
    assert "Fire ? in hall B ? east wing" in row
    status, out, _err = run_in_c_locale("show", fire)
    assert status == 0 and "Fire ? in hall B ? east wing" in out
    status, out, _err = run_in_c_locale("handover")
    assert status == 0 and "Fire ? in hall B" in out
    status, out, _err = run_in_c_locale("sync", "--once")
    assert status == 0 and "synced 1 of 1 remotes" in out


def test_json_keeps_what_ascii_lacks_as_escapes(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str],
) -> None:
    _emulator, (fire,) = kitehouse(serve, point, capsys, TITLE)
    status, out, _err = run_in_c_locale("list", "--json")
    assert status == 0
    assert [row["title"] for row in json.loads(out)] == [TITLE]
    status, out, _err = run_in_c_locale("show", fire, "--json")
    assert status == 0 and json.loads(out)["title"] == TITLE
    status, out, _err = run_in_c_locale("handover", "--format", "json")
    assert status == 0 and TITLE in json.dumps(json.loads(out), ensure_ascii=False)


def test_a_path_in_bytes_the_charset_lacks_is_printed_as_given(
    serve: Serve, point: Point, capsys: pytest.CaptureFixture[str], tmp_path: Path,
) -> None:
    # A file name need not be text of the locale's charset: the path given is the path
    # printed, byte for byte, for a script to use ('saved .../caf??/...' named no folder).
    kitehouse(serve, point, capsys, TITLE)
    folder = tmp_path / "exports-caf\N{LATIN SMALL LETTER E WITH ACUTE}"
    folder.mkdir()
    status, out, err = run_in_c_locale_bytes("export-csv", "school", "--to", str(folder))
    assert status == 0, err
    saved = out.removeprefix(b"saved ").rstrip(b"\n")
    assert saved == os.fsencode(folder / "school-export.csv")
    assert Path(os.fsdecode(saved)).is_file()
