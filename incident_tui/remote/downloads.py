"""Saving a downloaded file where the user asked, safely: under a cleaned, unused name, and
only once complete."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import BinaryIO

from incident_tui.files import claim_name, safe_filename, temp_in
from incident_tui.remote.errors import Refused

Progress = Callable[[int, int | None], None]
"""Told how a download goes, as its bytes come in: the bytes so far and the whole size
(``None`` when the remote did not say)."""


async def save_download(
    dest_dir: Path, name: str, fill: Callable[[BinaryIO], Awaitable[None]]
) -> Path:
    """Let ``fill`` write the file's bytes, then give it a safe, unused version of ``name``
    in ``dest_dir``; returns where it went.

    The bytes go to a temporary file in ``dest_dir`` that gets its name only when complete,
    so a failure leaves nothing behind and an existing file is never overwritten."""
    fd, tmp = await asyncio.to_thread(temp_in, dest_dir)
    try:
        with os.fdopen(fd, "wb") as handle:
            await fill(handle)
        try:
            return await asyncio.to_thread(claim_name, tmp, dest_dir, safe_filename(name))
        except FileExistsError as error:
            raise Refused(str(error)) from None
    finally:
        await asyncio.to_thread(tmp.unlink, missing_ok=True)
