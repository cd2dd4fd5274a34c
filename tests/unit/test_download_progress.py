"""How far a download has come, in words: the command line's redrawn line (a terminal only,
cut to its width, a few redraws a second) and the text both it and the TUI show."""

from __future__ import annotations

import io

import pytest

from incident_tui.cli_progress import ProgressLine
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
    monkeypatch.setenv("COLUMNS", "40")
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
    assert drawn == [
        "downloading a-very-long-file-name-from-\x1b[K",
        "downloading a-very-long-file-name-from-\x1b[K",
        "\x1b[K",
    ]
    assert all(len(text.removesuffix("\x1b[K")) == 39 for text in drawn[:2])


def test_nothing_is_drawn_off_a_terminal() -> None:
    log = io.StringIO()
    line = ProgressLine(log)
    DownloadProgress(name="photo.jpg", on_update=line.draw).update(5, 10)
    line.close()
    assert log.getvalue() == ""
