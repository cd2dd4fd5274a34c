"""Kitehouse's handover e-mail (contracts/kitehouse.md, ``/handover``) read as it streams.

The server sends the e-mail as server-sent events: each ``data`` holds a ``{"text"}`` chunk
(or the bare text), and an ``end`` event closes the stream. Transport and stream failures
become the connector's :mod:`incident_tui.remote.errors`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
from httpx_sse import SSEError, aconnect_sse

from incident_tui.domain import jsontext
from incident_tui.domain.text import clean
from incident_tui.remote.answer_limits import MOST_HELD, limit, read_whole
from incident_tui.remote.errors import BadResponse, RemoteError, Unavailable
from incident_tui.remote.http import classify_status, connect_error, error_text, unsendable


async def handover_text(client: httpx.AsyncClient, path: str, hours: float, *,
                        most: int = MOST_HELD) -> AsyncIterator[str]:
    """The e-mail's text chunk by chunk from ``GET path?hours=``, until ``end``; a stream
    of more than ``most`` bytes is given up (:class:`~incident_tui.remote.errors.TooLarge`):
    the screen keeps all of its text, and a stream that never ends would fill the memory."""
    where = str(client.base_url).rstrip("/")
    try:
        async with aconnect_sse(client, "GET", path, params={"hours": f"{hours:g}"}) as source:
            response = source.response
            # No pace: the e-mail is written as it streams, and may come slower than any
            # answer from a store.
            limit(response, where=where, most=most, floor=0)
            if not response.is_success:
                await read_whole(response, where=where, most=most)
                raise classify_status(response, error_text(response))
            async for event in source.aiter_sse():
                if event.event == "end":
                    return
                try:
                    # As every other answer: a lone surrogate in the text becomes U+FFFD
                    # (kept, it would fail saving the e-mail to a file).
                    payload = jsontext.loads(event.data)
                except ValueError:
                    payload = event.data
                text = payload.get("text") if isinstance(payload, dict) else payload
                if isinstance(text, str) and text:
                    yield text
    except SSEError as exc:
        raise BadResponse(f"handover is not an event stream: {exc}") from None
    except httpx.HTTPError as exc:
        raise stream_error(exc, where) from None


def stream_error(exc: httpx.HTTPError, base_url: str) -> RemoteError:
    """A transport failure of the stream, worded as :class:`~incident_tui.remote.http.Http`
    words the same failure of any other request to the remote (``cannot connect to …``)."""
    reason = clean(str(exc), single_line=True) or type(exc).__name__
    if isinstance(exc, httpx.ConnectError):
        return connect_error(exc, base_url)
    if isinstance(exc, httpx.LocalProtocolError):
        return unsendable(exc, base_url)
    if isinstance(exc, httpx.TimeoutException):
        return Unavailable(f"{base_url} did not answer in time")
    if isinstance(exc, (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)):
        return Unavailable(f"connection to {base_url} dropped: {reason}")
    return Unavailable(f"request to {base_url} failed: {reason}")
