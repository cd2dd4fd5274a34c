"""Key names as Textual writes them, to check the ``[keys]`` settings against.

A binding on a name Textual never delivers (``ctrl-h``, ``ctrl+banana``) is taken without a
word, and the command is left with no working key. What Textual delivers comes from its own
tables: the terminal sequences it reads, the keys of the kitty keyboard protocol (which also
carries modified arrows and function keys: ``ctrl+up``, ``alt+f5``), its key aliases
(``ctrl+i`` for tab) and the names it gives printable characters (``question_mark``).

Textual is imported when a name is checked, not with this module: the command line reads
the settings for every command, and importing Textual costs it ~0.1 s that it otherwise
never pays.
"""

from __future__ import annotations

import unicodedata
from functools import cache

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""The modifiers Textual's key parser names, in the order it joins them (sorted). Textual
keeps this list inside its parser, where it cannot be imported."""

EXAMPLES = "a, A, ctrl+a, shift+tab, f5, pageup, question_mark"
"""Key names to show when a name is not one."""


def key_problem(name: str) -> str:
    """Why Textual never delivers the key ``name`` (one key of a binding, no commas), with
    the right form when there is one near it; ``""`` when it does."""
    if not name:
        return "an empty key (two commas, or one at an end)"
    # Before the check itself: the footer's arrows are characters Textual could deliver,
    # but copied from the footer they mean the arrow keys.
    shown_for = _display_names().get(name)
    if shown_for is not None:
        return f"{name!r} is how Textual shows {shown_for} (write {shown_for!r})"
    if _delivered(name):
        return ""
    for near in _near(name):
        if near != name and _delivered(near):
            return f"{name!r} is not a key name (did you mean {near!r}?)"
    *modifiers, base = name.split("+")
    if modifiers == ["shift"] and _is_character(base):
        return (
            f"{name!r} is not a key name: shift and a character arrive as the character "
            "shift types (write that: A, exclamation_mark)"
        )
    return f"{name!r} is not a key name (Textual's look like: {EXAMPLES})"


def _delivered(name: str) -> bool:
    """Whether Textual can deliver a key event that a binding on ``name`` catches."""
    from textual.keys import _character_to_key

    if len(name) == 1:
        # Textual turns a single character in a binding into the character's name.
        key = _character_to_key(name)
        return _delivered(key) if key != name else name.isprintable()
    if name in _full_names():
        return True
    *modifiers, base = name.split("+")
    if not base:
        return False  # ctrl+ with nothing after it
    if not modifiers:
        return _is_base(base)
    if list(modifiers) != sorted(set(modifiers)) or not set(modifiers) <= set(MODIFIERS):
        return False
    from textual._keyboard_protocol import MODIFIER_FUNCTIONAL_KEYS

    if base in MODIFIER_FUNCTIONAL_KEYS:
        return False  # Textual drops the modifiers of a modifier key
    if len(base) == 1:
        # A character under a modifier is named as Textual names it (ctrl+question_mark),
        # and in lower case: shifted, it is shift+ (ctrl+shift+a, never ctrl+A).
        if _character_to_key(base) != base or base != base.lower() or not base.isprintable():
            return False
    elif base not in _base_names() and not _on_a_key(base):
        return False
    # Shift alone changes the character typed, which arrives as itself: A, not shift+a.
    return not (modifiers == ["shift"] and _is_character(base) and base != "space")


def _is_base(base: str) -> bool:
    return base in _base_names() or _is_character(base)


def _is_character(name: str) -> bool:
    """Whether ``name`` is Textual's name of a printable character (``a``, ``slash``)."""
    from textual.keys import _character_to_key

    if len(name) == 1:
        return name.isprintable()
    character = _character(name)
    return bool(character) and character.isprintable() and _character_to_key(character) == name


def _on_a_key(name: str) -> bool:
    """Whether ``name`` names a character a keyboard key can type, to hold a modifier with:
    Textual names every character (🍌 is ``banana``), and one typed with an emoji picker
    arrives as that key, but a modifier goes with a key, and no keyboard has a key for a
    character beyond Unicode's basic plane (an emoji)."""
    return _is_character(name) and all(ord(c) <= 0xFFFF for c in _character(name))


def _character(name: str) -> str:
    """The character Textual names ``name`` (``""`` when it names none)."""
    from textual.keys import REPLACED_KEYS, _get_unicode_name_from_key

    if len(name) == 1:
        return name
    # The inverse of Textual's _character_to_key: its friendlier names back to Unicode's.
    unicode_name = _get_unicode_name_from_key(REPLACED_KEYS.get(name, name))
    try:
        return unicodedata.lookup(unicode_name.replace("_", " ").upper())
    except KeyError:
        return ""


@cache
def _full_names() -> frozenset[str]:
    """Whole key names Textual reads from terminal sequences, and its key aliases (a
    binding on ``ctrl+i`` catches tab)."""
    from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
    from textual.keys import KEY_ALIASES

    names = {
        key.value
        for keys in ANSI_SEQUENCES_KEYS.values()
        if isinstance(keys, tuple)
        for key in keys
    }
    names |= set(KEY_ALIASES)
    names |= {alias for aliases in KEY_ALIASES.values() for alias in aliases}
    # <scroll-up> and the like are Textual's own events, not keys.
    return frozenset(name for name in names if not name.startswith("<"))


@cache
def _base_names() -> frozenset[str]:
    """Names of keys that are not characters (``pageup``, ``f5``, ``media_play``), which
    take modifiers."""
    from textual._keyboard_protocol import FUNCTIONAL_KEYS

    names = {name.rpartition("+")[2] for name in _full_names()}
    names |= set(FUNCTIONAL_KEYS.values())
    return frozenset(name for name in names if len(name) > 1)


@cache
def _display_names() -> dict[str, str]:
    """How Textual shows keys in the footer (``esc``, ``↑``), to the key's name, for names
    that are no key themselves: copied from the footer, they would never fire."""
    from textual.keys import KEY_DISPLAY_ALIASES, _character_to_key

    return {
        shown: key
        for key, shown in KEY_DISPLAY_ALIASES.items()
        # "-" shows minus and is minus: a key of its own.
        if shown != key and (len(shown) > 1 or _character_to_key(shown) != key)
    }


def _near(name: str) -> list[str]:
    """The key names ``name`` most likely meant, written as Textual writes them: modifiers
    in lower case, joined by ``+`` and in Textual's order, a character under a modifier by
    its name, shift on a letter as the capital; or a character's name with ``-`` for ``_``
    (``question-mark``)."""
    from textual.keys import _character_to_key

    parts = [part.strip() for part in name.replace("-", "+").split("+")]
    if len(parts) > 2 and parts[-1] == parts[-2] == "":
        parts = [*parts[:-2], "+"]  # ctrl++ meant the plus key
    *modifiers, base = parts
    modifiers = sorted({modifier.lower() for modifier in modifiers})
    if len(base) == 1:
        if modifiers and base != base.lower():
            modifiers = sorted({*modifiers, "shift"})
            base = base.lower()
        base = _character_to_key(base)
    elif modifiers or base.lower() in _base_names():
        base = base.lower()
    if modifiers == ["shift"] and len(base) == 1 and base.isalpha():
        written = base.upper()
    else:
        written = "+".join([*modifiers, base])
    return [written, name.replace("-", "_").lower()]
