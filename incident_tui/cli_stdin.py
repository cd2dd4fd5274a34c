"""Standard input as the commands ask about it: a program started with it closed (``<&-``,
a service manager) has none at all, which is no terminal either."""

from __future__ import annotations

import sys


def stdin_is_terminal() -> bool:
    """Whether standard input is a terminal someone can answer a question on."""
    return sys.stdin is not None and sys.stdin.isatty()
