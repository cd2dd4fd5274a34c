"""The one exception family every connector raises; nothing above ``remote/`` sees httpx errors."""

from __future__ import annotations

from datetime import datetime


class RemoteError(Exception):
    """Something went wrong talking to a remote. ``str()`` is a message fit for the user."""

    retryable: bool = False
    storage: bool = False
    """The remote's attachment storage answered, not its API (Kitehouse's presigned links,
    often another server): a wait it asks for (``Retry-After``) is for the transfers of
    files alone, and holds nothing else of the remote."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status


class AuthFailed(RemoteError):
    """The remote refused our credentials (401, or OneUptime's 400 "Invalid API Key")."""


class Forbidden(AuthFailed):
    """403: the remote knows the caller and will not let it do what it asked. To a read
    (the listing, an incident) the token lacks a right the sync needs, so it is the remote's
    auth failure, as :class:`AuthFailed` says; to a write (``write``) it may instead be a
    refusal of that one change (a role that may not delete, say), which the push tells
    apart by whether the remote still answers its listing."""

    def __init__(self, message: str, *, status: int | None = 403, write: bool = False) -> None:
        super().__init__(message, status=status)
        self.write = write


class NotFound(RemoteError):
    """The incident (or comment, attachment) does not exist on the remote."""


class Misdirected(RemoteError):
    """The remote answers 404 to what it must know (its incident listing): ``base_url`` or an
    id in the config points at the wrong place. A 404 from such a remote says nothing about
    the incident, so the sync sends nothing and keeps every queued change."""


class Conflict(RemoteError):
    """The remote changed under us (AOH ``occ_lock`` 409, or our pre-write check found it)."""

    def __init__(self, message: str, *, status: int | None = None, fields: tuple[str, ...] = ()):
        super().__init__(message, status=status)
        self.fields = fields


class Refused(RemoteError):
    """The remote understood and refused the request (a 4xx other than the above)."""


class RateLimited(RemoteError):
    """429: slow down; ``retry_after`` seconds if the server said so."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None):
        super().__init__(message, status=status)
        self.retry_after = retry_after


class Unavailable(RemoteError):
    """5xx, timeout, dropped or refused connection: try again later. ``never_sent``: the
    connection never opened, so the request cannot have reached the server and is safe to
    send again whatever it is."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retry_after: float | None = None,
        never_sent: bool = False,
    ) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after
        self.never_sent = never_sent


class Held(RemoteError):
    """The remote asked (``Retry-After``) to be sent nothing until ``until``, a time not yet
    come: what needed it now (a refresh, a download, an export) was not sent. A wait asked
    of its queued changes alone is no error: the sync notes it on the pass's result, and
    pulls as usual."""

    retryable = True

    def __init__(
        self, message: str, *, status: int | None = None, until: datetime | None = None
    ) -> None:
        super().__init__(message, status=status)
        self.until = until


UNTRUSTED_MARK = "CERTIFICATE_VERIFY_FAILED"
"""OpenSSL's word for a certificate that failed verification; an :class:`Untrusted` error's
text carries it, so the text the cache keeps still tells that failure apart."""


class Untrusted(Unavailable):
    """The remote's TLS certificate failed verification, so the connection never opened.
    Out of reach as far as the sync goes (changes stay queued), but not sent again within a
    pass: the certificate will not change in seconds; the user trusts it or turns the check
    off for this remote."""


class BadResponse(RemoteError):
    """The remote answered with something we cannot read (garbage or truncated JSON, wrong
    shape). Retryable: a truncated body is usually a flaky link."""

    retryable = True


class WrongShape(BadResponse):
    """A read answered legal JSON (or nothing) of another shape than asked for: an empty
    200 or a proxy's ``{}`` where a list or an incident was due. Its text never quotes the
    body."""


class SignInGarbled(BadResponse):
    """The token endpoint answered with what is no token (garbage, no ``access_token``):
    the remote's sign-in trouble, never the record being read when a renewal came due."""


class TooLarge(BadResponse):
    """An answer bigger than any the API sends (an endless body, a wrong address). Not
    sent again: the same answer would come back, as big."""

    retryable = False


class Unsupported(RemoteError):
    """The remote kind cannot do this at all (e.g. reopen on Revily)."""


class Unsendable(RemoteError):
    """The change cannot be sent as it was queued: the copy of a file kept for upload is
    gone, whether an interrupted send got through cannot be told, or it holds what no HTTP
    request can carry (a content type with a line break). Marked failed like a refusal (the
    user retries or discards it); the remote's other changes go on."""
