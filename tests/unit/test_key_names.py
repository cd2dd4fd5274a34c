"""Key names for the ``[keys]`` settings: every name Textual's key parser produces from what
a terminal sends is taken, and names it never produces are refused with the right form when
one is near (``ctrl-h`` → ``ctrl+h``)."""

from __future__ import annotations

import itertools

import pytest
from textual import events
from textual._ansi_sequences import ANSI_SEQUENCES_KEYS
from textual._keyboard_protocol import FUNCTIONAL_KEYS, MODIFIER_FUNCTIONAL_KEYS
from textual._xterm_parser import XTermParser

from incident_tui.key_names import MODIFIERS, key_problem


def parsed(sequence: str) -> list[str]:
    """The key names Textual's parser makes of what a terminal sent."""
    return [m.key for m in XTermParser().feed(sequence) if isinstance(m, events.Key)]


@pytest.mark.parametrize(
    "name",
    [
        "a", "A", "?", "question_mark", "slash", "+", "ctrl+plus", "comma", "space", " ",
        "enter", "tab", "escape", "f1", "f24", "f35", "pageup", "ctrl+h", "ctrl+i",
        "ctrl+space", "shift+tab", "shift+space", "ctrl+shift+up", "alt+up", "alt+shift+a",
        "meta+x", "super+x", "hyper+x", "é", "ctrl+é", "ctrl+euro_sign", "media_play",
        "banana",  # typed with an emoji picker, 🍌 arrives as this key
    ],
)
def test_names_textual_uses_are_taken(name: str) -> None:
    assert key_problem(name) == ""


@pytest.mark.parametrize(
    ("name", "problem"),
    [
        ("ctrl-h", "'ctrl-h' is not a key name (did you mean 'ctrl+h'?)"),
        ("Ctrl+A", "'Ctrl+A' is not a key name (did you mean 'ctrl+shift+a'?)"),
        ("shift+ctrl+up", "'shift+ctrl+up' is not a key name (did you mean 'ctrl+shift+up'?)"),
        ("ctrl+?", "'ctrl+?' is not a key name (did you mean 'ctrl+question_mark'?)"),
        ("ctrl++", "'ctrl++' is not a key name (did you mean 'ctrl+plus'?)"),
        ("F5", "'F5' is not a key name (did you mean 'f5'?)"),
        ("shift+a", "'shift+a' is not a key name (did you mean 'A'?)"),
        ("question-mark", "'question-mark' is not a key name (did you mean 'question_mark'?)"),
        ("esc", "'esc' is how Textual shows escape (write 'escape')"),
        ("↑", "'↑' is how Textual shows up (write 'up')"),
        ("", "an empty key (two commas, or one at an end)"),
        ("shift+1", "'shift+1' is not a key name: shift and a character arrive as the "
                    "character shift types (write that: A, exclamation_mark)"),
    ],
)
def test_near_misses_name_the_right_form(name: str, problem: str) -> None:
    assert key_problem(name) == problem


@pytest.mark.parametrize(
    "name", ["ctrl+banana", "return", "ctrl+left_shift", "ctrl+", "10", "latin_small_letter_a"]
)
def test_names_textual_never_produces_are_refused(name: str) -> None:
    assert key_problem(name) == (
        f"{name!r} is not a key name (Textual's look like: a, A, ctrl+a, shift+tab, f5, "
        "pageup, question_mark)"
    )


def test_every_key_of_the_terminal_sequences_textual_reads_is_taken() -> None:
    names = {name for sequence in ANSI_SEQUENCES_KEYS for name in parsed(sequence)}
    # A few sequences of the table are read as the kitty protocol's and come out as control
    # characters ("ctrl+\x01"): no name a binding would be written with.
    names = {name for name in names if name.isprintable()}
    assert len(names) > 100
    assert {name for name in names if key_problem(name)} == set()


def test_every_modifier_on_every_kitty_key_is_taken() -> None:
    """The kitty keyboard protocol (xterm's modified arrows and function keys too) carries
    any modifiers on a key: ``CSI code ; 1 + modifier bits u``."""
    functional = [code for code, key in FUNCTIONAL_KEYS.items()
                  if key not in MODIFIER_FUNCTIONAL_KEYS and not key.isdigit()]
    # shift, alt, ctrl, super, hyper, meta: the bits of the protocol, in its order.
    bits = {1: "shift", 2: "alt", 4: "ctrl", 8: "super", 16: "hyper", 32: "meta"}
    seen: set[str] = set()
    for size in range(1, 4):
        for chosen in itertools.combinations(bits, size):
            mask = 1 + sum(chosen)
            for code in functional:
                number, end = code[:-1], code[-1]
                seen.update(parsed(f"\x1b[{number};{mask}{end}"))
            if bits[chosen[0]] != "shift" or size > 1:
                # Letters and punctuation with shift alone are sent as the character typed.
                for character in "a/?":
                    seen.update(parsed(f"\x1b[{ord(character)};{mask}u"))
    assert {"ctrl+up", "alt+f5", "ctrl+meta+shift+pageup", "ctrl+slash"} <= seen
    assert {name for name in seen if key_problem(name)} == set()
    assert set(bits.values()) == set(MODIFIERS)
