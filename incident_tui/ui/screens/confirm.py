"""A yes / no question (used before deleting an incident)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

from incident_tui.domain.text import clean
from incident_tui.ui.context import UiContext


class ConfirmScreen(ModalScreen[bool]):
    """Asks one question; ``y`` or enter answers yes, ``n`` or escape no."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y,enter", "answer(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "answer(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: Content) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        """The question and the keys."""
        with Vertical(id="confirm-dialog", classes="dialog"):
            yield Static(self.question, classes="dialog-heading")
            yield Static(Content.styled("y yes · n no", "$foreground-muted"), classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)


def confirm_delete(
    app: App[Any],
    ctx: UiContext,
    incident_id: str,
    title: str,
    *,
    done: Callable[[], None] | None = None,
) -> None:
    """Ask before deleting; a yes queues the deletion."""
    question = Content.assemble(
        ("Delete ", "bold"),
        (clean(incident_id, single_line=True), "bold $error"),
        "?\n",
        clean(title, single_line=True)[:200],
    )

    def answered(yes: bool | None) -> None:
        if yes:
            ctx.intents.delete(incident_id, done=done)

    app.push_screen(ConfirmScreen(question), answered)
