"""Tab completes the upload prompt's path as a shell does: the shared part of every matching
name, a folder's ``/``, the names when nothing more can be added."""

from __future__ import annotations

import pwd
from pathlib import Path

import pytest
from textual.app import App
from textual.content import Content
from textual.widgets import Input, Static

from incident_tui.ui.path_completion import Completion, complete_path, matches_note
from incident_tui.ui.screens.path_prompt import PathPromptScreen, check_upload


def tree(root: Path) -> Path:
    """evidence/{generator-room.jpg, generator-log.txt, site photo.jpg, .hidden, shots/}"""
    evidence = root / "evidence"
    (evidence / "shots").mkdir(parents=True)
    for name in ("generator-room.jpg", "generator-log.txt", "site photo.jpg", ".hidden"):
        (evidence / name).write_bytes(b"x")
    return evidence


def test_completion_adds_what_every_match_shares(tmp_path: Path) -> None:
    evidence = tree(tmp_path)
    assert complete_path("evidence/gen", tmp_path) == Completion(
        "evidence/generator-", ["generator-log.txt", "generator-room.jpg"]
    )
    assert complete_path("evidence/generator-r", tmp_path).text == "evidence/generator-room.jpg"
    assert complete_path("evid", tmp_path).text == "evidence/"  # a folder gains its slash
    assert complete_path("evidence/sh", tmp_path).text == "evidence/shots/"
    assert complete_path(f"{evidence}/si", None).text == f"{evidence}/site photo.jpg"
    # Hidden names only once a dot is typed; the typed form (relative, ~) is kept.
    assert ".hidden" not in complete_path("evidence/", tmp_path).matches
    assert complete_path("evidence/.h", tmp_path).text == "evidence/.hidden"
    assert complete_path("~", tmp_path).text == "~/"


def test_completion_leaves_alone_what_it_cannot_read(tmp_path: Path) -> None:
    tree(tmp_path)
    (tmp_path / "evidence" / "bad\x1b]0;pwned\x07.jpg").write_bytes(b"x")
    assert complete_path("evidence/ba", tmp_path) == Completion("evidence/ba", [])
    assert complete_path("nowhere/x", tmp_path) == Completion("nowhere/x", [])
    assert complete_path("evidence/site photo.jpg/x", tmp_path).matches == []  # not a folder
    assert complete_path("'evidence/gen", tmp_path).text == "'evidence/gen"  # pasted, quoted
    assert complete_path("evidence/zz", tmp_path) == Completion("evidence/zz", [])


def test_a_tilde_without_a_home_folder_is_a_name_like_any_other(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # No HOME, and a user id the password file does not have (a container run so).
    def unknown(uid: int) -> pwd.struct_passwd:
        raise KeyError(f"getpwuid(): uid not found: {uid}")

    monkeypatch.setattr(pwd, "getpwuid", unknown)
    monkeypatch.delenv("HOME", raising=False)
    assert complete_path("~/ev", tmp_path) == Completion("~/ev", [])
    assert check_upload("~/evidence.jpg", tmp_path) == (
        f"No such file: {tmp_path / '~' / 'evidence.jpg'}."
    )


def test_matches_note_names_the_first_few() -> None:
    assert matches_note([]) == "No file starts with that."
    assert matches_note(["a.jpg"]) == "1 match: a.jpg"
    many = [f"{n}.jpg" for n in range(9)]
    assert matches_note(many) == "9 matches: 0.jpg, 1.jpg, 2.jpg, 3.jpg, 4.jpg, 5.jpg, and 3 more"


class PromptApp(App[None]):
    """Only the prompt, anchored in a test folder."""

    def __init__(self, cwd: Path) -> None:
        super().__init__()
        self.cwd = cwd
        self.chosen: list[Path | None] = []

    def on_mount(self) -> None:
        self.push_screen(
            PathPromptScreen(Content("Upload a file"), cwd=self.cwd, blink=False),
            self.chosen.append,
        )


async def test_tab_completes_in_the_prompt_and_the_file_is_chosen(tmp_path: Path) -> None:
    evidence = tree(tmp_path)
    app = PromptApp(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        box = app.screen.query_one(Input)
        line = app.screen.query_one("#path-error", Static)
        await pilot.press(*"evid", "tab")
        assert box.value == "evidence/" and box.cursor_position == len("evidence/")
        await pilot.press(*"gen", "tab")
        assert box.value == "evidence/generator-"
        await pilot.press("tab")  # nothing more to add: the matches are named
        assert line.display and "-matches" in line.classes
        assert str(line.render()) == "2 matches: generator-log.txt, generator-room.jpg"
        assert isinstance(app.screen, PathPromptScreen)  # Tab never left the box

        # As the user types, the completion is offered greyed; right arrow takes it.
        await pilot.press("r")
        assert not line.display
        for _ in range(50):
            if "evidence/generator-room.jpg" in box.render_line(0).text:
                break
            await pilot.pause(0.02)
        assert "evidence/generator-room.jpg" in box.render_line(0).text
        await pilot.press("right", "enter")
        await pilot.pause()
    assert app.chosen == [evidence / "generator-room.jpg"]
