"""Keys (and pastes) routed one at a time, each after the one before has taken effect.

Textual routes a key to the widget that has focus when the key is read, and moves focus only
when an earlier key has been handled. A slow SSH link hands over typed-ahead keys in one
burst, so ``c`` followed at once by text opened the comment dialog and dropped the text, and
``abc<Tab>def`` put all six letters into one field. The gate holds a key that arrives while
the previous one is still being handled and routes it once every message that key caused
has been processed: the same outcome as typing slowly. A paste is typed input too and waits
its turn the same way.

A key that opens a screen is done once that screen is ready (mounted, its focus set), however
long building it takes on a loaded machine: the keys behind it were typed for it.

A key that is refused (``c`` where there are no comments) opens nothing, and the text typed
behind it would be commands on the screen it left in place. The gate drops those keys: the
ones held behind it, and those that follow while the typing goes on without a pause.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

from textual import events
from textual.app import App, ScreenError
from textual.dom import NoScreen
from textual.message_pump import MessagePump

TYPED = (events.Key, events.Paste)
"""The input events the gate orders."""

HOLD_LIMIT = 0.5
"""Longest a key waits for the one before it to be handled (seconds): a handler that keeps
the app busy for longer delays later keys no further than Textual alone would."""
READY_LIMIT = 10.0
"""Longest a key waits for a screen the one before it opened to become ready (seconds). The
key goes on as soon as the screen is ready; this only keeps keys from waiting for ever
behind a screen that never gets there."""


TYPING_GAP = 1.0
"""Longest pause (seconds) between keys of one run of typing. Keys typed at once after a
refused key were meant for what it would have opened, at typing speed too, not only in a
burst: a responder who presses ``c`` and types "all clear" without looking up must not
acknowledge (``a``) the incident under the cursor. Someone who reads the notice first and
then presses their next key takes longer than this."""


@dataclass
class _Run:
    """The run of typing after a refused key, whose keys are dropped."""

    until: float
    """When the run ends unless another key comes (the event loop's clock)."""
    dropped: int
    tell: Callable[[int], None]
    """Called with how many keys were dropped, once the run ends, if any were."""


class KeyGate:
    """Admits one key or paste at a time into the app's routing; holds the rest, in order."""

    def __init__(
        self,
        app: App[Any],
        hold_limit: float = HOLD_LIMIT,
        ready_limit: float = READY_LIMIT,
        typing_gap: float = TYPING_GAP,
    ) -> None:
        self.app = app
        self.hold_limit = hold_limit
        self.ready_limit = ready_limit
        self.typing_gap = typing_gap
        self.held: deque[events.Event] = deque()
        self.busy = False
        """A key was routed and what it caused is not finished yet."""
        self._released: events.Event | None = None
        # A reference to the running wait: the event loop keeps only weak ones to tasks.
        self._waiter: asyncio.Task[None] | None = None
        self._run: _Run | None = None
        self._run_end: asyncio.TimerHandle | None = None
        self._holds = 0
        self._unheld = asyncio.Event()
        self._unheld.set()

    @contextmanager
    def holding(self) -> Iterator[None]:
        """While this lasts the keys behind the one being handled wait for it, past
        ``hold_limit`` (``ready_limit`` at most): its handler waits on purpose for what the
        key is meant for (a list row still being read). Released early, the keys typed
        after it would reach the screen it is on, and a refusal could no longer drop them."""
        self._holds += 1
        self._unheld.clear()
        try:
            yield
        finally:
            self._holds -= 1
            if not self._holds:
                self._unheld.set()

    @property
    def pending(self) -> int:
        """Keys not yet fully handled: the held ones, plus the one in progress."""
        return len(self.held) + int(self.busy)

    async def handle(
        self, event: events.Event, route: Callable[[events.Event], Awaitable[None]]
    ) -> None:
        """Give ``event`` to ``route`` (the app's own ``on_event``): typed keys and pastes
        one at a time, anything else at once."""
        if not isinstance(event, TYPED) or event.is_forwarded:
            await route(event)
        elif self._drops(event):
            return
        elif self.admit(event):
            try:
                await route(event)
            finally:
                self.routed()

    @property
    def dropping(self) -> bool:
        """Whether keys typed now are dropped: a key was refused and the typing has not
        paused since."""
        return self._run is not None

    def refuse(self, tell: Callable[[int], None]) -> None:
        """The key being handled was refused: drop the keys that arrived with it (held
        behind it) and those typed on without a pause of ``typing_gap``; once the typing
        stops, ``tell`` how many were dropped (not called if none were).

        They were typed for what it would have opened (the text of a comment, say); routed
        to the screen it left in place, they would be commands: ``r`` resolving the
        incident under the cursor, ``q`` quitting. A key pressed after a pause is the
        user's next command, and is routed as usual."""
        loop = asyncio.get_running_loop()
        dropped = len(self.held)
        self.held.clear()
        if self._run is not None:  # a key routed as the last run ended was refused too
            dropped += self._run.dropped
        self._run = _Run(loop.time() + self.typing_gap, dropped, tell)
        if self._run_end is None:
            self._run_end = loop.call_at(self._run.until, self._end_run)

    def _drops(self, event: events.Event) -> bool:
        """Whether ``event`` belongs to the run of typing after a refused key (and is
        dropped: counted, never routed)."""
        run = self._run
        if run is None or event is self._released:
            return False
        now = asyncio.get_running_loop().time()
        if now >= run.until:
            return False
        run.dropped += 1
        run.until = now + self.typing_gap
        return True

    def _end_run(self) -> None:
        """Timer: the run is over unless a key came since, which moved its end on."""
        run = self._run
        if run is None:
            return
        loop = asyncio.get_running_loop()
        if loop.time() < run.until:
            self._run_end = loop.call_at(run.until, self._end_run)
            return
        self._run = self._run_end = None
        if run.dropped:
            run.tell(run.dropped)

    def admit(self, event: events.Event) -> bool:
        """Whether the app routes ``event`` now. ``False``: the gate keeps it and posts it
        to the app again when its turn comes."""
        if event is self._released:
            self._released = None
            return True
        if self.busy:
            self.held.append(event)
            return False
        self.busy = True
        return True

    def routed(self) -> None:
        """The app has routed the admitted event: release the next once it took effect."""
        self._waiter = asyncio.create_task(self._release_when_quiet())

    async def _release_when_quiet(self) -> None:
        try:
            await quiet(self.app, self.hold_limit, self.ready_limit)
            if self._holds:
                with suppress(TimeoutError):
                    async with asyncio.timeout(self.ready_limit):
                        await self._unheld.wait()
                # What the handler did once its wait ended (a dialog opened) takes effect
                # before the next key, as for any other key.
                await quiet(self.app, self.hold_limit, self.ready_limit)
        except (ScreenError, NoScreen):
            # No screen any more (the app is closing): the next key goes on as it would
            # without the gate rather than being stuck.
            pass
        if self.held:
            self._released = self.held.popleft()
            self.app.post_message(self._released)
        else:
            self.busy = False


def _focus_chain(app: App[Any]) -> list[MessagePump]:
    """Where a key travels: the focused widget, its ancestors, the screen and the app."""
    screen = app.screen
    focused = screen.focused
    return list(focused.ancestors_with_self) if focused else [screen, app]


def _waiting(pumps: list[MessagePump]) -> bool:
    return any(pump.message_queue_size for pump in pumps)


async def _drain(pumps: list[MessagePump]) -> None:
    """Return once each pump has handled what it had queued, and what it was handling, when
    this was called: a callback queued behind them says so."""
    done = asyncio.Event()
    left = 0

    def one() -> None:
        nonlocal left
        left -= 1
        if not left:
            done.set()

    for pump in pumps:
        left += bool(pump.call_later(one))
    if left:
        await done.wait()


async def quiet(app: App[Any], limit: float, ready_limit: float = READY_LIMIT) -> None:
    """Wait until the key just routed, and what it set off, has been handled: ``limit``
    seconds at most, counted from when the screen on top is ready, and ``ready_limit`` in
    all.

    A key hops from the focused widget up to the app, a message per hop, and may push a
    screen or move focus, more messages. Rounds of draining the whole path go on until one
    ends with nothing waiting on the path and the same screen and focus it began with.
    Other widgets are not waited for: a spinner's timer would otherwise hold every key.

    A screen still being built (composed, mounted) handles nothing before it is done, the
    focus it sets included, so draining it is waiting for it to be ready. That can take
    longer than ``limit`` on a loaded machine and is not a handler holding the app up:
    while it lasts only ``ready_limit`` applies.
    """
    loop = asyncio.get_running_loop()
    cap = loop.time() + ready_limit
    building = False
    try:
        async with asyncio.timeout(limit) as timeout:
            while True:
                screen = app.screen
                if not screen.is_mounted:
                    building = True
                    timeout.reschedule(cap)
                elif building:
                    # Ready now: what its mounting set off (the focus) gets ``limit`` again.
                    building = False
                    timeout.reschedule(min(cap, loop.time() + limit))
                before = (screen, screen.focused)
                await _drain(_focus_chain(app))
                if (app.screen, app.screen.focused) == before and not _waiting(_focus_chain(app)):
                    return
    except TimeoutError:
        pass
