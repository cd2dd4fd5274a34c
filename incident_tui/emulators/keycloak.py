"""The token side of a Keycloak realm, shared by the emulators whose servers sign users in
there (4HSE, AOH IMS): the token endpoint's grants, its refusals and the tokens it issued.

Only what a client sees is emulated: form-encoded requests with the client's credentials in
the form or as HTTP Basic, the password, client_credentials and refresh_token grants, answers
and ``{"error", "error_description"}`` refusals shaped like Keycloak's, and access tokens
shaped like its JWTs (unsigned) so a client can read the claims.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from incident_tui.emulators.server import Request, Response

ACCESS_TTL = 300.0
"""Seconds an issued access token lives (Keycloak's default access token lifespan)."""
REFRESH_TTL = 1800.0
"""Seconds a refresh token lives (Keycloak's default SSO session idle time)."""
GRANTS = frozenset({"password", "client_credentials", "refresh_token"})


class OAuthError(Exception):
    """A token endpoint refusal in Keycloak's shape: ``{"error", "error_description"}``."""

    def __init__(self, status: int, error: str, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.body = {"error": error, "error_description": description}


@dataclass(frozen=True)
class Issued:
    """Who an issued token stands for, for which client, until when."""

    tenant_id: str
    user: str
    username: str
    client_id: str
    expires_at: datetime


@dataclass
class Realm:
    """One OIDC client (confidential unless ``client_secret`` is ``None``), realm users for
    the password grant and, if ``service_account`` is set, the client's service account for
    client_credentials; refresh tokens only for the password grant, as Keycloak does by
    default.

    ``users`` maps a username to ``(password, tenant_id, display name)``; ``service_account``
    is the ``(tenant_id, display name)`` of client_credentials tokens. ``subject`` turns a
    display name into the token's ``sub`` claim.
    """

    client_id: str
    client_secret: str | None
    users: dict[str, tuple[str, str, str]]
    service_account: tuple[str, str] | None = None
    issuer: str = "emulator/realms/demo"
    subject: Callable[[str], str] = str
    token_ttl: float = ACCESS_TTL
    refresh_ttl: float = REFRESH_TTL
    access: dict[str, Issued] = field(default_factory=dict)
    """Access token -> what it stands for."""
    refresh: dict[str, Issued] = field(default_factory=dict)
    """Refresh token -> what it stands for."""
    grants: list[str] = field(default_factory=list)
    """``grant_type`` of every token request that succeeded, in order (for tests)."""

    def issue(
        self, form: Mapping[str, str], basic: tuple[str, str] | None, now: datetime
    ) -> dict[str, Any]:
        """The token endpoint: a Keycloak token answer for ``form`` (client credentials in
        the form or as HTTP Basic ``basic``); :class:`OAuthError` when refused."""
        grant = form.get("grant_type", "")
        if grant not in GRANTS or grant == "client_credentials" and not self.service_account:
            raise OAuthError(400, "unsupported_grant_type", "Unsupported grant_type")
        client_id, secret = basic or (form.get("client_id", ""), form.get("client_secret"))
        confidential = self.client_secret is not None
        if client_id != self.client_id or (confidential and secret != self.client_secret):
            raise OAuthError(401, "invalid_client", "Invalid client or Invalid client credentials")
        if grant == "password":
            user = self.users.get(form.get("username", ""))
            if user is None or form.get("password") != user[0]:
                raise OAuthError(401, "invalid_grant", "Invalid user credentials")
            # expires_at is a placeholder here: _answer sets it per token it issues.
            who = Issued(user[1], user[2], form["username"], client_id, now)
        elif grant == "client_credentials":
            if not confidential:
                raise OAuthError(
                    401, "unauthorized_client",
                    "Public client not allowed to retrieve service account",
                )
            assert self.service_account is not None
            tenant_id, name = self.service_account
            who = Issued(tenant_id, name, name, client_id, now)
        else:
            held = self.refresh.get(form.get("refresh_token", ""))
            if held is None or held.client_id != client_id:
                raise OAuthError(400, "invalid_grant", "Invalid refresh token")
            if held.expires_at <= now:
                raise OAuthError(400, "invalid_grant", "Token is not active")
            who = held
        self.grants.append(grant)
        return self._answer(who, now, with_refresh=grant != "client_credentials")

    def _answer(self, who: Issued, now: datetime, *, with_refresh: bool) -> dict[str, Any]:
        expires = now + timedelta(seconds=self.token_ttl)
        access = _jwt({
            "exp": int(expires.timestamp()), "iat": int(now.timestamp()),
            "jti": uuid.uuid4().hex, "iss": self.issuer, "azp": who.client_id,
            "sub": self.subject(who.user), "name": who.user, "preferred_username": who.username,
            "active_tenant": {"tenant_id": who.tenant_id},
        })
        self.access[access] = replace(who, expires_at=expires)
        answer: dict[str, Any] = {
            "access_token": access, "expires_in": int(self.token_ttl),
            "refresh_expires_in": 0, "token_type": "Bearer", "not-before-policy": 0,
            "scope": "profile email",
        }
        if with_refresh:
            refresh = f"rt-{uuid.uuid4().hex}"
            self.refresh[refresh] = replace(
                who, expires_at=now + timedelta(seconds=self.refresh_ttl)
            )
            answer.update(refresh_token=refresh, refresh_expires_in=int(self.refresh_ttl))
        return answer

    def holder(self, token: str, now: datetime) -> Issued:
        """What a live issued access token stands for; ``LookupError`` with the reason
        otherwise."""
        issued = self.access.get(token)
        if issued is None:
            raise LookupError("invalid access token")
        if issued.expires_at <= now:
            raise LookupError("access token expired")
        return issued

    def expire_all(self) -> None:
        """Invalidate every issued access token, as a server restart or a revocation would
        (refresh tokens stay valid)."""
        self.access.clear()

    def token_endpoint(self, request: Request, now: datetime) -> Response:
        """The HTTP answer of the token endpoint to ``request``."""
        try:
            answer = self.issue(request.form(), basic_auth(request), now)
        except OAuthError as refused:
            return Response.json(refused.body, refused.status)
        # Keycloak forbids caching token answers (RFC 6749 section 5.1).
        return Response.json(answer, headers={"Cache-Control": "no-store", "Pragma": "no-cache"})


def basic_auth(request: Request) -> tuple[str, str] | None:
    """Client id and secret sent as HTTP Basic (Keycloak's client_secret_basic), if any."""
    scheme, _, value = (request.headers.get("Authorization") or "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        return None
    client_id, _, secret = decoded.partition(":")
    return client_id, secret


def b64_json(data: dict[str, Any]) -> str:
    """``data`` as compact JSON in unpadded URL-safe base64 (a JWT segment)."""
    raw = json.dumps(data, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _jwt(claims: dict[str, Any]) -> str:
    """An unsigned token shaped like Keycloak's JWTs, so a client can read the claims."""
    return ".".join((b64_json({"alg": "none", "typ": "JWT"}), b64_json(claims), "emulator"))
