"""Transfers to and from Kitehouse's attachment storage (contracts/kitehouse.md, attachments).

Attachments live behind presigned storage URLs that carry their own signature, so these
transfers go through a separate HTTP client that never sends our API token. A file is
streamed up in chunks; a download is streamed into an open file and checked for length.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import BinaryIO

import httpx

from incident_tui.domain.sizes import size_text
from incident_tui.domain.text import clean
from incident_tui.remote.answer_limits import (
    MOST_HELD,
    SPEED_FLOOR,
    SPEED_WINDOW,
    limit,
    read_whole,
)
from incident_tui.remote.downloads import Progress, write_body
from incident_tui.remote.errors import AuthFailed, Refused, RemoteError, Unavailable
from incident_tui.remote.http import classify_status, connect_error, error_text, unsendable

CHUNK = 256 * 1024
"""Bytes read from a file per uploaded chunk."""


def _storage_error(response: httpx.Response, where: str) -> RemoteError:
    """The storage's unsuccessful answer as the error family has it, its text naming
    ``where`` (the storage, often another server than the API, may be down alone)."""
    error = classify_status(response, error_text(response))
    if isinstance(error, AuthFailed):  # an expired link is not a bad API token
        error = Refused(f"{where} refused the request ({error.message})", status=error.status)
    else:
        error.message = f"{where} answered {error.message}"
        error.args = (error.message,)
    # A pause it asks for is the storage's own: the remote's API may go on answering.
    error.storage = True
    return error


async def put_file(storage: httpx.AsyncClient, url: httpx.URL, path: Path, content_type: str,
                   size: int, *, most: int = MOST_HELD, floor: float = SPEED_FLOOR,
                   window: float = SPEED_WINDOW) -> None:
    """PUT the bytes of ``path`` (``size`` long) to the presigned ``url``, streamed. The
    storage's answer, read whole, must keep coming at ``floor`` bytes a second over each
    ``window`` of seconds and stay under ``most`` bytes
    (:mod:`~incident_tui.remote.answer_limits`)."""

    async def chunks() -> AsyncIterator[bytes]:
        handle = await asyncio.to_thread(path.open, "rb")
        try:
            while chunk := await asyncio.to_thread(handle.read, CHUNK):
                yield chunk
        finally:
            handle.close()

    where = storage_at(str(url))
    headers = {"Content-Type": content_type, "Content-Length": str(size)}
    try:
        async with storage.stream("PUT", url, content=chunks(), headers=headers) as response:
            limit(response, where=where, most=most, floor=floor, window=window)
            await read_whole(response, where=where, most=most)
    except httpx.TimeoutException:
        raise Unavailable(f"{where} did not answer in time") from None
    except httpx.LocalProtocolError as exc:
        raise unsendable(exc, where) from None
    except httpx.HTTPError as exc:
        raise Unavailable(f"{where} failed: {type(exc).__name__}") from None
    if not response.is_success:
        raise _storage_error(response, where)


async def fetch_bytes(storage: httpx.AsyncClient, url: str, dest: BinaryIO,
                      progress: Progress | None = None, *, most: int = MOST_HELD,
                      floor: float = SPEED_FLOOR, window: float = SPEED_WINDOW) -> int:
    """Stream ``url`` into ``dest``, telling ``progress`` as the bytes come; the number of
    bytes written. A failure says how much had come, and where from: the storage's address,
    never the link itself, which carries its signature. The bytes must keep coming at
    ``floor`` a second over each ``window`` of seconds, and an error's text stay under
    ``most`` bytes (:mod:`~incident_tui.remote.answer_limits`)."""
    total = 0
    size: int | None = None
    origin = _origin(url)
    try:
        async with storage.stream("GET", url) as response:
            # An error's text is read whole, so it has the size limit too; a file has none.
            where = f"attachment storage at {origin}"
            limit(response, where=where, most=None if response.is_success else most,
                  floor=floor, window=window)
            if not response.is_success:
                await read_whole(response, where=where, most=most)
                raise _storage_error(response, where)

            def told(done: int, whole: int | None) -> None:
                # Kept here too: a failure says how much had come.
                nonlocal total, size
                total, size = done, whole
                if progress is not None:
                    progress(done, whole)

            await write_body(response, dest, told)
            if size is not None and size != total:
                raise Unavailable(f"attachment download was cut short{_so_far(total, size)}")
    except httpx.ConnectError as exc:
        raise connect_error(exc, origin) from None
    except httpx.LocalProtocolError as exc:
        raise unsendable(exc, f"attachment storage at {origin}") from None
    except httpx.TimeoutException:
        raise Unavailable(
            f"attachment storage at {origin} did not answer in time{_so_far(total, size)}"
        ) from None
    except httpx.HTTPError as exc:
        raise Unavailable(
            f"attachment download from {origin} was cut short{_so_far(total, size)}: "
            f"{clean(str(exc), single_line=True) or type(exc).__name__}"
        ) from None
    return total


def storage_at(url: str) -> str:
    """``attachment storage at https://host:port``: the storage a presigned ``url`` goes to,
    as errors name it (never the link itself, which carries its signature)."""
    return f"attachment storage at {_origin(url)}"


def _origin(url: str) -> str:
    """Scheme, host and port of ``url``."""
    parts = httpx.URL(url)
    port = f":{parts.port}" if parts.port else ""
    # An IPv6 address in brackets, as in the link: bare, its colons read as the port's.
    host = f"[{parts.host}]" if ":" in parts.host else parts.host
    return f"{parts.scheme}://{host}{port}"


def _so_far(done: int, size: int | None) -> str:
    """`` after 1.4 MB of 2.9 MB`` (or ``of ?``), nothing before the first byte."""
    if not done:
        return ""
    return f" after {size_text(done)} of {size_text(size)}"
