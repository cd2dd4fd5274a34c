"""How a command reaches the local cache: the reader, the actions and the sync store it opens,
and :class:`Failure`, the one-line error a command raises when the cache or a remote refuses it."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from incident_tui.config import Settings
    from incident_tui.store.actions import Actions
    from incident_tui.store.reader import Reader

P = ParamSpec("P")
T = TypeVar("T")


class Failure(Exception):
    """A failure the user can act on (the cache or a remote refused, a question was not
    answered): printed as one line, exit status 1."""


def cache_path(settings: Settings) -> Path:
    """The cache file a command that reads or queues opens.

    Raises :class:`Failure` when a cache given by name (``--db``, ``INCIDENT_TUI_DB`` or the
    config's ``db``) is in a folder that does not exist: opening it would create the folders
    and an empty cache, so a mistyped path would look like a cache with no incidents, and a
    change queued into it would never be sent. ``sync`` and the TUI still create a new cache
    and its folders, as does any command for the default cache."""
    from incident_tui.config_error import ConfigError
    from incident_tui.paths import default_db_path

    path = settings.db_path()
    try:
        named = settings.db is not None and path != default_db_path()
    except ConfigError:  # no home folder, so no default: this one was given by name
        named = True
    # A file in the folder's place is left to the opening, whose error names that file.
    in_the_way = any(folder.exists() and not folder.is_dir() for folder in path.parents)
    if named and not path.parent.is_dir() and not in_the_way:
        raise Failure(
            f"no cache at {path}: the folder {path.parent} does not exist (check --db, "
            f"INCIDENT_TUI_DB or db in the config; 'incident-tui sync' creates a new cache)"
        )
    return path


def open_reader(settings: Settings, *, new: bool = False) -> Reader:
    """The cache's reader, for commands that only look; ``new``: for ``sync``, which may
    start a new cache (and its folders)."""
    from incident_tui.store.reader import Reader

    return Reader.open(settings.db_path() if new else cache_path(settings))


def remote_spelling(settings: Settings, reader: Reader) -> Callable[[str], str]:
    """How a remote's name typed in any case is spelled: as the config spells it, else as the
    cache does (a remote taken out of the config leaves its incidents there, and its name
    still picks them out), else as typed."""
    configured = {remote.name.casefold(): remote.name for remote in settings.remotes}
    cached = {state.name.casefold(): state.name for state in reader.remotes()}

    def spelled(name: str) -> str:
        key = name.casefold()
        return configured.get(key) or cached.get(key) or name

    return spelled


def open_actions(settings: Settings) -> Actions:
    """The cache's actions, for commands that queue a change. Where the config names remotes,
    only to their incidents; with none (no config file: working from the cache alone) changes
    wait for a config naming theirs, as ``list`` shows every cached incident."""
    from incident_tui.store.actions import Actions

    remotes = [remote.name for remote in settings.remotes] if settings.remotes else None
    return Actions.open(cache_path(settings), remotes=remotes)


def open_sync_store(settings: Settings) -> Engine:
    """The cache's engine, for commands that answer the outbox."""
    from incident_tui.store.engine import make_engine

    return make_engine(cache_path(settings))


WAIT_NOTE_AFTER = 2.0
"""Seconds a change to the cache may take before the command says it is waiting: one takes a
few milliseconds, unless another incident-tui holds the cache's write lock, and then it
waits up to the busy timeout, which looked like a hang."""


@contextmanager
def waiting_note() -> Iterator[None]:
    """Say on stderr that the command waits for the cache when the block is still running
    after :data:`WAIT_NOTE_AFTER` (another incident-tui holding the write lock): every
    command that writes the cache runs its change in one, so none of them waits in
    silence."""
    from incident_tui.store.db import BUSY_TIMEOUT

    note = threading.Timer(
        WAIT_NOTE_AFTER,
        lambda: print(
            "incident-tui: waiting for the cache (another incident-tui may be writing to "
            f"it; up to {BUSY_TIMEOUT:g} s)…",
            file=sys.stderr,
            flush=True,
        ),
    )
    note.daemon = True
    note.start()
    try:
        yield
    finally:
        note.cancel()


def run_action(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call(*args, **kwargs)``, with an action the cache refuses turned into a
    :class:`Failure`; one still waiting after :data:`WAIT_NOTE_AFTER` says so on stderr
    (:func:`waiting_note`)."""
    from incident_tui.store.actions import ActionError

    try:
        with waiting_note():
            return call(*args, **kwargs)
    except ActionError as error:
        raise Failure(str(error)) from None


def say_if_disabled(settings: Settings, incident_ids: Iterable[str]) -> None:
    """Say on stderr, once per remote, that the changes just queued for incidents of a remote
    the config disables (``enabled = false``) wait until it is enabled: no sync sends them
    until then, and "queued" alone reads as if the next one would."""
    disabled = {remote.name for remote in settings.remotes if not remote.enabled}
    # Ids are "<remote>:<remote id>", and a remote's name has no colon.
    counts: dict[str, int] = {}
    for incident_id in incident_ids:
        remote = incident_id.partition(":")[0]
        if remote in disabled:
            counts[remote] = counts.get(remote, 0) + 1
    for remote, count in counts.items():
        change = "the change waits" if count == 1 else f"the {count} changes wait"
        print(
            f"incident-tui: remote {remote!r} is disabled in the config (enabled = false): "
            f"{change} until it is enabled, or until 'incident-tui sync --once --remote "
            f"{remote}' sends {'it' if count == 1 else 'them'}",
            file=sys.stderr,
        )
