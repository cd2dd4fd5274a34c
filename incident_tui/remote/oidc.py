"""Keycloak (OAuth2/OIDC) access tokens for connectors that sign in instead of using a static
token.

:class:`OidcSession` signs in with the password grant or the client_credentials grant (a
service account), keeps the access token, renews it a little before it expires (with the
refresh token while that lives, else by signing in again), and sends a request once more with
a renewed token after a 401. Token requests go through the connector's own
:class:`~incident_tui.remote.http.Http`, so they share its timeouts, TLS settings, transport
and retries; the connector plugs :meth:`OidcSession.classify` into that client so that the
endpoint's refusals become :class:`AuthFailed` carrying Keycloak's ``error_description``.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, TypeVar

import httpx

from incident_tui.clock import system_clock
from incident_tui.config_remotes import HEADER_SAFE, OidcRemote
from incident_tui.domain import jsontext
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    RemoteError,
    SignInGarbled,
    WrongShape,
)
from incident_tui.remote.http import WRITES_SENT, Http, classify_status
from incident_tui.remote.sent_secrets import hide_sent

T = TypeVar("T")

SHARED_FAILURE = 5.0
"""Seconds a failed renewal still answers a request refused with the token it was to
replace: reads sent side by side with that token, whose refusals come in after the renewal
failed (a busy machine, a slow API), fail with it rather than each trying again."""

DEFAULT_LIFETIME = 300.0
"""Seconds an access token is taken to live when the answer has no ``expires_in``
(Keycloak's default access token lifespan)."""
MAX_MARGIN = 30.0
"""Renew at most this many seconds before expiry (less for tokens that live under 150 s)."""


@dataclass
class Token:
    """An access token and, when the grant gave one, the refresh token, with their expiry
    (already brought forward by the renewal margin)."""

    access: str
    expires_at: datetime
    refresh: str | None
    refresh_expires_at: datetime | None


def bearer(token: str) -> dict[str, str]:
    """The ``Authorization`` header that carries ``token``."""
    return {"Authorization": f"Bearer {token}"}


class OidcSession:
    """The signed-in state of one connector: one access token, renewed under a lock so that
    concurrent requests share a single sign-in.

    ``system`` names the remote kind in error messages ("4HSE", "AOH IMS"); ``token_url``
    overrides the settings' one (4HSE has a default realm); ``on_token`` hears every new
    access token (the AOH connector reads who it is from the claims).
    """

    def __init__(
        self,
        http: Http,
        settings: OidcRemote,
        *,
        system: str,
        token_url: str | None = None,
        clock: Callable[[], datetime] = system_clock,
        on_token: Callable[[str], None] | None = None,
    ) -> None:
        url = token_url or settings.token_url
        if not url:
            raise ValueError(f"{system}: OIDC sign-in needs a token_url")
        self.http = http
        self.settings = settings
        self.system = system
        self.token_url = url
        self.grant = settings.oidc_grant()
        """``password`` or ``client_credentials``: how a fresh sign-in is made."""
        self._target = httpx.URL(url).copy_with(query=None)
        self._clock = clock
        self._on_token = on_token
        self._token: Token | None = None
        self._lock = asyncio.Lock()
        self._failed: RemoteError | None = None
        """How the last renewal failed, if it did..."""
        self._failures = 0
        """...and how many have failed: a request that waited while one failed fails with
        it rather than trying again (see :meth:`access_token`)..."""
        self._failed_for: tuple[str | None, float] | None = None
        """...and the token it was to replace, with when it failed (monotonic seconds)."""

    def classify(self, response: httpx.Response, reason: str) -> RemoteError | None:
        """Any refusal by the token endpoint is AuthFailed, whatever the API itself makes of
        that status: Keycloak refuses bad credentials with 400/401 (``invalid_grant``,
        ``invalid_client``, ``unauthorized_client``), and a wrong realm or ``token_url``
        answers 404, which must not read as "the incident is gone". A 429 or server error
        stays worth trying again, its text naming the sign-in; ``None`` for any other
        response."""
        status, url = response.status_code, response.request.url.copy_with(query=None)
        if url != self._target:
            return None
        if status >= 500 or status == 429:
            # Still worth trying again, but said to be the sign-in's: the token endpoint is
            # often another server, down while the API itself is fine.
            error = classify_status(response, reason)
            error.message = f"{self.system} sign-in at {url} answered {error.message}"
            error.args = (error.message,)
            return error
        if not 400 <= status < 500:
            return None
        if status not in (400, 401):
            return AuthFailed(
                f"{self.system} sign-in address answered HTTP {status} ({reason}): "
                "check token_url",
                status=status,
            )
        try:
            described = jsontext.loads(response.content).get("error_description")
            reason = hide_sent(str(described), response.request) if described else reason
        except (ValueError, AttributeError):
            pass
        return AuthFailed(f"{self.system} sign-in refused (HTTP {status}): {reason}", status=status)

    async def access_token(self, stale: str | None = None) -> str:
        """A usable access token; ``stale`` is one the API just refused (renew it, unless
        another request already did)."""
        failures = self._failures
        async with self._lock:
            if self._failed is not None and (
                self._failures != failures or self._failed_just_now(stale)
            ):
                # A renewal failed while this request waited for it, or just after it was
                # refused with the same token. Reads side by side would each try again, the
                # token endpoint hearing one renewal per read, and each try of a wrong
                # password counts towards Keycloak's lockout.
                raise self._failed
            held, now = self._token, self._clock()
            if held and held.access != stale and now < held.expires_at:
                return held.access
            try:
                return await self._renew(held, now)
            except RemoteError as error:
                self._failed = error
                self._failures += 1
                self._failed_for = (held.access if held else None, time.monotonic())
                raise

    def _failed_just_now(self, stale: str | None) -> bool:
        """Whether the last renewal, which failed, was to replace ``stale`` and failed less
        than :data:`SHARED_FAILURE` seconds ago."""
        if stale is None or self._failed_for is None:
            return False
        replaced, when = self._failed_for
        return replaced == stale and time.monotonic() - when < SHARED_FAILURE

    async def _renew(self, held: Token | None, now: datetime) -> str:
        """A new access token: from the refresh token while that lives, else by signing in."""
        if held and held.refresh and (
            held.refresh_expires_at is None or now < held.refresh_expires_at
        ):
            try:
                return await self._request_token(
                    {"grant_type": "refresh_token", "refresh_token": held.refresh}
                )
            except AuthFailed:
                pass  # the session ended on the server: sign in afresh
        return await self._sign_in()

    async def header(self, stale: str | None = None) -> dict[str, str]:
        """The ``Authorization`` header for the next request (see :meth:`access_token`)."""
        return bearer(await self.access_token(stale))

    async def authorized(self, call: Callable[[dict[str, str]], Awaitable[T]]) -> T:
        """Run ``call`` with the Authorization header; after a 401 renew the token and run
        it once more (a token can be revoked or expire early on the server). A 401 means the
        API did nothing, so even a create is safe to send again."""
        token = await self.access_token()
        try:
            return await call(bearer(token))
        except AuthFailed as error:
            if error.status != 401:
                raise
        return await call(await self.header(stale=token))

    async def _sign_in(self) -> str:
        if self.grant == "client_credentials":
            return await self._request_token({"grant_type": "client_credentials"})
        password = self.settings.password_value()
        if not password:
            env = self.settings.password_env
            if env:
                raise AuthFailed(f"{self.system}: password_env {env} is not set")
            raise AuthFailed(f"{self.system}: username configured without a password")
        user = self.settings.username or ""
        return await self._request_token(
            {"grant_type": "password", "username": user, "password": password}
        )

    async def _request_token(self, form: dict[str, str]) -> str:
        form["client_id"] = self.settings.client_id or ""
        secret = self.settings.client_secret_value()
        if secret:
            form["client_secret"] = secret
        elif form["grant_type"] == "client_credentials":
            env = self.settings.client_secret_env
            missing = f"client_secret_env {env} is not set" if env else "no client_secret"
            raise AuthFailed(f"{self.system}: {missing} for the client_credentials grant")
        # A sign-in changes nothing a queued change could have done on the remote.
        untracked = WRITES_SENT.set(None)
        try:
            # Sent again while garbled, as any other answer: the request wrapped around
            # this sign-in retries only what its own send returns. The reason never quotes
            # the body, which may hold the token.
            _, body = await self.http.until_parsed(
                lambda: self.http.request("POST", self.token_url, data=form, idempotent=True),
                garbled=f"{self.system} token endpoint answered with garbage",
                expect=_a_token,
            )
        except WrongShape as error:
            # An empty 200 from a proxy, say: asked again as garbage is, to no avail.
            raise SignInGarbled(
                f"{self.system} token endpoint answered without an access_token",
                status=error.status,
            ) from None
        except BadResponse as error:
            raise SignInGarbled(error.message, status=error.status) from None
        finally:
            WRITES_SENT.reset(untracked)
        access = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(access, str) or not access:
            raise SignInGarbled(
                f"{self.system} token endpoint answered without an access_token"
            )
        if not HEADER_SAFE.fullmatch(access):
            # Sent, every request would fail as unsendable: a queued change refused for
            # the sign-in's fault.
            raise SignInGarbled(
                f"{self.system} token endpoint answered an access_token no request header "
                "can carry (a line break, a control character or a letter outside ASCII)"
            )
        self._token = _token_from(body, access, self._clock())
        if self._on_token is not None:
            self._on_token(access)
        return access


def _a_token(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: a token endpoint's answer, with its
    ``access_token``."""
    access = body.get("access_token") if isinstance(body, dict) else None
    return None if isinstance(access, str) and access else "expected an access_token"


def _token_from(body: dict[str, Any], access: str, now: datetime) -> Token:
    """The held token for a token endpoint answer received at ``now``. A lifetime that is
    no number of seconds ("3600s") counts as one not given: the token is good all the same,
    and a 401 renews it should it end sooner."""
    lifetime = _seconds(body.get("expires_in")) or DEFAULT_LIFETIME
    # Renew a little early so a request never leaves with a token about to expire.
    margin = min(MAX_MARGIN, lifetime / 5)
    # None (also Keycloak's 0 for a refresh token without expiry): tried until refused.
    refresh_life = _seconds(body.get("refresh_expires_in"))
    refresh = body.get("refresh_token")
    return Token(
        access=access,
        expires_at=now + timedelta(seconds=lifetime - margin),
        refresh=refresh if isinstance(refresh, str) and refresh else None,
        refresh_expires_at=(
            now + timedelta(seconds=refresh_life - margin) if refresh_life else None
        ),
    )


MAX_LIFETIME = 366 * 86400.0
"""Longest lifetime taken from an answer: renewed after a year at the latest, and no
datetime overflows however large a number the endpoint sends."""


def _seconds(value: object) -> float | None:
    """A lifetime in seconds as the token endpoint gives it (a number, or a string of one);
    ``None`` when it gives none, or none that reads as a positive number of seconds."""
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        seconds = float(value)
    except (ValueError, OverflowError):  # overflow: an integer past any float
        return None
    if not math.isfinite(seconds) or seconds <= 0:
        return None
    return min(seconds, MAX_LIFETIME)
