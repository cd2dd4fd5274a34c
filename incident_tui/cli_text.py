"""Checking the text given on the command line: anything that is not valid UTF-8 (bytes
from a Latin-1 terminal, say) reaches Python as lone surrogates, which SQLite and every
remote refuse with a traceback, so it is named and refused before any command runs."""

from __future__ import annotations

import argparse


def not_utf8(parser: argparse.ArgumentParser, args: argparse.Namespace) -> str | None:
    """The first argument (as the user wrote it: ``--title``, ``ID``) holding text that is not
    valid UTF-8, or ``None``. Paths are left alone: a file name need not be UTF-8."""
    parsers = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction) and args.command in action.choices:
            parsers.append(action.choices[args.command])
    for each in parsers:
        for action in each._actions:
            value = getattr(args, action.dest, None)
            values = value if isinstance(value, list) else [value]
            if any(isinstance(v, str) and not is_utf8(v) for v in values):
                if action.option_strings:
                    return action.option_strings[0]
                return str(action.metavar or action.dest.upper())
    return None


def is_utf8(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8 (arguments decoded from other bytes cannot)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
