"""The keys the list and the detail hold for something the key settings do not move:
Textual's own bindings (on the App and every screen) and those of the widget with the focus,
read from their bindings, for :func:`incident_tui.keymap.held_clashes`."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

from incident_tui.keymap import Held


def held_keys(app: App[Any]) -> dict[str, list[Held]]:
    """Screen name to the keys held there, in the order Textual asks for them.

    Textual's bindings are told from ours by their id: each of ours has one. The App's are
    read from the App itself, where Textual adds the command palette's key."""
    from incident_tui.ui.screens.detail import DetailScreen
    from incident_tui.ui.screens.list_screen import ListScreen
    from incident_tui.ui.widgets.incident_list import IncidentList

    app_keys = [_held(binding, "Textual's", "app") for _, binding in app._bindings
                if binding.id is None]
    screens: dict[str, tuple[type[Screen[Any]], type[Widget], str]] = {
        "list": (ListScreen, IncidentList, "the list's"),
        "detail": (DetailScreen, DetailScreen.BODY, "the detail's"),
    }
    return {
        name: [
            # Every binding of the focused widget: the keymap moves none of them.
            *(_held(binding, owner, "widget") for _, binding in widget._merge_bindings()
              if binding.action not in SIDEWAYS),
            *(_held(binding, "Textual's", "screen") for _, binding in screen._merge_bindings()
              if binding.id is None),
            *app_keys,
        ]
        for name, (screen, widget, owner) in screens.items()
    }


SIDEWAYS = frozenset({"scroll_left", "scroll_right", "page_left", "page_right"})
"""Textual's sideways scroll actions, which pass the key on to the next binding when the
widget cannot scroll sideways: the list and the detail never do (``overflow-x: hidden``), so
they hold nothing and a command put on their keys runs."""


ONLY_WHEN = {"copy text": "text is selected"}
"""Textual's held actions that act only in some case, by their words: with no text selected,
copy text skips and the key goes on to the next binding (a command moved onto ctrl+c)."""


def _held(binding: Binding, owner: str, node: str) -> Held:
    words = action_words(binding.action)
    return Held(binding.key, owner, words, node, binding.priority, ONLY_WHEN.get(words, ""))


def action_words(action: str) -> str:
    """A binding's action in words: ``app.focus_next`` is ``focus next``."""
    name = action.partition("(")[0].rpartition(".")[2]
    return name.replace("_", " ")
