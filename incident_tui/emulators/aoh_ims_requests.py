"""What every route of the AOH IMS emulator shares: the caller a bearer token names (a static
token or one the emulated Keycloak realm issued) and that caller's tenant, the incident a path
names, the JSON body, and the answer formats: the ``{data, message, sent_at}`` envelope and the
AOH module error format ``{message, sent_at, errors: [{message}], data: null}``.

The routes themselves live in :mod:`incident_tui.emulators.aoh_ims` (incidents),
:mod:`incident_tui.emulators.aoh_ims_attributes` and :mod:`incident_tui.emulators.aoh_ims_comments`.
"""

from __future__ import annotations

import random
import re
from typing import Any

from incident_tui.emulators.aoh_ims_data import Tenant, rfc3339, rfc3339_nano
from incident_tui.emulators.keycloak import Realm
from incident_tui.emulators.server import Emulator, HttpError, Request, Response

Row = dict[str, Any]

_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
"""An incident id's form; any other id in a path is bad input (§3: 400 "id is not a uuid")."""


class ImsRequests(Emulator):
    """Reading AOH IMS requests and answering them; the state is set up by the emulator."""

    tokens: dict[str, tuple[str, str]]
    """The static tokens: ``{token: (tenant_id, user_name)}``."""
    realm: Realm
    tenants: dict[str, Tenant]
    _rng: random.Random
    _seq: int

    def error_body(self, status: int, message: str) -> Any:
        """The AOH module error format."""
        return self._error(message, [message])

    def _error(self, message: str, errors: list[str], **extra: Any) -> Row:
        return {
            "message": message,
            "sent_at": rfc3339(self.clock()),
            "errors": [{"message": text} for text in errors],
            "data": None,
            **extra,
        }

    def _invalid(self, errors: list[str]) -> HttpError:
        return HttpError(400, self._error("invalid request", errors))

    def _ok(self, data: Any, message: str, status: int = 200) -> Response:
        return Response.json(
            {"data": data, "message": message, "sent_at": rfc3339(self.clock())}, status
        )

    def _stamp(self) -> str:
        # A sequence number fills the sub-microsecond digits: stamps stay unique and show
        # the nanosecond precision of the real server even under a frozen test clock.
        self._seq += 1
        return rfc3339_nano(self.clock(), self._seq)

    def tenant(self, tenant_id: str) -> Tenant:
        """A tenant's storage, created on first use."""
        return self.tenants.setdefault(tenant_id, Tenant())

    def caller(self, request: Request) -> tuple[str, str]:
        """The ``(tenant_id, user_name)`` of the request's bearer token: a static one or a
        live one the realm issued; 401 otherwise."""
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.strip().partition(" ")
        challenge = {"WWW-Authenticate": 'Bearer realm="aoh"'}
        if scheme.lower() != "bearer" or not token.strip():
            raise HttpError(401, self._error("unauthorized", ["missing access token"]), challenge)
        who = self.tokens.get(token.strip())
        if who is not None:
            return who
        try:
            issued = self.realm.holder(token.strip(), self.clock())
        except LookupError as problem:
            raise HttpError(401, self._error("unauthorized", [str(problem)]), challenge) from None
        return issued.tenant_id, issued.user

    def issue_token(self, request: Request) -> Response:
        """The realm's token endpoint (form-encoded, like Keycloak's)."""
        return self.realm.token_endpoint(request, self.clock())

    def _find(self, request: Request) -> tuple[Tenant, Row, str]:
        tenant_id, user = self.caller(request)
        tenant = self.tenant(tenant_id)
        incident_id = request.params["incidentId"]
        if not _UUID.match(incident_id):
            raise self.fail(400, "id is not a uuid")
        row = tenant.incidents.get(incident_id)
        if row is None:
            raise self.fail(404, "incident not found")
        return tenant, row, user

    def _body(self, request: Request) -> Any:
        try:
            return request.json()
        except HttpError:
            raise self._invalid(["request body is not valid JSON"]) from None

    def not_allowed(self, request: Request) -> Response:
        """A method the path does not support."""
        raise self.fail(405, "method not allowed")
