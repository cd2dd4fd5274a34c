"""A client hanging up on an emulator is no error of the emulator's: quitting the demo while
it synced reset its kept-alive connections, and the standard library printed a traceback
for each onto the terminal the TUI had just left."""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable

import pytest

from incident_tui.emulators import EmulatorServer

Serve = Callable[..., EmulatorServer]


def _hang_up_after_one_answer(server: EmulatorServer) -> None:
    """Ask once on a kept-alive connection, read the answer whole, then close with a reset
    (as a process that quits does with a connection still in its pool)."""
    with socket.create_connection((server.host, server.port)) as conn:
        conn.sendall(b"GET /incidents HTTP/1.1\r\nHost: emulator\r\n\r\n")
        answer = b""
        while b"\r\n\r\n" not in answer:
            answer += conn.recv(65536)
        head, _, body = answer.partition(b"\r\n\r\n")
        length = next(
            int(line.split(b":", 1)[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length:")
        )
        while len(body) < length:
            body += conn.recv(65536)
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))


def _handlers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if "process_request_thread" in t.name]


def test_a_reset_connection_prints_nothing(
    serve: Serve, capfd: pytest.CaptureFixture[str]
) -> None:
    server = serve("revily", sample=1)
    # Only this connection's handler: another test's kept-alive connection may still be open.
    before = set(_handlers())
    _hang_up_after_one_answer(server)
    # The handler waits for the next request on the connection until the reset reaches it.
    ours = set(_handlers()) - before
    for handler in ours:
        handler.join(timeout=10)
    assert not any(handler.is_alive() for handler in ours)
    assert capfd.readouterr().err == ""
