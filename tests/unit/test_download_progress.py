"""How far a download has come, in words: the command line's redrawn line (a terminal only,
fitted to its width in cells with the figures always shown, a few redraws a second) and the
text both it and the TUI show."""

from __future__ import annotations

import io

import pytest
from rich.cells import cell_len

from incident_tui.cli_progress import ProgressLine, middle_cut, progress_text
from incident_tui.domain.sizes import DownloadProgress


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_the_words_with_and_without_the_whole_size() -> None:
    progress = DownloadProgress(name="photo.jpg")
    progress.update(1_258_292, 5 * 1024 * 1024)  # 24% and a bit: rounded down
    assert progress.text() == "photo.jpg: 1.2 MB of 5.0 MB (24%)"
    progress.update(1_258_291, None)
    assert progress.text() == "photo.jpg: 1.2 MB"
    # More than it said (a server that sent a wrong length): never past 100%.
    progress.update(6 * 1024 * 1024, 5 * 1024 * 1024)
    assert progress.text().endswith("(100%)")


def test_a_hostile_name_is_shown_clean_on_one_line() -> None:
    progress = DownloadProgress(name="\x1b[2J\x1b]0;owned\x07evil\r\nname.exe")
    progress.update(10, 20)
    assert progress.text() == "evil name.exe: 10 B of 20 B (50%)"


def test_the_line_is_cut_to_the_terminal_and_redrawn_a_few_times_a_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "50")
    terminal = Terminal()
    line = ProgressLine(terminal, every=60)
    progress = DownloadProgress(
        name="a-very-long-file-name-from-the-remote.pdf", on_update=line.draw
    )
    progress.update(0, 1000)
    for done in range(100, 1000, 100):
        progress.update(done, 1000)  # within the minute: not drawn
    progress.update(1000, 1000)  # complete: always drawn
    line.close()
    drawn = terminal.getvalue().split("\r")[1:]
    # The name gives way to the figures, cut in its middle so its extension still shows.
    assert drawn == [
        "downloading a-very-l…mote.pdf: 0 B of 1000 B (0%)\x1b[K",
        "downloading a-very…e.pdf: 1000 B of 1000 B (100%)\x1b[K",
        "\x1b[K",
    ]
    assert all(len(text.removesuffix("\x1b[K")) <= 49 for text in drawn[:2])


LONG_NAMES = [
    "a" * 300 + ".txt",
    "数据库停机报告" * 8 + ".txt",  # two cells a character
    "🔥 incident " * 20 + ".log",
    "cafe\u0301-" * 40 + ".txt",  # combining marks take no cell of their own
]


@pytest.mark.parametrize("name", LONG_NAMES, ids=["ascii", "cjk", "emoji", "combining"])
def test_the_figures_always_show_and_the_line_fits_in_terminal_cells(name: str) -> None:
    progress = DownloadProgress(name=name)
    progress.update(120_000, 200_000)
    for width in range(1, 200):
        text = progress_text(progress, width)
        assert cell_len(text) <= width, (width, text)
        if width >= 3:
            assert "60%" in text, (width, text)
        if width >= 60:
            assert text.startswith("downloading ")
            assert text.endswith(": 117.2 KB of 195.3 KB (60%)")
            # Both ends of the name: what it starts with and its extension.
            assert text.removesuffix(": 117.2 KB of 195.3 KB (60%)").endswith(name[-6:])
            assert text.removeprefix("downloading ")[:3] == name[:3]


@pytest.mark.parametrize("name", LONG_NAMES, ids=["ascii", "cjk", "emoji", "combining"])
def test_a_long_name_on_an_80_column_terminal(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    terminal = Terminal()
    line = ProgressLine(terminal, every=0)
    progress = DownloadProgress(name=name, on_update=line.draw)
    for done in range(0, 200_001, 50_000):
        progress.update(done, 200_000)
    drawn = [text.removesuffix("\x1b[K") for text in terminal.getvalue().split("\r")[1:]]
    assert len(drawn) == 5
    assert all(cell_len(text) <= 79 and " of 195.3 KB (" in text for text in drawn)
    assert drawn[-1].endswith("195.3 KB of 195.3 KB (100%)")


def test_a_cut_in_the_middle_is_measured_in_cells() -> None:
    # A double-width character that straddles the cut is left out, not halved.
    assert middle_cut("数据库停机报告.txt", 8) == "数据…txt"
    assert middle_cut("数据库停机报告.txt", 9) == "数据….txt"
    assert middle_cut("short.txt", 9) == "short.txt"
    assert middle_cut("short.txt", 1) == "…"
    assert middle_cut("short.txt", 0) == ""
    # A combining mark is not left at the start of the tail, away from its letter.
    assert middle_cut("abcde\u0301f", 4) == "ab…f"


def test_a_name_past_the_limit_keeps_its_extension() -> None:
    shown = DownloadProgress(name="b" * 300 + ".tar.gz").shown_name()
    assert len(shown) == 120 and shown.endswith("b.tar.gz") and "…" in shown


def test_nothing_is_drawn_off_a_terminal() -> None:
    log = io.StringIO()
    line = ProgressLine(log)
    DownloadProgress(name="photo.jpg", on_update=line.draw).update(5, 10)
    line.close()
    assert log.getvalue() == ""
