"""The config error, in a module of its own so that the command line can catch it without
importing pydantic (which the TUI's quick start leaves until after the first frame)."""

from __future__ import annotations


class ConfigError(Exception):
    """A config problem, worded as the one line the user sees."""
