"""Standard input as the commands ask about it: a program started with it closed (``<&-``,
a service manager) has none at all, which is no terminal either."""

from __future__ import annotations

import sys


def stdin_is_terminal() -> bool:
    """Whether standard input is a terminal someone can answer a question on."""
    return sys.stdin is not None and sys.stdin.isatty()


def confirmed(question: str) -> bool:
    """Ask ``question`` on the terminal and whether the answer is yes (``y`` or ``yes``).

    Ending the input instead (Ctrl-D), or a terminal gone meanwhile, is a no: the person
    declined to answer, and nothing may be changed for it."""
    try:
        answer = input(f"{question} [y/N] ")
    except (EOFError, OSError):
        # Ctrl-D leaves the cursor after the question: what follows starts a line of its own.
        print()
        return False
    return answer.strip().lower() in ("y", "yes")
