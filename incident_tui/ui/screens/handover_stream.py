"""Following a Kitehouse server's own handover e-mail as it streams (``k`` on the handover
screen): bounded reconnects with backoff when the stream drops, the server's reason said
plainly when it refuses, every chunk sanitised before display.

Plain asyncio, no widgets: :func:`follow_stream` reports each change to a callback, which
the screen turns into its side pane.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from incident_tui.domain.text import clean, shorten
from incident_tui.remote.errors import Held, RemoteError, Untrusted

StreamFactory = Callable[[float], AsyncIterator[str]]
"""A Kitehouse connector's ``handover_stream(hours)``: the e-mail's text, chunk by chunk."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Bounded reconnects with exponential backoff for the server's handover stream."""

    attempts: int = 5
    """Connections tried in all (the first one included)."""
    first_delay: float = 1.0
    factor: float = 2.0
    max_delay: float = 30.0

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait after failed attempt number ``attempt`` (1-based); a server's
        ``Retry-After`` wins when it asks for longer."""
        backoff = min(self.max_delay, self.first_delay * self.factor ** (attempt - 1))
        return max(backoff, retry_after or 0.0)


def event_text(chunk: str) -> str:
    """One event's text as the pane shows it: sanitised, its line breaks inside folded into
    spaces, those at either end kept.

    The server sends its e-mail a line per event (contracts/kitehouse.md), so a break
    inside an event is the remote's own text, a title typed with a line break in it: kept,
    it would split one incident's line in two. The ends are kept as sent: they are the
    e-mail's own line breaks and blank lines (and, were a server to stream words rather
    than lines, the spaces between them).
    """
    text = clean(chunk)
    start = len(text) - len(text.lstrip())
    end = len(text.rstrip())
    if start >= end:
        return text  # a blank line, or nothing at all
    return text[:start] + clean(text[start:end], single_line=True) + text[end:]


class StreamView:
    """What the server pane shows: a status line and the e-mail so far."""

    def __init__(self) -> None:
        self.status = ""
        self.text = ""
        self.done = False
        self.failed = False


def _final_status(
    error: RemoteError, reason: str, remote: str, attempt: int, attempts: int
) -> str | None:
    """What the pane says when ``error``, met on connection ``attempt`` of ``attempts``, ends
    the stream (``reason``: its short form); ``None`` when another attempt is worth making."""
    if isinstance(error, Held):
        # The remote asked for longer than is worth waiting with the screen open (over a
        # minute): reconnecting sooner would go against it. The reason says until when.
        return reason
    if isinstance(error, Untrusted):
        # Our refusal, not the server's, and another attempt would meet the same
        # certificate; the reason ends with how to trust it, so it is kept whole.
        return f"Not connected to {remote}: {clean(error, single_line=True)}"
    if not error.retryable:
        # The connectors' reasons mostly start with the status already.
        named = error.status and not reason.startswith(f"HTTP {error.status}")
        code = f" (HTTP {error.status})" if named else ""
        return f"{remote} refused the handover{code}: {reason}"
    if attempt == attempts:
        return f"Gave up after {attempt} attempts: {reason}"
    return None


async def follow_stream(
    factory: StreamFactory,
    hours: float,
    on_update: Callable[[StreamView], None],
    *,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    remote: str = "server",
) -> StreamView:
    """Stream the server's handover into a :class:`StreamView`, calling ``on_update`` on every
    change, and return it when the e-mail is complete or given up.

    Each connection streams the whole e-mail anew, so after a drop the partial text stays on
    screen until the new attempt's first chunk replaces it. A refusal (authentication,
    unknown site, any non-retryable error) ends at once with the server's reason, and so
    do a certificate we refuse, with ours, and a pause of over a minute the server asks
    for (``Retry-After``), saying until when; passing failures (dropped or timed-out stream,
    5xx, 429, garbled events) are retried with backoff up to ``policy.attempts``
    connections. Chunks are sanitised before display, and an incident's line stays one line
    (:func:`event_text`).
    """
    policy = policy or RetryPolicy()
    view = StreamView()
    for attempt in range(1, policy.attempts + 1):
        view.status = (
            f"Connecting to {remote}…"
            if attempt == 1
            else (f"Reconnecting to {remote} (attempt {attempt} of {policy.attempts})…")
        )
        on_update(view)
        chunks: list[str] = []
        try:
            async for chunk in factory(hours):
                chunks.append(event_text(chunk))
                view.text = "".join(chunks)
                view.status = f"Receiving the handover from {remote}…"
                on_update(view)
        except RemoteError as error:
            reason = shorten(clean(error, single_line=True), 200)
            final = _final_status(error, reason, remote, attempt, policy.attempts)
            if final is not None:
                view.status = final
                view.failed = True
                on_update(view)
                return view
            # RateLimited and Unavailable carry the server's Retry-After, if it sent one.
            wait = policy.delay(attempt, getattr(error, "retry_after", None))
            # The reason says what happened (no connection, a drop, a 5xx) in the words the
            # rest of the app uses for that remote.
            view.status = (
                f"Attempt {attempt} of {policy.attempts} failed: {reason}; retrying in {wait:g} s"
            )
            on_update(view)
            await sleep(wait)
            continue
        view.done = True
        view.status = (
            f"Handover from {remote} complete." if chunks else (f"{remote} sent an empty handover.")
        )
        on_update(view)
        return view
    return view  # not reached: the loop returns on its last attempt
