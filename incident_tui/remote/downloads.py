"""Saving a downloaded file where the user asked, safely: under a cleaned, unused name, and
only once complete; its body written as it streams in, with progress."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO

import httpx

from incident_tui.files import claim_name, safe_filename, temp_in, writing_into
from incident_tui.remote.errors import BadResponse, Refused
from incident_tui.remote.http import Sink

Progress = Callable[[int, int | None], None]
"""Told how a download goes, as its bytes come in: the bytes so far and the whole size
(``None`` when the remote did not say)."""


async def save_download(
    dest_dir: Path, name: str, fill: Callable[[BinaryIO], Awaitable[None]]
) -> Path:
    """Let ``fill`` write the file's bytes, then give it a safe, unused version of ``name``
    in ``dest_dir``; returns where it went.

    The bytes go to a temporary file in ``dest_dir`` that gets its name only when complete,
    so a failure leaves nothing behind and an existing file is never overwritten. A disk
    with no room for them raises ``OSError`` naming the folder (:func:`writing_into`)."""
    fd, tmp = await asyncio.to_thread(temp_in, dest_dir)
    try:
        with writing_into(dest_dir):
            with os.fdopen(fd, "wb") as handle:
                await fill(handle)
            try:
                return await asyncio.to_thread(claim_name, tmp, dest_dir, safe_filename(name))
            except FileExistsError as error:
                raise Refused(str(error)) from None
    finally:
        await asyncio.to_thread(tmp.unlink, missing_ok=True)


async def write_body(
    response: httpx.Response,
    dest: BinaryIO,
    progress: Progress | None = None,
    *,
    starts_with: bytes = b"",
    what: str = "the file",
) -> tuple[int, int | None]:
    """Write ``response``'s body to ``dest`` as it streams in, telling ``progress``; the
    bytes written and the size the remote announced (``None`` when it did not say).

    ``starts_with``: the bytes a body of the right kind begins with (``%PDF-``); anything
    else (an HTML error page behind a 200, say) raises :class:`BadResponse` naming ``what``
    before more of it is written."""
    length = response.headers.get("Content-Length", "")
    # A compressed answer's length is not the file's.
    size = int(length) if length.isdigit() and "Content-Encoding" not in response.headers else None
    if progress is not None:
        progress(0, size)
    done = 0
    head = b""
    async for chunk in response.aiter_bytes():
        if len(head) < len(starts_with):
            head = (head + chunk)[: len(starts_with)]
            if len(head) == len(starts_with) and head != starts_with:
                raise BadResponse(f"the answer is not {what}")
        await asyncio.to_thread(dest.write, chunk)
        done += len(chunk)
        if progress is not None:
            progress(done, size)
    if head != starts_with:  # ended before its first bytes were all in
        raise BadResponse(f"the answer is not {what}")
    return done, size


def into_file(
    dest: BinaryIO,
    progress: Progress | None = None,
    *,
    starts_with: bytes = b"",
    what: str = "the file",
) -> Sink:
    """A :data:`~incident_tui.remote.http.Sink` writing the body to ``dest`` (see
    :func:`write_body`), from its start on each attempt: a retry after a cut-off answer
    leaves no half of the first one in the file."""

    async def sink(response: httpx.Response) -> None:
        await asyncio.to_thread(rewind, dest)
        await write_body(response, dest, progress, starts_with=starts_with, what=what)

    return sink


def rewind(dest: BinaryIO) -> None:
    """Empty ``dest`` for a body sent again from its start."""
    dest.seek(0)
    dest.truncate()
