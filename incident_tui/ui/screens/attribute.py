"""Add or change one custom attribute of an incident (AOH IMS).

The attributes a deployment defines (name and type) are read from the remote when it
answers, to pick from; offline, any name can be typed. The value is checked against the
type (a NUMBER must be a number, a BOOLEAN true or false) before anything is queued, as the
``attribute`` command does (:mod:`incident_tui.domain.attributes`).
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Select, Static

from incident_tui.domain.attributes import parse_value, type_of
from incident_tui.domain.text import clean

Definitions = Callable[[], Awaitable[list[dict[str, Any]]]]
"""Reads the remote's attribute definitions: ``[{"name", "type"}]``."""


def value_as_text(value: Any) -> str:
    """A current value as the user types it back (``true``, ``42``, ``text``)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return clean(value, single_line=True)
    return clean(json.dumps(value, ensure_ascii=False), single_line=True)


class AttributeScreen(ModalScreen[tuple[str, Any] | None]):
    """Dismissed with ``(name, typed value)``, or ``None`` when cancelled."""

    DEFAULT_CSS = """
    AttributeScreen Input, AttributeScreen Select {
        background: $foreground 6%;
    }
    AttributeScreen #attr-note {
        margin-top: 1;
        color: $foreground-muted;
    }
    AttributeScreen #attr-note.-error {
        color: $error;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "submit", "Save", id="attr_submit"),
        Binding("escape", "cancel", "Cancel", id="attr_cancel"),
    ]

    def __init__(
        self,
        heading: Content,
        current: Mapping[str, Any],
        definitions: Definitions | None = None,
        *,
        blink: bool = True,
    ) -> None:
        """``heading`` is built from cleaned text by the caller; ``current`` holds the
        incident's attribute values; ``definitions`` reads the remote's (async)."""
        super().__init__()
        self.heading = heading
        self.current = dict(current)
        self.definitions = definitions
        self.types: dict[str, str] = {}
        """Defined attribute name (as the remote spells it) to type, once read from it."""
        self.names = {clean(name, single_line=True): str(name) for name in self.current}
        """A name of the incident's or a defined attribute as the dialog shows it (cleaned,
        on one line) to the name as the remote spells it, the one a value is sent under."""
        self.blink = blink

    def compose(self) -> ComposeResult:
        """Heading, the defined attributes, name, value, a note line and the keys."""
        with Vertical(id="attr-dialog", classes="dialog"):
            yield Static(self.heading, classes="dialog-heading")
            yield Label("Defined attributes")
            yield Select[str](
                [],
                id="attr-defined",
                prompt="reading from the remote…",
                compact=True,
                disabled=True,
            )
            yield Label("Name")
            name = Input(id="attr-name", compact=True, placeholder="attribute name")
            name.cursor_blink = self.blink
            yield name
            yield Label("Value")
            value = Input(id="attr-value", compact=True, placeholder="true, 42 or text")
            value.cursor_blink = self.blink
            yield value
            yield Static(id="attr-note")
            yield Static(
                Content.styled("ctrl+s save · escape cancel · tab next field", "$foreground-muted"),
                classes="dialog-hint",
            )

    def on_mount(self) -> None:
        """Type a name at once; read the definitions meanwhile."""
        self.query_one("#attr-name", Input).focus()
        if self.definitions is None:
            self._offline("This remote lists no attribute definitions: type a name.")
        else:
            self.run_worker(self._load(), group="attr-definitions", exit_on_error=False)

    async def _load(self) -> None:
        from incident_tui.config_error import ConfigError
        from incident_tui.remote.errors import RemoteError
        from incident_tui.store.actions import ActionError

        assert self.definitions is not None
        try:
            found = await self.definitions()
        except (RemoteError, ActionError, ConfigError, OSError, ValueError) as error:
            # Offline is normal for a queued change: say so quietly and let a name be typed.
            reason = clean(str(error), single_line=True)[:120]
            self._offline(f"Could not read the defined attributes ({reason}): type a name.")
            return
        self.types = {
            str(item["name"]): str(item.get("type") or "") for item in found if item.get("name")
        }
        self.names |= {clean(name, single_line=True): name for name in self.types}
        select = self.query_one("#attr-defined", Select)
        if not self.types:
            self._offline("The remote defines no attributes: type a name.")
            return
        # Shown cleaned, each chosen by its own name: two that read alike are both listed.
        select.set_options(
            (Content.assemble((shown, "bold"), (f"  {self.types[name]}", "$foreground-muted")),
             name)
            for shown, name in sorted((clean(name, single_line=True), name) for name in self.types)
        )
        select.prompt = "choose one, or type a name below"
        select.disabled = False
        self._note(Content(""))

    def _offline(self, text: str) -> None:
        select = self.query_one("#attr-defined", Select)
        select.prompt = "not available"
        select.disabled = True
        self._note(Content(text))

    def _note(self, content: Content, *, error: bool = False) -> None:
        note = self.query_one("#attr-note", Static)
        note.update(content)
        note.set_class(error, "-error")

    def on_select_changed(self, event: Select.Changed) -> None:
        """A defined attribute chosen: its name goes in the box, its current value too."""
        event.stop()
        if event.value is Select.NULL:
            return
        name = str(event.value)
        self.query_one("#attr-name", Input).value = clean(name, single_line=True)
        self._prefill(name)
        self.query_one("#attr-value", Input).focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        """A typed name that has a current value fills it in; the type is shown."""
        if event.input.id == "attr-name":
            self._prefill(self._defined(event.value), only_if_empty=True)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the name box moves to the value; in the value box it saves."""
        event.stop()
        if event.input.id == "attr-name":
            self.query_one("#attr-value", Input).focus()
        else:
            self.action_submit()

    def _defined(self, typed: str) -> str:
        """The name a typed or chosen one stands for: a defined name as the remote spells
        it when the box holds it as shown here, else the text typed (without the spaces
        around it)."""
        name = typed.strip()
        if name in self.types or name in self.current:
            return name
        return self.names.get(name, name)

    def _type_of(self, name: str) -> str | None:
        return type_of(name, self.types, self.current)

    def _prefill(self, name: str, *, only_if_empty: bool = False) -> None:
        box = self.query_one("#attr-value", Input)
        if name in self.current and not (only_if_empty and box.value):
            box.value = value_as_text(self.current[name])
        kind = self._type_of(name)
        if kind:
            self._note(Content.assemble(("type ", "$foreground-muted"), (kind, "bold")))

    def action_submit(self) -> None:
        """Check the name and value; close with them, or say what is wrong and stay."""
        name = self._defined(self.query_one("#attr-name", Input).value)
        if not name:
            self._note(Content("Type or choose an attribute name."), error=True)
            self.query_one("#attr-name", Input).focus()
            return
        if self.types and name not in self.types:
            # The remote refuses values of undefined attributes: better said now than at sync.
            self._note(
                Content(
                    f"{clean(name, single_line=True)[:60]} is not defined on this remote: "
                    "choose one of the defined attributes."
                ),
                error=True,
            )
            return
        try:
            value = parse_value(self.query_one("#attr-value", Input).value, self._type_of(name))
        except ValueError as error:
            self._note(Content(str(error)), error=True)
            self.query_one("#attr-value", Input).focus()
            return
        self.dismiss((name, value))

    def action_cancel(self) -> None:
        """Close without changing anything."""
        self.dismiss(None)
