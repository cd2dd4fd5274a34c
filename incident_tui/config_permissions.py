"""Whether the config file lets other users read a secret written in it.

Written by hand or by ``incident-tui emulate`` output pasted into an editor, a new file gets
the umask's mode (``0o644`` as a rule): every user of the machine can read a ``token``,
``password`` or ``client_secret`` in it. The commands and the TUI say so, as a warning,
rather than refusing the file as ssh refuses such a key: an on-call tool that stopped
working at an upgrade, in the middle of an incident, would do more harm.
"""

from __future__ import annotations

import logging
import stat
import sys
import tomllib
from pathlib import Path

log = logging.getLogger(__name__)

SECRET_KEYS = ("token", "password", "client_secret")
"""A remote's keys that hold a secret as it is (each has a ``*_env`` twin naming a variable
that holds it instead)."""


def exposed_secret(path: Path | None) -> str | None:
    """The warning for a config file at ``path`` that holds a secret others may read (its
    group or any user), naming the first such secret's remote and key and what to do;
    ``None`` when there is none, or no file."""
    if path is None or sys.platform == "win32":  # Windows has no such mode bits
        return None
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except OSError:
        return None
    if not mode & (stat.S_IRGRP | stat.S_IROTH):
        return None
    try:
        data = tomllib.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, ValueError):  # unreadable or not TOML now: the config said so itself
        return None
    found = _first_secret(data.get("remotes"))
    if found is None:
        return None
    name, key = found
    who = "other users" if mode & stat.S_IROTH else "the users of its group"
    return (
        f"{path} holds the {key} of remote {name!r} and {who} can read it (mode {mode:04o}): "
        f"make the file yours alone (chmod 600 {path}), or give the secret by {key}_env"
    )


def warn_exposed_secret(path: Path | None) -> None:
    """Log :func:`exposed_secret`'s warning, if there is one (the command line prints it,
    the TUI shows it as a notice)."""
    warning = exposed_secret(path)
    if warning is not None:
        log.warning("%s", warning)


def _first_secret(remotes: object) -> tuple[str, str] | None:
    """(remote name, key) of the first secret written in the ``remotes`` tables as read."""
    if not isinstance(remotes, list):
        return None
    for index, remote in enumerate(remotes):
        if not isinstance(remote, dict):
            continue
        for key in SECRET_KEYS:
            if isinstance(remote.get(key), str) and remote[key].strip():
                name = remote.get("name")
                return (name if isinstance(name, str) else f"remotes[{index}]"), key
    return None
