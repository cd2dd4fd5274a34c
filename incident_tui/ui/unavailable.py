"""Saying why a greyed-out key did nothing: the incident's remote kind lacks the action.

Textual drops a key whose binding is disabled without a word; a responder who presses ``c``
on a 4HSE incident deserves to learn that 4HSE has no comments rather than guess."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from textual import events
from textual.screen import Screen

from incident_tui.domain.capabilities import Capability, lacking
from incident_tui.keymap import KEYS


def capability_keys(
    keymap: Mapping[str, str], actions: Mapping[str, Capability | None]
) -> dict[str, Capability]:
    """The keys in force (the user's overrides, else the defaults) for the ``actions`` that
    need a capability, each to that capability."""
    by_key: dict[str, Capability] = {}
    for key in KEYS:
        capability = actions.get(key.action)
        if capability is None:
            continue
        for pressed in keymap.get(key.id, key.key).split(","):
            by_key[pressed.strip()] = capability
    return by_key


def explain_key(
    screen: Screen[Any],
    event: events.Key,
    kind: Callable[[], str | None],
    by_key: Mapping[str, Capability],
) -> bool:
    """On ``screen``, say why ``event``'s action is unavailable for incidents of the ``kind()``
    in view, if it is; whether a notice was shown. ``kind`` is only asked for keys in
    ``by_key``, so cursor keys cost a dictionary lookup."""
    for pressed in (event.key, *event.aliases):
        capability = by_key.get(pressed)
        if capability is not None:
            current = kind()
            reason = lacking(current, capability) if current else None
            if reason is None:
                return False
            screen.notify(reason, timeout=4, markup=False)
            return True
    return False
