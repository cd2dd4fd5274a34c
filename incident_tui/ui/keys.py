"""Textual bindings built from :mod:`incident_tui.keymap` (with ids, so the user's ``keys``
settings override them through ``App.set_keymap``), and the keys in force."""

from __future__ import annotations

from collections.abc import Mapping

from textual.binding import Binding

from incident_tui.keymap import BY_ID, HELP_TEXT, KEYS, Key

__all__ = ["BY_ID", "HELP_TEXT", "KEYS", "Key", "bindings", "effective_keys"]


def bindings(*ids: str) -> list[Binding]:
    """Textual bindings (with ids, so the user keymap applies) for the given commands."""
    return [
        Binding(BY_ID[i].key, BY_ID[i].action, BY_ID[i].description, show=BY_ID[i].show, id=i)
        for i in ids
    ]


def effective_keys(keymap: Mapping[str, str]) -> dict[str, str]:
    """Binding id to the keys in force: the user's override, else the default."""
    return {key.id: keymap.get(key.id, key.key) for key in KEYS}
