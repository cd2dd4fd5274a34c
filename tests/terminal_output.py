"""Running the program on a pseudo-terminal (``pty.openpty``) and reading what it wrote."""

from __future__ import annotations

import os
import pty
import select
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence


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


def start_on_terminal(
    argv: Sequence[str], env: Mapping[str, str] | None = None,
    stdout: int = subprocess.DEVNULL,
) -> tuple[subprocess.Popen[bytes], int]:
    """``python -m incident_tui *argv`` with a pty for its keys and its screen (stderr, where
    Textual draws) and ``stdout`` (a file descriptor) for its standard output; returns the
    child and the pty's leader end, for the caller to close."""
    leader, follower = pty.openpty()
    child = subprocess.Popen(
        [sys.executable, "-m", "incident_tui", *argv],
        stdin=follower, stdout=stdout, stderr=follower, env=env,
    )  # fmt: skip
    os.close(follower)
    return child, leader


def read_until(leader: int, text: bytes, limit: float = 60.0) -> bytes:
    """What the child drew, read until ``text`` shows (or ``limit`` seconds pass)."""
    seen = b""
    deadline = time.monotonic() + limit
    while text not in seen and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.5)[0]:
            try:
                seen += os.read(leader, 65536)
            except OSError:
                break
    return seen


def exit_status(child: subprocess.Popen[bytes], leader: int, limit: float = 60.0) -> int:
    """The child's exit status, reading the pty meanwhile: a child whose output is not read
    blocks on writing it and never ends."""
    deadline = time.monotonic() + limit
    while child.poll() is None and time.monotonic() < deadline:
        if select.select([leader], [], [], 0.2)[0]:
            try:
                os.read(leader, 65536)
            except OSError:
                break
    return child.wait(timeout=30)


def stop(child: subprocess.Popen[bytes], leader: int) -> None:
    """Kill the child if it still runs, and close the pty."""
    if child.poll() is None:
        child.kill()
        child.wait()
    os.close(leader)
