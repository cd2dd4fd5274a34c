"""The shared form of the new-incident and edit dialogs: title, description and severity.
What was typed and not saved is kept as a draft (:mod:`incident_tui.ui.drafts`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar, TypeVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static, TextArea

from incident_tui.domain.model import Severity
from incident_tui.ui.draft_keeper import DraftKeeper
from incident_tui.ui.drafts import Drafts, Fields
from incident_tui.ui.widgets.text_box import WRAP_OFF_NOTE, TextBox

ResultT = TypeVar("ResultT")

NO_SEVERITY = "none"
SEVERITY_OPTIONS: list[tuple[Content, str]] = [
    (Content(NO_SEVERITY), NO_SEVERITY),
    *[(Content(s.value), s.value) for s in Severity],
]
SET_SEVERITY_OPTIONS = SEVERITY_OPTIONS[1:]
"""The choices where a severity cannot be cleared (Kitehouse, OneUptime): "none" there would
be refused by the sync, and the rest of the edit with it."""
UNREAD_LABEL = "not loaded yet"
"""After the description field's label when the remote's description was never read."""
UNREAD_PLACEHOLDER = (
    "The remote's description was not read yet. Text saved here is not sent over it "
    "unseen: if the remote has one, the sync asks which to keep."
)


class FormScreen(ModalScreen[ResultT | None]):
    """A dialog with the editable incident fields; ctrl+s submits, escape cancels."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", id="submit"),
        Binding("escape", "cancel", "Cancel", id="cancel"),
    ]
    HEADING = ""

    def __init__(
        self,
        *,
        blink: bool = True,
        severity: bool = True,
        clearable: bool = True,
        drafts: Drafts | None = None,
        draft_key: str = "",
        former_keys: Sequence[str] = (),
    ) -> None:
        """``former_keys``: where the draft may still wait (see :class:`DraftKeeper`)."""
        super().__init__()
        self.blink = blink
        self.with_severity = severity
        self.clearable = clearable
        """Whether "none" is a severity to choose (else only while it is the one shown)."""
        self.keeper = DraftKeeper(self, drafts, draft_key, self.draft_fields, former_keys)
        self.description_unread = False
        """The description field is empty because the remote's was never read."""

    def compose(self) -> ComposeResult:
        """Heading, the extra fields of a subclass, then title, description and severity."""
        # The dialog scrolls between its heading and its key hint (both docked): on a short
        # terminal it shrinks to fit, and a field reached with tab is scrolled into view.
        with VerticalScroll(classes="dialog form-dialog scroll-dialog", can_focus=False):
            yield Static(self.heading(), classes="dialog-heading")
            yield from self.compose_extra()
            yield Label("Title")
            # Not selected on focus: typing into a draft that came back (or a title being
            # edited) would replace all of it.
            title = Input(id="form-title", compact=True, placeholder="What is happening?",
                          select_on_focus=False)
            title.cursor_blink = self.blink
            yield title
            yield Label("Description", id="form-description-label")
            area = TextBox(id="form-description", tab_behavior="focus", compact=True)
            area.cursor_blink = self.blink
            yield area
            if self.with_severity:
                yield Label("Severity", id="form-severity-label")
                options = SEVERITY_OPTIONS if self.clearable else SET_SEVERITY_OPTIONS
                yield Select(
                    options,
                    id="form-severity",
                    allow_blank=False,
                    value=options[0][1],
                    compact=True,
                )
            yield Static(
                Content.styled(
                    "ctrl+s save · escape keep draft · tab next field", "$foreground-muted"
                ),
                classes="dialog-hint",
            )

    def heading(self) -> Content:
        """The dialog's heading line: ``HEADING``, or more where a subclass names more."""
        return Content.styled(self.HEADING, "bold")

    def compose_extra(self) -> ComposeResult:
        """Fields a subclass shows before the title."""
        yield from ()

    def show_severity(self, shown: bool) -> None:
        """Show or hide the severity field (the new-incident dialog follows the chosen
        remote's kind). Hidden, it gives no severity; what was chosen stays for when it is
        shown again."""
        if self.with_severity:
            self.query_one("#form-severity-label").display = shown
            self.query_one("#form-severity", Select).display = shown

    def _severity_shown(self) -> bool:
        return self.with_severity and bool(self.query_one("#form-severity", Select).display)

    def fill(self, title: str, description: str, severity: str | None) -> None:
        """Put existing values in the fields."""
        field = self.query_one("#form-title", Input)
        field.value = title
        # Typing goes on where the text ends, not in front of it.
        field.cursor_position = len(title)
        area = self.query_one("#form-description", TextArea)
        area.text = description
        area.move_cursor(area.document.end)
        if self.with_severity:
            select = self.query_one("#form-severity", Select)
            if not self.clearable:
                # An incident that has none shows so; choosing a severity and then "none"
                # again is no change, so nothing is sent that the remote would refuse.
                select.set_options(SET_SEVERITY_OPTIONS if severity else SEVERITY_OPTIONS)
            select.value = severity or NO_SEVERITY

    def note_description_unread(self) -> None:
        """Say that the description field is empty because the remote's was never read,
        not because there is none."""
        self.description_unread = True
        self._label_description()
        self.query_one("#form-description", TextArea).placeholder = UNREAD_PLACEHOLDER

    @on(TextBox.WrapChanged, "#form-description")
    def _label_description(self) -> None:
        """The description's label, with what the field holds that is out of the ordinary."""
        notes = [UNREAD_LABEL] if self.description_unread else []
        if self.query_one("#form-description", TextBox).long_line:
            notes.append(WRAP_OFF_NOTE)
        self.query_one("#form-description-label", Label).update(
            Content.assemble("Description", *[(f"  {note}", "$warning") for note in notes])
        )

    def fields(self) -> Fields:
        """The form's fields as typed (the title not stripped), for the draft."""
        fields: Fields = {
            "title": self.query_one("#form-title", Input).value,
            "description": self.query_one("#form-description", TextArea).text,
        }
        if self.with_severity:
            chosen = self.query_one("#form-severity", Select).value
            fields["severity"] = None if chosen in (NO_SEVERITY, Select.NULL) else str(chosen)
        return fields

    def draft_fields(self) -> Fields | None:
        """What to keep as the draft (``None``: not ready to say; ``{}``: nothing to keep).
        Subclasses add their own fields or leave out what needs no keeping."""
        return self.fields()

    def restore(self, saved: Fields) -> None:
        """Put a kept draft back into the fields."""
        severity = saved.get("severity")
        self.fill(
            str(saved.get("title") or ""),
            str(saved.get("description") or ""),
            str(severity) if severity in {s.value for s in Severity} else None,
        )

    @on(Input.Changed)
    @on(TextArea.Changed)
    @on(Select.Changed)
    def _field_changed(self) -> None:
        self.keeper.changed()

    def values(self) -> tuple[str, str, Severity | None]:
        """Title (stripped), description and severity as entered."""
        title = self.query_one("#form-title", Input).value.strip()
        description = self.query_one("#form-description", TextArea).text
        severity: Severity | None = None
        if self._severity_shown():
            chosen = self.query_one("#form-severity", Select).value
            severity = Severity(str(chosen)) if chosen in {s.value for s in Severity} else None
        return title, description, severity

    def action_cancel(self) -> None:
        """Close without saving (what was typed stays as a draft)."""
        self.keeper.cancelled()
        self.dismiss(None)

    def action_submit(self) -> None:
        """Validate and close with the result (subclasses build it)."""
        raise NotImplementedError
