"""One pooled httpx client per remote: timeouts, retries with capped jittered backoff that
honours ``Retry-After``, and translation of every failure into the :mod:`errors` family."""

from __future__ import annotations

import asyncio
import email.utils
import math
import random
import re
import time
from collections import deque
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextvars import ContextVar
from datetime import UTC
from typing import Any, TypeVar

import httpx

from incident_tui.domain import jsontext
from incident_tui.domain.text import clean, shorten
from incident_tui.remote.answer_limits import (
    MOST_HELD,
    SPEED_FLOOR,
    SPEED_WINDOW,
    detach_stream,
    limit,
    read_whole,
)
from incident_tui.remote.errors import (
    UNTRUSTED_MARK,
    AuthFailed,
    BadResponse,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    Refused,
    RemoteError,
    Unavailable,
    Unsendable,
    Untrusted,
    WrongShape,
)
from incident_tui.remote.sent_secrets import hide_sent

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]
Classifier = Callable[[httpx.Response, str], RemoteError | None]
Shape = Callable[[Any], str | None]
"""What a read's parsed answer must be: says what is wrong with a body of another shape
(``None`` for the right one). See :func:`a_list`, :func:`an_object`."""
Sink = Callable[[httpx.Response], Awaitable[None]]
"""Reads a successful answer's body as it streams in (see :meth:`Http.streamed`); called
again from the start on each attempt."""

REQUEST_SENT: ContextVar[asyncio.Event | None] = ContextVar("request_sent", default=None)
"""Set to an event by a task that wants to know when its next request has gone out, i.e. is
waiting for the answer (see :mod:`incident_tui.remote.read_ahead`)."""

WRITES_SENT: ContextVar[list[str] | None] = ContextVar("writes_sent", default=None)
"""Set to a list by a caller that must know whether what it did may have changed anything on
the remote (the push of one change): every request other than a read (:data:`READS`) that
got past opening its connection adds ``"METHOD path"`` to it. A connection that never opened
adds nothing: its request cannot have reached the server."""

WAIT_LIMIT: ContextVar[float | None] = ContextVar("wait_limit", default=None)
"""Set by a caller that has better to do than wait (the push, whose pass pulls next): the
longest server-given ``Retry-After`` of a 5xx its requests wait out before trying again. A
longer one fails the request at once, its ``retry_after`` telling the caller when to send it
again. A 429 is waited out as usual: it holds every request of the client, the pull's too."""

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
READS = frozenset({"GET", "HEAD", "OPTIONS"})
"""Methods that change nothing on the server."""


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    current = now if now is not None else time.time()
    return max(0.0, when.timestamp() - current)


def error_text(response: httpx.Response) -> str:
    """The server's reason, read from any of the five APIs' error shapes, else the raw body.

    Shapes: Fastify/OneUptime docs ``{message}``, OneUptime server and Revily ``{error}``,
    Rails ``{errors: {field: [..]}}``, Yii2 ``[{field, message}]``, AOH ``{errors: [{message}]}``
    and ``{errorMessage}``.
    """
    try:
        body: Any = jsontext.loads(response.content)
    except (ValueError, httpx.ResponseNotRead):
        body = None
    parts: list[str] = []
    if isinstance(body, dict):
        errors = body.get("errors")
        if isinstance(errors, list):
            parts += [
                str(e.get("message")) for e in errors if isinstance(e, dict) and e.get("message")
            ]
        elif isinstance(errors, dict):
            for field_name, messages in errors.items():
                items = messages if isinstance(messages, list) else [messages]
                parts += [f"{field_name} {m}" for m in items]
        for key in ("errorMessage", "message", "error"):
            value = body.get(key)
            if isinstance(value, str) and value and not parts:
                parts.append(value)
    elif isinstance(body, list):
        for item in body:
            if isinstance(item, dict) and item.get("message"):
                prefix = f"{item['field']}: " if item.get("field") else ""
                parts.append(prefix + str(item["message"]))
    text = "; ".join(parts) if parts else response.text
    # Hidden before the cut, which could leave the start of a credential.
    text = hide_sent(text, response.request)
    return shorten(clean(text, single_line=True), 300) or response.reason_phrase


def classify_status(response: httpx.Response, reason: str) -> RemoteError:
    """Map an unsuccessful HTTP status to the exception family."""
    status = response.status_code
    message = f"HTTP {status}: {reason}"
    if status == 401:
        return AuthFailed(message, status=status)
    if status == 403:
        return Forbidden(
            f"HTTP 403 (not allowed): {reason}",
            status=status,
            write=response.request.method.upper() not in READS,
        )
    if status == 404:
        return NotFound(message, status=status)
    if status == 409:
        return Conflict(message, status=status)
    if status == 429:
        return RateLimited(
            message,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    if status >= 500:
        return Unavailable(
            message,
            status=status,
            retry_after=parse_retry_after(response.headers.get("Retry-After")),
        )
    return Refused(message, status=status)


class Pace:
    """Keeps a client's requests under ``rate`` per second, whatever it sends at once.

    ``burst`` (``rate`` rounded down, at least one) slots, each used by one request at a
    time and free again ``window`` (``burst / rate``) seconds after that request's answer
    came. Counting from the answer, not from the send, holds on the server's side too: the
    request a slot is freed for reaches the server more than ``window`` after the one
    before it did, however long the link took, so a server counting per second never sees
    more than ``rate``. Below the rate nobody waits; above it requests leave in the order
    they asked. (A token bucket, like aiolimiter's, lets a full bucket's burst out on top of
    the refill: up to twice the rate within one second.)
    """

    def __init__(self, rate: float, *, sleep: Sleep = asyncio.sleep) -> None:
        if rate <= 0:
            raise ValueError("the rate must be positive")
        self.burst = max(1, math.floor(rate))
        self.window = self.burst / rate
        self._sleep = sleep
        self._free: deque[float] = deque([-math.inf] * self.burst)
        """When each slot not in use may be taken again, soonest first."""
        self._turn = asyncio.Lock()
        self._returned = asyncio.Event()
        self.waited = 0.0
        """Seconds requests have been held back in all (for tests and figures)."""

    async def take(self) -> None:
        """Return when one more request may start; :meth:`give_back` once it is answered."""
        async with self._turn:
            while not self._free:
                # Every slot is in use: the first answer frees one.
                self._returned.clear()
                await self._returned.wait()
            ready = self._free.popleft()
            delay = ready - asyncio.get_running_loop().time()
            if delay > 0:
                self.waited += delay
                try:
                    await self._sleep(delay)
                except BaseException:
                    self._free.appendleft(ready)  # cancelled before it was used
                    raise

    def give_back(self) -> None:
        """Free the slot a request took, ``window`` from now (its answer, or its failure)."""
        self._free.append(asyncio.get_running_loop().time() + self.window)
        self._returned.set()


class Http:
    """A remote's HTTP client: one connection pool, bounded retries, errors as RemoteError.

    Retries happen only where repeating the request is safe: idempotent methods (and POSTs the
    caller marks ``idempotent=True``, such as list queries) on 429, 5xx, timeouts and dropped
    connections; any request on 429 or a connection that never opened (but not one
    refused for its certificate, which will not change in seconds). ``Retry-After`` is
    honoured up to ``max_wait`` seconds; a longer wait is left to the next sync pass.
    ``max_rate`` (requests per second, 0 for no limit) paces every request, retries
    included, so a documented rate limit is kept rather than met with 429s.
    """

    attempts = 4
    """Most sends of one request (the first one included)."""
    base_delay = 0.5
    """Seconds before the first retry; each further retry waits twice as long..."""
    max_delay = 8.0
    """...up to this many seconds (both before jitter)."""
    max_wait = 60.0
    """Longest ``Retry-After`` waited out; a longer one fails the request at once."""
    rng: Callable[[], float] = random.random
    """The jitter's source of numbers in [0, 1). A builtin, so it does not bind as a method;
    a test may set another on the instance."""
    speed_floor: float = SPEED_FLOOR
    """Bytes a second an answer's body must average over each ``speed_window`` seconds..."""
    speed_window: float = SPEED_WINDOW
    """...(see :mod:`~incident_tui.remote.answer_limits`)."""
    most_held: int = MOST_HELD
    """Most bytes of an answer read into memory (a file streamed to disk may be larger)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = 15.0,
        verify: bool = True,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | None = None,
        classify: Classifier | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        max_rate: float = 0.0,
        also_to: Sequence[str] = (),
    ) -> None:
        """``also_to``: the whole URLs besides ``base_url`` it is sent to (a sign-in's token
        endpoint), each checked for its certificate as ``verify`` says."""
        self.base_url = base_url.rstrip("/")
        # Schemes are case-insensitive: an HTTPS:// sign-in is checked as well.
        if not any(url.lower().startswith("https://") for url in (self.base_url, *also_to)):
            # Plain HTTP needs no certificate store, and building one costs ~100 ms per
            # client. Not when an https sign-in goes through it: its password would go to
            # a server whose certificate nobody checked.
            verify = False
        self.client = httpx.AsyncClient(
            base_url=self.base_url,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            verify=verify,
            headers=dict(headers or {}),
            auth=auth,
            transport=transport,
            limits=httpx.Limits(max_connections=8, max_keepalive_connections=8),
            follow_redirects=False,
        )
        self._classify = classify
        self._sleep = sleep
        self.pace = Pace(max_rate, sleep=sleep) if max_rate > 0 else None
        self.requests_sent = 0
        self.on_retry: Callable[[RemoteError, float], None] | None = None
        """Told of each failed attempt that will be made again, and the seconds until then
        (the sync shows it: a pass that waits on a silent server is not just "syncing")."""
        # Event-loop time before which no request of this client leaves (see _hold).
        self._held_until = 0.0

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Delay before retry number ``attempt`` (1-based): the server's word, else capped
        exponential backoff with jitter (between half and all of the step)."""
        if retry_after is not None:
            return retry_after
        step = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
        return step * (0.5 + 0.5 * self.rng())

    async def request(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        ok: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> httpx.Response:
        """Send a request and return a successful response (2xx, or a status in ``ok``).

        Raises a :class:`RemoteError` subclass for everything else, after the retries.
        """
        response, _ = await self._send(method, path, idempotent, ok, False, kwargs)
        return response

    async def json(
        self,
        method: str,
        path: str,
        *,
        idempotent: bool | None = None,
        ok: tuple[int, ...] = (),
        expect: Shape | None = None,
        **kwargs: Any,
    ) -> Any:
        """Send a request and return its parsed JSON body (``None`` for an empty body).

        A garbled or cut-off body counts as a failed attempt, so it is retried where safe;
        so does one not of the ``expect`` shape (an empty 200 to a read, a proxy's ``{}``):
        a read's answer that is not what the API sends is a flaky link or proxy too.
        """
        _, body = await self._send(method, path, idempotent, ok, expect or True, kwargs)
        return body

    async def streamed(self, method: str, path: str, sink: Sink, **kwargs: Any) -> None:
        """Send a request and hand its successful answer, still streaming, to ``sink``: a
        file of any size goes to disk as it comes, never whole in memory.

        The retries are :meth:`request`'s; an answer cut off mid-body counts as a failed
        attempt like any dropped connection, and ``sink`` is called again from the start."""
        await self._send(method, path, None, (), False, kwargs, sink)

    async def until_parsed(
        self,
        send: Callable[[], Awaitable[httpx.Response]],
        *,
        garbled: str | None = None,
        expect: Shape | None = None,
        unparsed: Callable[[httpx.Response], bool] | None = None,
    ) -> tuple[httpx.Response, Any]:
        """``send()`` and parse the answer's JSON body (as :func:`parse_json`), sending again
        while the body comes back garbled, up to ``attempts`` sends with the usual backoff.

        For requests sent around :meth:`json`'s own retries (a sign-in wrapped around each
        send, or a caller that needs the response besides its body); only for requests that
        are safe to repeat, since a garbled body is usually a flaky link, not a refusal.
        ``garbled``: the reason given for a garbled body, retried or final, instead of one
        quoting it (a token endpoint's garbled answer may hold the token). ``expect``: the
        shape the body must have, sent again like a garbled one when it has another.
        ``unparsed``: says which answers are taken as they are, body ``None`` (a redirect,
        whose body is a page for browsers, not the API's JSON).
        """
        attempt = 0
        while True:
            attempt += 1
            response = await send()
            if unparsed is not None and unparsed(response):
                return response, None
            try:
                return response, parse_json(response, expect)
            except BadResponse as error:
                if garbled is not None and not isinstance(error, WrongShape):
                    error = BadResponse(garbled, status=error.status)
                if attempt >= self.attempts:
                    raise error from None
                delay = self.backoff(attempt, None)
                self._retrying(error, delay)
                await self._sleep(delay)

    async def read_again(self, read: Callable[[], Awaitable[T]]) -> T:
        """``read()``, sent again on the failures :meth:`request` sends a read again for
        (429, 5xx, a timeout, a dropped or cut-off answer), up to ``attempts`` reads with
        the same backoff, honouring ``Retry-After`` up to ``max_wait``.

        For a read that goes around this client: a presigned storage link, which must never
        get the API's token; also for an upload of a file to one, which is as safe to
        repeat. ``read`` must start over on each call."""
        attempt = 0
        while True:
            attempt += 1
            try:
                return await read()
            except RemoteError as error:
                if self._gives_up(error, attempt):
                    raise
                await self.wait_to_retry(error, attempt)

    async def wait_to_retry(self, error: RemoteError, attempt: int) -> None:
        """Wait the backoff before try ``attempt + 1`` of what failed with ``error``
        (its ``Retry-After`` if it has one), telling :attr:`on_retry`: for a step sent
        again around this client's own retries."""
        delay = self.backoff(attempt, getattr(error, "retry_after", None))
        self._retrying(error, delay)
        await self._sleep(delay)

    async def _send(
        self,
        method: str,
        path: str,
        idempotent: bool | None,
        ok: tuple[int, ...],
        parse: bool | Shape,
        kwargs: dict[str, Any],
        sink: Sink | None = None,
    ) -> tuple[httpx.Response, Any]:
        """One request with its retries; ``parse``: whether to parse the answer's JSON
        body, or the shape it must have (parsed and checked within the retries)."""
        method = method.upper()
        safe = idempotent if idempotent is not None else method in IDEMPOTENT_METHODS
        attempt = 0
        while True:
            attempt += 1
            try:
                response = await self._once(method, path, ok, sink, **kwargs)
                if not parse:
                    return response, None
                return response, parse_json(response, None if parse is True else parse)
            except RemoteError as error:
                retry_any = isinstance(error, RateLimited) or (
                    isinstance(error, Unavailable) and error.never_sent
                )
                if not (safe or retry_any) or self._gives_up(error, attempt):
                    raise
                delay = self.backoff(attempt, getattr(error, "retry_after", None))
                self._retrying(error, delay)
                if isinstance(error, RateLimited):
                    await self._hold(delay)
                else:
                    await self._sleep(delay)

    def _gives_up(self, error: RemoteError, attempt: int) -> bool:
        """Whether ``error`` on try ``attempt`` ends a request that could be sent again: it
        is not worth another try, its certificate was refused, the tries are spent, or the
        remote asked for a longer wait than is waited out."""
        wait = getattr(error, "retry_after", None)
        return (
            not error.retryable
            or isinstance(error, Untrusted)
            or attempt >= self.attempts
            or (wait is not None and wait > self._wait_limit(error))
        )

    def _wait_limit(self, error: RemoteError) -> float:
        """The longest ``Retry-After`` waited out for ``error`` (see :data:`WAIT_LIMIT`)."""
        limit = WAIT_LIMIT.get()
        if limit is None or isinstance(error, RateLimited):
            return self.max_wait
        return min(limit, self.max_wait)

    def _retrying(self, error: RemoteError, delay: float) -> None:
        if self.on_retry is not None:
            self.on_retry(error, delay)

    async def _hold(self, delay: float) -> None:
        """Wait ``delay`` after a 429, and hold back every other request of this client
        meanwhile: "too many requests" is about all of them, and the ones sent alongside
        (hydration reads several incidents at once) would each earn a 429 of their own."""
        until = max(self._held_until, asyncio.get_running_loop().time() + delay)
        self._held_until = until
        await self._sleep(delay)
        if self._held_until == until:
            # Waited out; cleared here too for an injected sleep that does not take time.
            self._held_until = 0.0

    async def _held(self) -> None:
        """Wait for the rest of a hold another request of this client started."""
        until = self._held_until
        remaining = until - asyncio.get_running_loop().time()
        if remaining > 0:
            await self._sleep(remaining)
            if self._held_until == until:
                self._held_until = 0.0

    async def _once(
        self, method: str, path: str, ok: tuple[int, ...], sink: Sink | None, **kwargs: Any
    ) -> httpx.Response:
        if self._held_until:
            await self._held()
        if self.pace is None:
            return await self._attempt(method, path, ok, sink, **kwargs)
        await self.pace.take()
        try:
            return await self._attempt(method, path, ok, sink, **kwargs)
        finally:
            self.pace.give_back()

    async def _attempt(
        self, method: str, path: str, ok: tuple[int, ...], sink: Sink | None, **kwargs: Any
    ) -> httpx.Response:
        self.requests_sent += 1
        marks: dict[str, asyncio.Event] = {}
        sent = REQUEST_SENT.get()
        if sent is not None:
            marks["receive_response_headers.started"] = sent
        writes = WRITES_SENT.get() if method not in READS else None
        leaving = asyncio.Event()
        if writes is not None:
            writes.append(f"{method} {path}")
            marks["send_request_headers.started"] = leaving
        if marks:
            kwargs["extensions"] = {**kwargs.get("extensions", {}), "trace": _tracer(marks)}
        try:
            if sink is None:
                response = await self._read(method, path, kwargs)
            else:
                response = await self._stream(method, path, ok, sink, kwargs)
        except httpx.ConnectError as exc:
            if writes is not None:
                writes.remove(f"{method} {path}")
            raise connect_error(exc, self._where(path)) from None
        except asyncio.CancelledError:
            if writes is not None and not leaving.is_set():
                # Stopped before a byte of it went out (still connecting, as to a remote
                # out of reach): the server cannot have seen it.
                writes.remove(f"{method} {path}")
            raise
        except httpx.TimeoutException:
            raise Unavailable(f"{self._where(path)} did not answer in time") from None
        except httpx.LocalProtocolError as exc:
            raise unsendable(exc, self._where(path)) from None
        except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
            where = self._where(path)
            raise Unavailable(f"connection to {where} dropped: {_reason(exc)}") from None
        except httpx.HTTPError as exc:
            raise Unavailable(f"request to {self._where(path)} failed: {_reason(exc)}") from None
        if response.is_success or response.status_code in ok:
            return response
        reason = error_text(response)
        special = self._classify(response, reason) if self._classify else None
        error = special or classify_status(response, reason)
        if writes is not None and type(error) is AuthFailed:
            # Refused for its credentials before the server did anything of it: a token
            # that expired between a change's read and its write leaves nothing to look for.
            writes.remove(f"{method} {path}")
        raise error

    def _where(self, path: str) -> str:
        """Where a request to ``path`` goes, for its errors: the remote's base URL, or the
        URL itself (without its query) when ``path`` is a whole one, such as a sign-in's
        token endpoint, which may be another server that is down while the remote is not."""
        if path.lower().startswith(("http://", "https://")):
            return path.partition("?")[0]
        return self.base_url

    async def _stream(
        self, method: str, path: str, ok: tuple[int, ...], sink: Sink, kwargs: dict[str, Any]
    ) -> httpx.Response:
        """One send whose successful body goes to ``sink`` as it streams; any other answer
        is read whole, for its error text."""
        request = self.client.build_request(method, path, **kwargs)
        response = await self.client.send(request, stream=True)
        try:
            if response.is_success or response.status_code in ok:
                self._limit(response, None)
                await sink(response)
            else:
                await self._read_whole(response)
        finally:
            await response.aclose()
        return response

    async def _read(self, method: str, path: str, kwargs: dict[str, Any]) -> httpx.Response:
        """One send whose answer is read whole into memory, within the answer limits."""
        request = self.client.build_request(method, path, **kwargs)
        response = await self.client.send(request, stream=True)
        try:
            await self._read_whole(response)
        finally:
            await response.aclose()
            detach_stream(response)
        return response

    async def _read_whole(self, response: httpx.Response) -> None:
        """Read ``response``'s body whole, within the pace and :attr:`most_held`."""
        self._limit(response, self.most_held)
        await read_whole(response, where=self.base_url, most=self.most_held)

    def _limit(self, response: httpx.Response, most: int | None) -> None:
        """Have ``response``'s body read within the pace and ``most`` bytes the
        :mod:`~incident_tui.remote.answer_limits` set."""
        limit(
            response, where=self.base_url, most=most, floor=self.speed_floor,
            window=self.speed_window,
        )

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self.client.aclose()


def parse_json(response: httpx.Response, expect: Shape | None = None) -> Any:
    """The response's JSON, ``None`` for an empty body; :class:`BadResponse` for garbage,
    and for a body (an empty one too) that ``expect`` says is not of the shape asked for."""
    where = f"{response.request.method} {response.request.url.path}"
    if not response.content.strip():
        body = None
    else:
        try:
            body = jsontext.loads(response.content)
        except ValueError as exc:
            text = hide_sent(response.text, response.request)
            snippet = shorten(clean(text, single_line=True), 60)
            raise BadResponse(
                f"{where}: not JSON ({getattr(exc, 'msg', exc)}): {snippet!r}",
                status=response.status_code,
            ) from None
    wrong = expect(body) if expect is not None else None
    if wrong is not None:
        came = "an empty body" if body is None else _kind_of(body)
        raise WrongShape(f"{where}: {wrong}, got {came}", status=response.status_code)
    return body


def a_list(body: Any) -> str | None:
    """A :data:`Shape`: a JSON array."""
    return None if isinstance(body, list) else "expected a JSON array"


def an_object(body: Any) -> str | None:
    """A :data:`Shape`: a JSON object."""
    return None if isinstance(body, dict) else "expected a JSON object"


def _kind_of(body: Any) -> str:
    """What a parsed JSON body is, in a few words, never quoting it (it may be long)."""
    if isinstance(body, dict):
        return "an empty object" if not body else "an object"
    if isinstance(body, list):
        return "an array"
    if isinstance(body, bool):
        return "true or false"
    if isinstance(body, (int, float)):
        return "a number"
    if isinstance(body, str):
        return "a string"
    return "null"


def _tracer(
    marks: dict[str, asyncio.Event],
) -> Callable[[str, dict[str, Any]], Awaitable[None]]:
    """An httpcore ``trace`` hook that sets each event of ``marks`` once a step of the
    request whose name ends with its key begins (``receive_response_headers.started``: the
    request is on the wire; ``send_request_headers.started``: it begins to go out)."""

    async def trace(event: str, info: dict[str, Any]) -> None:
        for step, mark in marks.items():
            if event.endswith(step):
                mark.set()

    return trace


def connect_error(exc: httpx.ConnectError, base_url: str) -> Unavailable:
    """A connection to ``base_url`` that never opened, in the words every request to a
    remote uses; :class:`Untrusted` when its certificate failed verification."""
    reason = _reason(exc)
    if UNTRUSTED_MARK in reason:
        # The user's next step: trust the server (a private CA, a self-signed test server)
        # or stop checking it for this remote.
        return Untrusted(
            f"cannot connect to {base_url}: {reason} (set SSL_CERT_FILE to its CA's "
            "certificate, or verify_tls = false on this remote to skip the check)",
            never_sent=True,
        )
    return Unavailable(f"cannot connect to {base_url}: {reason}", never_sent=True)


HEADER_VALUE_QUOTED = re.compile(r"(Illegal header value) .*", re.S)
"""h11's refusal of a header value, which quotes it: it may be a token."""


def unsendable(exc: httpx.LocalProtocolError, where: str) -> Unsendable:
    """A request our side would not write as HTTP (a header value with a line break, say):
    the remote never saw it, and sending it again cannot help, so it is no sign of the
    remote being out of reach. The change it carries is refused, with the reason, which
    never quotes the header value: the error is shown, and kept in the cache."""
    reason = HEADER_VALUE_QUOTED.sub(
        r"\1 (a line break, a control character or a letter outside ASCII)", _reason(exc)
    )
    return Unsendable(f"request to {where} cannot be sent: {reason}")


def _reason(exc: Exception) -> str:
    return clean(str(exc), single_line=True) or type(exc).__name__


