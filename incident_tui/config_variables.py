"""The ``INCIDENT_TUI_*`` variables that set nothing.

pydantic-settings reads only the variables named after a setting and passes over the rest, so
a misspelt one (``INCIDENT_TUI_POLL_SECOND``) left the default in force without a word, where
the same typo in the config file is an unknown key. :func:`stray_variables` names each such
variable, with the setting it was probably meant for.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Collection, Mapping
from typing import Any

ENV_PREFIX = "INCIDENT_TUI_"
NESTED = "__"
"""What separates a table-valued setting from one of its keys (``INCIDENT_TUI_KEYS__sync``)."""
SECRET_KEYS = ("token_env", "password_env", "client_secret_env")
"""A remote's keys that name a variable holding a secret: such a variable may carry our
prefix, and is no setting."""


def stray_variables(
    settings: Collection[str], tables: Collection[str], data: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """``(variable, problem)`` for each set variable with our prefix that is none of the
    ``settings`` (field names; ``tables`` also take ``__`` and a key) and that no remote in
    the file ``data`` or in ``INCIDENT_TUI_REMOTES`` names for its secret.

    An empty variable is no setting anywhere (``env_ignore_empty``), so it is no stray one
    either."""
    secrets = _secret_variables(data.get("remotes"))
    for name, value in os.environ.items():
        if name.upper() == ENV_PREFIX + "REMOTES":
            secrets |= _secret_variables(_json(value))
    strays = []
    # Matched without regard to case, as pydantic-settings matches them.
    for name, value in sorted(os.environ.items()):
        if not value or not name.upper().startswith(ENV_PREFIX) or name in secrets:
            continue
        written = name[len(ENV_PREFIX):]
        head, nested, rest = written.partition(NESTED)
        if written.lower() in settings or (nested and head.lower() in tables):
            continue
        strays.append((name, _unknown(head, nested + rest, settings)))
    return strays


def _unknown(head: str, rest: str, settings: Collection[str]) -> str:
    """That a variable names no setting, with the one it was likely meant to be."""
    close = difflib.get_close_matches(head.lower(), list(settings), n=1)
    if close:
        return f"unknown setting (did you mean {ENV_PREFIX}{close[0].upper()}{rest}?)"
    return f"unknown setting (want {ENV_PREFIX} followed by one of {', '.join(settings).upper()})"


def _secret_variables(remotes: object) -> set[str]:
    """The variables the ``remotes`` tables (as read, not yet checked) name for secrets."""
    if not isinstance(remotes, list):
        return set()
    return {
        remote[key]
        for remote in remotes
        if isinstance(remote, dict)
        for key in SECRET_KEYS
        if isinstance(remote.get(key), str)
    }


def _json(value: str) -> object:
    """``value`` decoded, or ``None`` when it is no JSON (validation then says so)."""
    try:
        return json.loads(value)
    except ValueError:
        return None
