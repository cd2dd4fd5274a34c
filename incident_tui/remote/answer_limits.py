"""Limits on an answer's body as it arrives.

httpx's read timeout only bounds the wait for each piece of a body. A remote that trickles its
answer (a few bytes now and then, each in time) or sends one without end (a base URL that
points at a stream, a broken proxy) would hold its sync pass for ever, and one read into
memory would fill it. A body read here must keep an average pace over every
:data:`SPEED_WINDOW` and, when it is kept in memory, stay under :data:`MOST_HELD` bytes, both
as it comes and once decoded (a compressed answer may expand a thousandfold).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable

import httpx

from incident_tui.domain.sizes import size_text
from incident_tui.remote.errors import TooLarge, Unavailable

SPEED_WINDOW = 30.0
"""Seconds over which an answer's pace is averaged (curl's ``--speed-time``)."""
SPEED_FLOOR = 1024
"""Bytes per second an answer must average over each window (curl's ``--speed-limit``): far
below any working link, even a congested one, far above a trickle."""
MOST_HELD = 512 * 1024 * 1024
"""Most bytes of one answer read into memory: 50,000 incidents in one listing take about
30 MB, so this leaves room for sixteen times as many."""


class LimitedBody(httpx.AsyncByteStream):
    """An answer's body (``inner``) that raises :class:`Unavailable` once it arrives slower
    than ``floor`` bytes a second over a ``window`` of seconds, and :class:`TooLarge` once it
    passes ``most`` bytes (``None``: any size, for a file streamed to disk)."""

    def __init__(
        self,
        inner: httpx.AsyncByteStream,
        *,
        where: str,
        status: int,
        most: int | None,
        floor: float = SPEED_FLOOR,
        window: float = SPEED_WINDOW,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._inner = inner
        self._where = where
        self._status = status
        self._most = most
        self._floor = floor
        self._window = window
        self._clock = clock

    async def __aiter__(self) -> AsyncIterator[bytes]:
        """The body's pieces as they come, checked against the limits after each one."""
        total = 0
        since = self._clock()
        got = 0
        async for chunk in self._inner:
            total += len(chunk)
            if self._most is not None and total > self._most:
                raise too_large(self._where, self._most, self._status)
            got += len(chunk)
            elapsed = self._clock() - since
            if elapsed >= self._window:
                if got < self._floor * elapsed:
                    # A status: the remote is there and answers, it is no network outage.
                    raise Unavailable(
                        f"{self._where} sent its answer too slowly ({size_text(got)} in "
                        f"{elapsed:.0f} s, under {size_text(int(self._floor))} a second): "
                        "given up",
                        status=self._status,
                    )
                since, got = self._clock(), 0
            yield chunk

    async def aclose(self) -> None:
        """Close the body underneath (its connection goes back to the pool or is closed)."""
        await self._inner.aclose()


def too_large(where: str, most: int, status: int) -> TooLarge:
    """The error of an answer from ``where`` that passed ``most`` bytes."""
    return TooLarge(
        f"{where} sent an answer of more than {size_text(most)}, more than its API sends: "
        "given up (is base_url the API's address?)",
        status=status,
    )


def limit(
    response: httpx.Response,
    *,
    where: str,
    most: int | None,
    floor: float = SPEED_FLOOR,
    window: float = SPEED_WINDOW,
) -> None:
    """Have ``response``'s body (not read yet) read as a :class:`LimitedBody`; ``where``
    names the remote in the errors."""
    # Always so for an AsyncClient's answers; the check is for the type checker.
    assert isinstance(response.stream, httpx.AsyncByteStream)
    response.stream = LimitedBody(
        response.stream, where=where, status=response.status_code, most=most, floor=floor,
        window=window,
    )


async def read_whole(response: httpx.Response, *, where: str, most: int) -> bytes:
    """Read ``response``'s body into memory as ``response.aread()`` does, but give up with
    :class:`TooLarge` once it passes ``most`` bytes decoded.

    :class:`LimitedBody` counts the bytes as they come over the wire, and httpx decodes
    them after it: a gzip or deflate answer can expand about a thousand times, so half a
    megabyte that passes the size limit could still fill the memory (a "zip bomb")."""
    parts: list[bytes] = []
    held = 0
    async for part in response.aiter_bytes():
        held += len(part)
        if held > most:
            raise too_large(where, most, response.status_code)
        parts.append(part)
    # Where aread() keeps what it read: .content, .text and .json() read it from there.
    response._content = b"".join(parts)
    return response._content


def detach_stream(response: httpx.Response) -> None:
    """Drop the link from ``response``, read whole and closed, to its body stream.

    httpx's stream points back at its response: the two form a reference cycle, which only
    Python's cycle collector frees. At a big sync's pace it lets hundreds of pages (some
    40 MB at 50,000 incidents) pile up between its full collections. Without the link the
    answer goes, body and all, once its caller drops it; ``.content`` and ``.json()`` read
    what was read as before."""
    response.stream = httpx.ByteStream(b"")
