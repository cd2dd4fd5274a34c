"""The loopback HTTP server every emulator runs on: routing, fault injection, a request log.

Built on the standard library's ``ThreadingHTTPServer`` so an emulator starts in a few
milliseconds inside a test and can misbehave at the socket level (drop, truncate) on demand.

Faults (:mod:`incident_tui.emulators.faults`) are injected from Python
(``emulator.faults.add(...)``) or over HTTP by a test that runs the app in another process:
``POST /_emulator/faults`` with a :class:`~incident_tui.emulators.faults.Fault` as JSON,
``DELETE /_emulator/faults``, ``GET /_emulator/requests``, ``DELETE /_emulator/requests``.
"""

from __future__ import annotations

import functools
import json
import re
import socket
import sys
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from incident_tui.emulators.faults import HANG_LIMIT, SLOW_PIECES, FaultPlan

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The wall clock in UTC (the default emulator clock)."""
    return datetime.now(UTC)


@dataclass
class Request:
    """One HTTP request as an emulator handler sees it."""

    method: str
    path: str
    query: dict[str, list[str]]
    headers: Message
    body: bytes
    params: dict[str, str] = field(default_factory=dict)
    """Path parameters captured by the route pattern."""

    def arg(self, name: str, default: str | None = None) -> str | None:
        """The first value of query parameter ``name``."""
        values = self.query.get(name)
        return values[0] if values else default

    def json(self) -> Any:
        """The body parsed as JSON; a 400 :class:`HttpError` if it is not."""
        if not self.body:
            return None
        try:
            return json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise HttpError(400, {"error": f"body is not JSON: {exc}"}) from None

    def form(self) -> dict[str, str]:
        """A form-encoded body (or JSON object body) as a flat dict."""
        ctype = self.headers.get("Content-Type", "")
        if "json" in ctype:
            data = self.json()
            return {str(k): v for k, v in (data or {}).items()} if isinstance(data, dict) else {}
        parsed = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {k: v[0] for k, v in parsed.items()}


@dataclass
class Response:
    """What a handler returns. ``stream`` (an iterator of byte chunks) is for SSE."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    stream: Iterator[bytes] | None = None

    @classmethod
    def json(cls, data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
        """A JSON response."""
        return cls(
            status,
            json.dumps(data, separators=(",", ":")).encode(),
            {"Content-Type": "application/json; charset=utf-8", **(headers or {})},
        )

    @classmethod
    def empty(cls, status: int = 204) -> Response:
        """A response without a body."""
        return cls(status)


class HttpError(Exception):
    """Raise from a handler to answer with an error status and a JSON body."""

    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status)
        self.status = status
        self.body = body
        self.headers = headers or {}


Handler = Callable[[Request], Response]


LOG_LIMIT = 10_000
"""Most requests :attr:`Emulator.log` keeps (the latest): far more than any test reads, and a
long-running ``incident-tui emulate`` no longer grows without bound."""


@dataclass
class LoggedRequest:
    """A request as the emulator saw it (for tests and benchmarks)."""

    at: float
    method: str
    path: str
    query: str
    status: int


class Router:
    """Maps ``METHOD /path/{param}`` patterns to handlers; the first registered match wins."""

    def __init__(self) -> None:
        self._routes: list[tuple[str, re.Pattern[str], Handler]] = []

    def add(self, method: str, pattern: str, handler: Handler) -> None:
        """Register ``handler`` for ``method`` and ``pattern`` (``{name}`` matches a segment)."""
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern.rstrip("/") or "/")
        self._routes.append((method.upper(), re.compile(f"^{regex}/?$"), handler))

    def resolve(self, method: str, path: str) -> tuple[Handler, dict[str, str]]:
        """The handler and path parameters for a request; ``HttpError`` 404/405 otherwise."""
        allowed = False
        for route_method, regex, handler in self._routes:
            match = regex.match(path)
            if match:
                if route_method == method:
                    return handler, match.groupdict()
                allowed = True
        if allowed:
            raise HttpError(405, {"error": "method not allowed"})
        raise HttpError(404, {"error": "not found"})


class Emulator:
    """Base class of the five emulators: state under one lock, routes, faults, request log.

    Subclasses register routes in :meth:`routes` and format errors in :meth:`error_body`.
    """

    kind: str = ""

    def __init__(self, *, clock: Clock = utc_now) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self.router = Router()
        self.faults = FaultPlan()
        self.log: list[LoggedRequest] = []
        """The latest :data:`LOG_LIMIT` requests, oldest first (tests read and clear it)."""
        self.base_url = ""
        """Set by the server once it knows its port (for absolute URLs such as blob links)."""
        self.routes()

    def routes(self) -> None:
        """Register the emulator's endpoints on ``self.router``."""

    def remote_config(self, name: str) -> dict[str, Any]:
        """The ``[[remotes]]`` table (as a dict) of a remote called ``name`` pointed at this
        emulator, with working credentials; every kind defines its own."""
        raise NotImplementedError(f"{type(self).__name__} has no remote config")

    def error_body(self, status: int, message: str) -> Any:
        """The API's own error shape for a message (overridden per kind)."""
        return {"error": message}

    def fail(self, status: int, message: str, headers: dict[str, str] | None = None) -> HttpError:
        """An :class:`HttpError` in this API's error shape, to ``raise``."""
        return HttpError(status, self.error_body(status, message), headers)

    def handle(self, request: Request) -> Response:
        """Route a request to its handler under the state lock and turn errors into answers."""
        try:
            handler, params = self.router.resolve(request.method, request.path)
            request.params = params
            with self.lock:
                return handler(request)
        except HttpError as error:
            body = error.body
            if isinstance(body, dict) and set(body) == {"error"} and error.status in (404, 405):
                body = self.error_body(error.status, str(body["error"]))
            return Response.json(body, error.status, error.headers)
        except Exception as error:  # noqa: BLE001 - a real server answers 500, it does not hang up
            message = f"internal error: {type(error).__name__}: {error}"
            return Response.json(self.error_body(500, message), 500)

    def control(self, request: Request) -> Response:
        """The ``/_emulator/`` endpoints that let another process inject faults and read logs."""
        what = request.path.removeprefix("/_emulator/").strip("/")
        if what == "faults" and request.method == "POST":
            spec = request.json() or {}
            try:
                self.faults.add(**spec)
            except (TypeError, ValueError) as exc:
                raise HttpError(400, {"error": str(exc)}) from None
            return Response.json({"ok": True}, 201)
        if what == "faults" and request.method == "DELETE":
            self.faults.clear()
            return Response.empty()
        if what == "requests" and request.method == "GET":
            with self.lock:  # the log is trimmed in place as requests come in
                entries = list(self.log)
            return Response.json([asdict(entry) for entry in entries])
        if what == "requests" and request.method == "DELETE":
            with self.lock:
                self.log.clear()
            return Response.empty()
        raise HttpError(404, {"error": "no such control endpoint"})


class _Handler(BaseHTTPRequestHandler):
    """Adapts ``http.server`` to :class:`Emulator` and applies injected faults."""

    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, the client's delayed ACK adds
    # ~40 ms to every request.
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Silence the default stderr access log (tests and the TUI share the terminal)."""

    def _serve(self) -> None:
        emulator = self.server.emulator
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        request = Request(
            self.command,
            parts.path,
            parse_qs(parts.query, keep_blank_values=True),
            self.headers,
            body,
        )
        if parts.path.startswith("/_emulator/"):
            try:
                self._send(emulator.control(request))
            except HttpError as error:
                # A refused control request is answered, not hung up on: the caller is a
                # test or a person poking at the emulator, who needs to read why.
                self._send(Response.json(error.body, error.status, error.headers))
            return
        fault = emulator.faults.take(self.command, parts.path)
        if fault and fault.kind == "delay":
            time.sleep(fault.delay)
            fault = None
        if fault and fault.kind == "drop":
            self._log(emulator, parts, 0)
            self._drop()
            return
        if fault and fault.kind == "status":
            headers = {"Retry-After": fault.retry_after} if fault.retry_after else {}
            payload = (
                fault.body
                if fault.body is not None
                else emulator.error_body(fault.status, "injected fault")
            )
            response = Response.json(payload, fault.status, headers)
        elif fault and fault.kind == "malformed":
            response = Response(
                200, b'{"data": [ {"oops": tru', {"Content-Type": "application/json"}
            )
        else:
            response = emulator.handle(request)
        self._log(emulator, parts, response.status)
        if fault and fault.kind == "truncated":
            self._send_truncated(response)
        elif fault and fault.kind == "slow":
            self._send_slowly(response, fault.delay)
        elif fault and fault.kind == "endless":
            self._send_endlessly(response, fault.delay, emulator.faults.released())
        elif fault and fault.kind == "bomb":
            self._send(_exploding(response, fault.size))
        else:
            self._send(response)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve  # noqa: N815 - stdlib names

    def _log(self, emulator: Emulator, parts: Any, status: int) -> None:
        with emulator.lock:
            log = emulator.log
            log.append(
                LoggedRequest(time.monotonic(), self.command, parts.path, parts.query, status)
            )
            # A list, not a deque, so tests can slice it and compare it with one; trimmed a
            # tenth at a time, so keeping it short costs next to nothing per request.
            if len(log) > LOG_LIMIT + LOG_LIMIT // 10:
                del log[: len(log) - LOG_LIMIT]

    def _send(self, response: Response) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        if response.stream is not None:
            self.send_header("Connection", "close")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            self.close_connection = True
            try:
                for chunk in response.stream:
                    self.wfile.write(chunk)
                    self.wfile.flush()
            except (BrokenPipeError, ConnectionResetError):
                pass
            return
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        if self.command != "HEAD":
            try:
                self.wfile.write(response.body)
            except (BrokenPipeError, ConnectionResetError):
                # The client gave up (a timeout while a delay fault slept): nothing to answer.
                self.close_connection = True

    def _send_slowly(self, response: Response, pause: float) -> None:
        if response.stream is not None:
            # A stream (server-sent events) has no body to cut in pieces: its own pieces
            # come ``pause`` apart instead.
            self._send(Response(response.status, headers=response.headers,
                                stream=_paced(response.stream, pause)))
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        size = -(-len(response.body) // SLOW_PIECES)
        try:
            for start in range(0, len(response.body), max(1, size)):
                if start:
                    time.sleep(pause)
                self.wfile.write(response.body[start : start + size])
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    def _send_endlessly(
        self, response: Response, pause: float, released: threading.Event
    ) -> None:
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        # No length: the body ends when the connection does, which is never, from here.
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        piece = b" " if pause else b" " * 65536
        until = time.monotonic() + HANG_LIMIT
        try:
            while not released.is_set() and time.monotonic() < until:
                self.wfile.write(piece)
                self.wfile.flush()
                if pause:
                    released.wait(pause)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def _send_truncated(self, response: Response) -> None:
        if response.stream is not None:
            self._send_truncated_stream(response, response.stream)
            return
        self.send_response(response.status)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body[: max(1, len(response.body) // 2)])
        self.wfile.flush()
        self._drop()

    def _send_truncated_stream(self, response: Response, stream: Iterator[bytes]) -> None:
        # A stream's end is the connection's: closed halfway without a length, it would
        # read as complete. Chunked framing without its last, empty chunk reads as cut off.
        pieces = list(stream)
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        self.send_response(response.status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        try:
            # An empty chunk would say the body is complete: those are left out.
            for piece in [p for p in pieces if p][: max(1, len(pieces) // 2)]:
                self.wfile.write(b"%x\r\n%b\r\n" % (len(piece), piece))
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self._drop()

    def _drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


def _paced(stream: Iterator[bytes], pause: float) -> Iterator[bytes]:
    """``stream``'s pieces, each after the first ``pause`` seconds after the one before."""
    for sent, piece in enumerate(stream):
        if sent:
            time.sleep(pause)
        yield piece


def _exploding(response: Response, size: int) -> Response:
    """``response`` with, for its body, a gzip stream of ``size`` bytes of blank space."""
    headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
    headers["Content-Encoding"] = "gzip"
    return Response(response.status, _blank_gzip(size), headers)


@functools.lru_cache(maxsize=4)
def _blank_gzip(size: int) -> bytes:
    # Cached: a gigabyte takes seconds to compress, and a test may ask for several bombs.
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)  # 31: with the gzip header
    piece = b" " * (1 << 20)
    parts = [packer.compress(piece[: min(len(piece), size - start)])
             for start in range(0, size, len(piece))]
    return b"".join([*parts, packer.flush()])


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        self.emulator = emulator
        if ":" in address[0]:
            # An IPv6 address (``--host ::1``): the default IPv4 socket refused it as
            # "Address family for hostname not supported".
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Report a request's failure, unless the client hung up.

        A client that closes a kept-alive connection with a reset (a process quitting
        mid-sync: ``q`` in the demo) is no failure of the server's; the standard library
        printed a traceback for each such connection onto the terminal."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class EmulatorServer:
    """Runs an :class:`Emulator` on a loopback port in a background thread.

    Use as a context manager, or :meth:`start` / :meth:`stop`. Port 0 picks a free port.
    """

    def __init__(self, emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = emulator
        self._server = _Server((host, port), emulator)
        address = self._server.server_address
        self.host, self.port = str(address[0]), int(address[1])
        # An IPv6 address goes in brackets, else its colons read as the port's.
        shown = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{shown}:{self.port}"
        emulator.base_url = self.url
        self._thread: threading.Thread | None = None

    def start(self) -> EmulatorServer:
        """Serve in a daemon thread; returns self."""
        # A short poll interval makes stop() take milliseconds instead of up to half a second.
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=f"emulator-{self.emulator.kind}",
            daemon=True,
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        try:
            self._server.serve_forever()
        finally:
            self._server.server_close()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> EmulatorServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
