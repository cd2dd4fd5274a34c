"""Saying why a key did nothing: its action does not apply to what is on screen.

Textual drops a key whose binding is disabled or hidden without a word; a responder who
presses ``c`` on a 4HSE incident deserves to learn that 4HSE has no comments, and one who
presses ``D`` on an incident without files that there is nothing to download, rather than
guess. Each screen says why for its own actions (:func:`explain_key`); what a kind lacks is
said as the command line says it (:func:`lacking_text`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.screen import Screen

from incident_tui.domain.capabilities import Capability, lacking
from incident_tui.keymap import KEYS
from incident_tui.ui.key_gate import KeyGate


def action_keys(keymap: Mapping[str, str], actions: Iterable[str]) -> dict[str, str]:
    """The keys in force (the user's overrides, else the defaults) for ``actions``, each to
    its action."""
    wanted = set(actions)
    by_key: dict[str, str] = {}
    for key in KEYS:
        if key.action not in wanted:
            continue
        for pressed in keymap.get(key.id, key.key).split(","):
            by_key[pressed.strip()] = key.action
    return by_key


def binding_keys(bindings: Iterable[object], actions: Iterable[str]) -> dict[str, str]:
    """The keys of a screen's own ``BINDINGS`` (those not in the user's keymap) for
    ``actions``, each to its action."""
    wanted = set(actions)
    by_key: dict[str, str] = {}
    for binding in bindings:
        if not isinstance(binding, Binding):
            continue
        # ``copy('markdown')``: the action's name is what check_action is asked about.
        name = binding.action.partition("(")[0]
        if name in wanted:
            for pressed in binding.key.split(","):
                by_key[pressed.strip()] = name
    return by_key


def lacking_text(kind: str | None, capability: Capability) -> str | None:
    """Why incidents of ``kind`` cannot do ``capability``; ``None`` when they can (or the
    kind is not known yet)."""
    if not kind:
        return None
    return lacking(kind, capability)


def _tell_unused(app: App[Any], key: str, dropped: int) -> None:
    if not app.is_running:  # the run ended after the user quit
        return
    plural = "s" if dropped != 1 else ""
    app.notify(f"The {dropped} key{plural} typed after {key} went unused.", timeout=4,
               markup=False)


def key_action(event: events.Key, by_key: Mapping[str, str]) -> str | None:
    """The action of ``by_key`` that ``event`` is the key of, if any."""
    for pressed in (event.key, *event.aliases, event.character or ""):
        action = by_key.get(pressed)
        if action is not None:
            return action
    return None


def explain_key(
    screen: Screen[Any],
    event: events.Key,
    by_key: Mapping[str, str],
    reason: Callable[[str], str | None],
) -> bool:
    """On ``screen``, if ``event`` is the key of an action in ``by_key`` that does not apply
    now (``screen.check_action`` is not true), say ``reason(action)``; whether a notice was
    shown. Other keys cost a dictionary lookup."""
    action = key_action(event, by_key)
    if action is None or screen.check_action(action, ()) is True:
        return False
    text = reason(action)
    if not text:
        return False
    screen.notify(text, timeout=4, markup=False)
    gate = getattr(screen.app, "key_gate", None)
    if isinstance(gate, KeyGate):
        key = event.character if event.is_printable and event.character else event.key
        gate.refuse(partial(_tell_unused, screen.app, key))
    return True
