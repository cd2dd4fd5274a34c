"""How a command reaches the local cache: the reader, the actions and the sync store it opens,
and :class:`Failure`, the one-line error a command raises when the cache or a remote refuses it."""

from __future__ import annotations

from collections.abc import Callable
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


def open_reader(settings: Settings) -> Reader:
    """The cache's reader, for commands that only look."""
    from incident_tui.store.reader import Reader

    return Reader.open(settings.db_path())


def open_actions(settings: Settings) -> Actions:
    """The cache's actions, for commands that queue a change. Where the config names remotes,
    only to their incidents; with none (no config file: working from the cache alone) changes
    wait for a config naming theirs, as ``list`` shows every cached incident."""
    from incident_tui.store.actions import Actions

    remotes = [remote.name for remote in settings.remotes] if settings.remotes else None
    return Actions.open(settings.db_path(), remotes=remotes)


def open_sync_store(settings: Settings) -> Engine:
    """The cache's engine, for commands that answer the outbox."""
    from incident_tui.store.engine import make_engine

    return make_engine(settings.db_path())


def run_action(call: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """``call(*args, **kwargs)``, with an action the cache refuses turned into a
    :class:`Failure`."""
    from incident_tui.store.actions import ActionError

    try:
        return call(*args, **kwargs)
    except ActionError as error:
        raise Failure(str(error)) from None
