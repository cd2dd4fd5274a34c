"""The credentials a request carried, hidden in the text of its answer.

A server, or a proxy in front of it, may quote what it was sent in its error ("token
kh_4f... has expired", "client secret ... does not match"): that text is shown by every
command and the TUI, and kept in the cache with the failure. The credentials of the request
itself are the ones such an answer can hold: its token or API key headers (the sign-in's
access token included), the password, client secret and refresh token of a sign-in's form,
and the signature and session token of a presigned storage link.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote

import httpx

HIDDEN = "***"
"""What stands in the text for a credential."""

PLAIN_HEADERS = frozenset({
    "accept", "accept-encoding", "accept-language", "connection", "content-length",
    "content-type", "host", "transfer-encoding", "user-agent",
})
"""Headers of a request that carry no credential; any other may (Kitehouse's is named in
the config)."""

FORM_SECRETS = frozenset({"password", "client_secret", "refresh_token", "client_assertion"})
"""The fields of a sign-in form (OAuth2) that are secret: the user name and client id are
not, and say which account a refusal is about."""

QUERY_SECRET = re.compile(r"signature|token|credential|^sig$", re.IGNORECASE)
"""Names of a presigned link's query parameters that are secret (S3's ``X-Amz-Signature``
and ``X-Amz-Security-Token``, Azure's ``sig``, Google's ``X-Goog-Signature``)."""

SHORTEST = 4
"""Fewer characters than this are no credential worth hiding, and hiding them would mangle
the words of the text they happen to be in."""

_AUTH_PARAM = re.compile(r'[\w-]+="([^"]*)"')
"""An ``auth-param`` in quotes (Revily's ``Token token="..."``)."""


def hide_sent(text: str, request: httpx.Request) -> str:
    """``text`` (an answer's) with every credential ``request`` carried replaced by
    :data:`HIDDEN`, as sent and URL-encoded."""
    for secret in sorted(sent_secrets(request), key=len, reverse=True):
        for form in {secret, quote(secret, safe="")}:
            text = text.replace(form, HIDDEN)
    return text


def sent_secrets(request: httpx.Request) -> set[str]:
    """The credentials ``request`` carried (see the module docstring)."""
    found: set[str] = set()
    for name, value in request.headers.multi_items():
        if name.lower() not in PLAIN_HEADERS:
            found.update(_credentials(value))
    found.update(v for k, v in request.url.params.multi_items() if QUERY_SECRET.search(k))
    if request.headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        try:
            form = parse_qsl(request.content.decode("utf-8", "replace"))
        except httpx.RequestNotRead:  # a streamed body: no sign-in form
            form = []
        found.update(v for k, v in form if k in FORM_SECRETS)
    return {secret for secret in found if len(secret) >= SHORTEST}


def _credentials(value: str) -> list[str]:
    """The credentials in a header's ``value``: the token after its scheme (``Bearer X``),
    the quoted values of its parameters (``Token token="X"``), or the whole bare value (an
    API key header)."""
    scheme, _, rest = value.strip().partition(" ")
    if not rest.strip():
        return [scheme]
    return _AUTH_PARAM.findall(rest) or rest.split()
