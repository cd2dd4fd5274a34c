"""A Kitehouse emulator whose handover stream can be cut off part-way, as a proxy's idle
timeout or a restarting server cuts a long-lived event stream.

The fault kinds of :mod:`incident_tui.emulators.faults` act before an answer starts (an error
status, a delay, a dropped connection); this one acts inside the answer: the first events of
the handover e-mail arrive, then the connection closes. The cut stream is sent with chunked
framing, as a streaming server sends it, so the client sees a body that stopped short (a
dropped connection), not a short e-mail that ended normally.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

from incident_tui.emulators import kitehouse_reports as reports
from incident_tui.emulators.kitehouse import KitehouseEmulator
from incident_tui.emulators.server import Request, Response


class StreamCutKitehouse(KitehouseEmulator):
    """:class:`KitehouseEmulator` plus :meth:`cut_handover`; every other route is the
    stock emulator's, and a stream with no cut queued is sent exactly as there."""

    def __init__(self, **options: Any) -> None:
        # Before the base constructor: it registers the routes.
        self._cuts: list[int] = []
        self._cuts_lock = threading.Lock()
        super().__init__(**options)

    def cut_handover(self, after: int, times: int = 1) -> None:
        """Cut each of the next ``times`` handover streams after ``after`` events, before
        the ``end`` event (streams are cut in the order they are asked for)."""
        with self._cuts_lock:
            self._cuts += [after] * times

    def routes(self) -> None:
        """The stock routes, the handover's taken over first (the first match wins)."""
        self._route("GET", "/incidents/{siteId}/handover", self._handover)
        super().routes()

    def _handover(self, request: Request, user: str) -> Response:
        response = reports.handover(self, request, user)
        with self._cuts_lock:
            after = self._cuts.pop(0) if self._cuts else None
        if after is None or response.stream is None:
            return response
        return Response(
            response.status,
            headers={**response.headers, "Transfer-Encoding": "chunked"},
            stream=cut_chunked(response.stream, after),
        )


def cut_chunked(events: Iterator[bytes], after: int) -> Iterator[bytes]:
    """The first ``after`` of ``events`` in HTTP/1.1 chunked framing, without the last
    (zero-length) chunk that would say the body is complete."""
    for sent, event in enumerate(events):
        if sent == after:
            return
        yield b"%x\r\n%b\r\n" % (len(event), event)
