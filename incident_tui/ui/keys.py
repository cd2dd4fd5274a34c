"""Textual bindings built from :mod:`incident_tui.keymap` (with ids, so the user's ``keys``
settings override them through ``App.set_keymap``), and the keys in force."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from textual.binding import Binding
from textual.screen import Screen

from incident_tui.keymap import BY_ID, HELP_TEXT, KEYS, Key

__all__ = ["BY_ID", "HELP_TEXT", "KEYS", "Key", "bindings", "effective_keys", "key_shown"]


def bindings(*ids: str) -> list[Binding]:
    """Textual bindings (with ids, so the user keymap applies) for the given commands."""
    return [
        Binding(BY_ID[i].key, BY_ID[i].action, BY_ID[i].description, show=BY_ID[i].show, id=i)
        for i in ids
    ]


def effective_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Binding id to the keys in force: the user's override, else the default."""
    return {key.id: keymap.get(key.id, key.key) for key in KEYS}


def key_shown(screen: Screen[Any], action: str) -> str:
    """The key that runs ``action`` on ``screen``, as the footer shows it (the user's own
    binding if they set one); the command's default key when the screen's bindings lack it
    (a dialog is on top); ``""`` when no command runs ``action``."""
    for active in screen.active_bindings.values():
        if active.binding.action == action:
            return screen.app.get_key_display(active.binding)
    for key in KEYS:
        if key.action == action:
            return screen.app.get_key_display(Binding(key.key.split(",")[0], action))
    return ""
