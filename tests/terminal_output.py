"""Reading what a child process wrote to a pseudo-terminal (``pty.openpty``)."""

from __future__ import annotations

import os


def read_all(leader: int) -> bytes:
    """Everything written to the terminal whose other end (the child's) is closed."""
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal closes once everything written is read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)
