"""Thread workers run in a copy of the context they were started from.

Textual runs a thread worker through the event loop's default executor and sets its
``active_worker`` variable in the pool thread's own context, where it stays once the work is
done: each idle pool thread kept the last worker it ran, and with it that worker's screen (a
closed detail or remotes screen, its tables and text), until the thread ran another one.
Run in a copy, as ``asyncio.to_thread`` runs its work, that reference goes with the copy.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any


class CopiedContextExecutor(ThreadPoolExecutor):
    """A thread pool that runs each call in a copy of the caller's context."""

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        """Run ``fn`` in a copy of the current context (see the module docstring)."""
        return super().submit(contextvars.copy_context().run, fn, *args, **kwargs)


def use_copied_contexts(loop: asyncio.AbstractEventLoop) -> None:
    """Make the default executor of ``loop`` a :class:`CopiedContextExecutor`."""
    loop.set_default_executor(CopiedContextExecutor(thread_name_prefix="incident-tui"))
