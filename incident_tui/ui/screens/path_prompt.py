"""Ask for a local file to upload: one path box, checked before anything is queued.

A missing path, a folder, a device or an unreadable file is refused in the dialog itself
with a clear message, so the outbox only ever holds uploads that can be sent. Tab completes
the path as a shell does (see ``path_completion``).
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from incident_tui.files import upload_refusal
from incident_tui.paths import home_path
from incident_tui.ui.path_completion import PathSuggester, complete_path, matches_note


def check_upload(text: str, cwd: Path | None = None) -> Path | str:
    """The file ``text`` names (``~`` expanded, relative to ``cwd``), or why it cannot be sent.

    Surrounding quotes are dropped: terminals paste dragged files as ``'/path/with space'``.
    """
    raw = text.strip()
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"":
        raw = raw[1:-1]
    if not raw:
        return "Type the path of a file to upload."
    path = home_path(raw)
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    refusal = upload_refusal(path)
    if refusal:
        return refusal[0].upper() + refusal[1:] + "."
    return path


class PathPromptScreen(ModalScreen[Path | None]):
    """Dismissed with a readable file's path, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    PathPromptScreen #path-input {
        background: $foreground 6%;
    }
    PathPromptScreen #path-error {
        color: $error;
        margin-top: 1;
    }
    PathPromptScreen #path-error.-matches {
        color: $foreground-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="path_cancel"),
        # The one field has nowhere to move focus to: Tab completes, as in a shell.
        Binding("tab", "complete", "Complete", show=False, id="path_complete"),
    ]

    def __init__(self, heading: Content, *, cwd: Path | None = None, blink: bool = True) -> None:
        """``heading`` is built from cleaned text by the caller; ``cwd`` anchors relative
        paths (the process's working directory by default)."""
        super().__init__()
        self.heading = heading
        self.cwd = cwd
        self.blink = blink

    def compose(self) -> ComposeResult:
        """Heading, the path box, a line for what is wrong and the keys."""
        with Vertical(id="path-dialog", classes="dialog"):
            yield Static(self.heading, classes="dialog-heading")
            yield Label("File")
            box = Input(
                id="path-input", compact=True, placeholder="~/evidence/photo.jpg",
                suggester=PathSuggester(self.cwd),
            )
            box.cursor_blink = self.blink
            yield box
            error = Static(id="path-error")
            error.display = False
            yield error
            yield Static(
                Content.styled("enter upload · tab complete · escape cancel", "$foreground-muted"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type straight away."""
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter: close with the file if it can be sent, else say why and stay."""
        event.stop()
        checked = check_upload(event.value, self.cwd)
        if isinstance(checked, Path):
            self.dismiss(checked)
            return
        self._say(checked)

    def on_input_changed(self, event: Input.Changed) -> None:
        """A new path clears the last complaint."""
        self.query_one("#path-error", Static).display = False

    async def action_complete(self) -> None:
        """Add what every matching name shares; when nothing can be added, list the names
        that match (or say none does)."""
        box = self.query_one(Input)
        typed = box.value
        completion = await asyncio.to_thread(complete_path, typed, self.cwd)
        if box.value != typed:  # typed on while the folder was read: that text wins
            return
        if len(completion.text) > len(typed):
            box.value = completion.text
            box.cursor_position = len(box.value)
        elif typed and typed[0] not in "'\"":
            self._say(matches_note(completion.matches), matches=True)

    def _say(self, text: str, *, matches: bool = False) -> None:
        """Show ``text`` (already clean) under the path box: a complaint, or (muted) the names
        that match."""
        line = self.query_one("#path-error", Static)
        line.update(Content(text))
        line.set_class(matches, "-matches")
        line.display = True

    def action_cancel(self) -> None:
        """Close without uploading."""
        self.dismiss(None)
