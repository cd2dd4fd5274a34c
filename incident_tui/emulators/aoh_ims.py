"""Loopback emulator of the AGIL Ops Hub IMS incident API (contracts/aoh-ims.md).

Routes, all under ``Authorization: Bearer <token>`` and scoped to the token's tenant:

* ``GET /v1/incident``: ``{data: {incidents, total}, message, sent_at}``, newest first (AOH's
  default ``created_at,DESC``). No parameters: every row (the seed); ``page`` (1-based) and/or
  ``size`` (default 10): that slice, ``total`` still the tenant's count. Invalid values are
  ignored, as the AOH conventions say.
* ``GET|PUT|DELETE /v1/incident/{id}``, ``POST /v1/incident`` (201): PUT is a full replacement
  that needs the current ``occ_lock`` (400 when missing, 409 ``OCC_LOCK_MISMATCH`` when stale).
* ``POST|GET /v1/incident/attributes``, ``DELETE /v1/incident/attributes/{name}``: attribute
  metadata (registered first so it wins over ``/v1/incident/{id}``).
* ``POST|PUT /v1/incident/{id}/attributes`` ``{name, value}``: attribute values, coerced to
  the metadata type; a ``null`` value clears one. POST initialises a value not set, PUT edits
  one set; the other way round is 409 (``ATTRIBUTE_ALREADY_SET``, ``ATTRIBUTE_NOT_SET``).
* ``POST|GET /v1/incident/{id}/comments``, ``DELETE /v1/incident/{id}/comments/{commentId}``
  (the id may also come as ``?id=`` or a ``{"id"}`` body on ``.../comments``).

Errors use the AOH module format ``{message, sent_at, errors: [{message}], data: null}``; an
incident id in a path that is not a UUID is bad input (400 ``id is not a uuid``, §3), an
unknown one 404.
The attribute and comment routes are in :mod:`incident_tui.emulators.aoh_ims_attributes` and
:mod:`incident_tui.emulators.aoh_ims_comments`; what every route shares (caller, envelope,
errors) in :mod:`incident_tui.emulators.aoh_ims_requests`.

Tokens are the configured static ones or those the emulated Keycloak realm ``aoh`` issues at
``POST /realms/aoh/protocol/openid-connect/token`` (form-encoded; password, client_credentials
and refresh_token grants; Keycloak's ``{error, error_description}`` refusals, see
:class:`~incident_tui.emulators.keycloak.Realm`). Issued tokens expire on the emulator
clock after ``token_ttl`` seconds, or at once with :meth:`AohImsEmulator.expire_tokens`.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Literal

from incident_tui.emulators.aoh_ims_attributes import AttributeRoutes
from incident_tui.emulators.aoh_ims_comments import CommentRoutes
from incident_tui.emulators.aoh_ims_data import (
    DEFAULT_ATTRIBUTES,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_PASSWORD,
    DEFAULT_TENANT,
    DEFAULT_TOKEN,
    DEFAULT_USER,
    DEFAULT_USERNAME,
    OPTIONAL_DEFAULTS,
    REALM_TOKEN_PATH,
    SERVICE_ACCOUNT_USER,
    Tenant,
    Vocabulary,
    new_uuid,
    rfc3339,
    sample_row,
    token_table,
    user_id,
    validate_incident,
)
from incident_tui.emulators.aoh_ims_requests import Row
from incident_tui.emulators.keycloak import ACCESS_TTL, REFRESH_TTL, Realm
from incident_tui.emulators.sample import sample_incidents
from incident_tui.emulators.server import Clock, HttpError, Request, Response, utc_now

__all__ = [
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_PASSWORD",
    "DEFAULT_TENANT",
    "DEFAULT_TOKEN",
    "DEFAULT_USER",
    "DEFAULT_USERNAME",
    "REALM_TOKEN_PATH",
    "SERVICE_ACCOUNT_USER",
    "AohImsEmulator",
    "SignIn",
]

SignIn = Literal["token", "client_credentials", "password"]
"""How a :meth:`AohImsEmulator.remote_config` remote authenticates."""


class AohImsEmulator(AttributeRoutes, CommentRoutes):
    """The AOH IMS module's ``/v1/incident`` API, multi-tenant, with ``occ_lock`` checks.

    Options beyond the common ones: ``tokens`` (``{token: (tenant_id, user_name)}``, default
    :data:`DEFAULT_TOKEN` for :data:`DEFAULT_USER` in :data:`DEFAULT_TENANT`); the code tables
    ``statuses``/``types``/``severities``/``resolved_statuses``; ``attributes`` (initial
    metadata, name to type); ``attribute_writes_bump_lock`` (attribute value writes bump
    ``occ_lock`` like an update); and knobs for client edge cases: ``default_size`` (a request
    without ``page``/``size`` gets only that many rows), ``max_size`` (cap on ``size``),
    ``paging=False`` (``page``/``size`` ignored) and ``get_route=False`` (no get-one route: 405).
    The Keycloak realm takes ``client_id``, ``client_secret`` (``None``: a public client),
    ``users`` (``{username: (password, tenant_id, user_name)}``), ``token_ttl`` and
    ``refresh_ttl``; :attr:`realm` holds what it issued and ``realm.grants`` the grants made.
    """

    kind = "aoh_ims"

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        sample: int = 0,
        seed: int = 7,
        tokens: Mapping[str, tuple[str, str]] | None = None,
        statuses: Sequence[str] | None = None,
        types: Sequence[str] | None = None,
        severities: Sequence[str] | None = None,
        resolved_statuses: Sequence[str] | None = None,
        attributes: Mapping[str, str] | None = None,
        attribute_writes_bump_lock: bool = False,
        default_size: int | None = None,
        max_size: int | None = None,
        paging: bool = True,
        get_route: bool = True,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str | None = DEFAULT_CLIENT_SECRET,
        users: Mapping[str, tuple[str, str, str]] | None = None,
        token_ttl: float = ACCESS_TTL,
        refresh_ttl: float = REFRESH_TTL,
    ) -> None:
        defaults = Vocabulary()
        self.vocab = Vocabulary(
            statuses=tuple(statuses) if statuses else defaults.statuses,
            types=tuple(types) if types else defaults.types,
            severities=tuple(severities) if severities is not None else defaults.severities,
            resolved=frozenset(resolved_statuses) if resolved_statuses else defaults.resolved,
        )
        self.tokens = token_table(tokens)
        self.realm = Realm(
            client_id=client_id, client_secret=client_secret,
            users=dict(users) if users is not None else {
                DEFAULT_USERNAME: (DEFAULT_PASSWORD, DEFAULT_TENANT, DEFAULT_USER)
            },
            service_account=(DEFAULT_TENANT, SERVICE_ACCOUNT_USER),
            issuer="emulator/realms/aoh", subject=user_id,
            token_ttl=token_ttl, refresh_ttl=refresh_ttl,
        )
        self.attribute_meta: dict[str, str] = dict(
            DEFAULT_ATTRIBUTES if attributes is None else attributes
        )
        self.attribute_writes_bump_lock = attribute_writes_bump_lock
        self.default_size = default_size
        self.max_size = max_size
        self.paging = paging
        self.get_route = get_route
        self.tenants: dict[str, Tenant] = {}
        self._rng = random.Random(seed)
        self._seq = 0
        super().__init__(clock=clock)
        if sample:
            now = self.clock()
            for item in sample_incidents(sample, now=now, seed=seed):
                self._seq += 1 + len(item.comments)
                row, comments = sample_row(
                    item, now=now, rng=self._rng, tenant=DEFAULT_TENANT, seq=self._seq
                )
                tenant = self.tenant(DEFAULT_TENANT)
                tenant.add(row)
                if comments:
                    tenant.comments[row["id"]] = {c["id"]: c for c in comments}

    # Routes and config ---------------------------------------------------------------------

    def routes(self) -> None:
        """Register the endpoints; the attribute-metadata routes come first so they win."""
        add = self.router.add
        add("POST", REALM_TOKEN_PATH, self.issue_token)
        add("GET", "/v1/incident/attributes", self.list_attribute_meta)
        add("POST", "/v1/incident/attributes", self.create_attribute_meta)
        add("PUT", "/v1/incident/attributes", self.not_allowed)
        add("DELETE", "/v1/incident/attributes", self.not_allowed)
        add("DELETE", "/v1/incident/attributes/{name}", self.delete_attribute_meta)
        add("GET", "/v1/incident", self.list_incidents)
        add("POST", "/v1/incident", self.create_incident)
        add("GET", "/v1/incident/{incidentId}", self.get_incident)
        add("PUT", "/v1/incident/{incidentId}", self.update_incident)
        add("DELETE", "/v1/incident/{incidentId}", self.delete_incident)
        add("POST", "/v1/incident/{incidentId}/attributes", self.set_attribute)
        add("PUT", "/v1/incident/{incidentId}/attributes", self.set_attribute)
        add("GET", "/v1/incident/{incidentId}/comments", self.list_comments)
        add("POST", "/v1/incident/{incidentId}/comments", self.add_comment)
        add("DELETE", "/v1/incident/{incidentId}/comments", self.delete_comment)
        add("DELETE", "/v1/incident/{incidentId}/comments/{commentId}", self.delete_comment)

    def remote_config(self, name: str, *, sign_in: SignIn = "token") -> dict[str, Any]:
        """Config for an ``aoh_ims`` remote pointed at this emulator: the default static
        token, or Keycloak sign-in as the client's service account (``client_credentials``)
        or as the first realm user (``password``)."""
        config: dict[str, Any] = {"kind": "aoh_ims", "name": name, "base_url": self.base_url}
        if sign_in == "token":
            token = DEFAULT_TOKEN if DEFAULT_TOKEN in self.tokens else next(iter(self.tokens))
            return {**config, "token": token}
        config.update(token_url=self.base_url + REALM_TOKEN_PATH, client_id=self.realm.client_id)
        if self.realm.client_secret is not None:
            config["client_secret"] = self.realm.client_secret
        if sign_in == "password":
            username, (password, _, _) = next(iter(self.realm.users.items()))
            config.update(username=username, password=password)
        return config

    # Incidents -----------------------------------------------------------------------------

    def list_incidents(self, request: Request) -> Response:
        """The tenant's incidents, newest first, paged only when asked."""
        tenant_id, _ = self.caller(request)
        rows = self.tenant(tenant_id).rows()
        total = len(rows)
        page_arg, size_arg = request.arg("page"), request.arg("size")
        if self.paging and (page_arg is not None or size_arg is not None):
            page = _positive(page_arg, 1)
            size = _positive(size_arg, 10)
        elif self.default_size:
            page, size = 1, self.default_size
        else:
            page, size = 1, max(total, 1)
        if self.max_size:
            size = min(size, self.max_size)
        # Newest first over an oldest-first list: slice from the end, then reverse.
        stop = max(total - (page - 1) * size, 0)
        start = max(stop - size, 0)
        chosen = rows[start:stop][::-1]
        return self._ok({"incidents": chosen, "total": total}, "incidents retrieved")

    def get_incident(self, request: Request) -> Response:
        """One incident in the envelope (405 when ``get_route`` is off)."""
        if not self.get_route:
            raise self.fail(405, "method not allowed")
        _, row, _ = self._find(request)
        return self._ok(row, "incident retrieved")

    def create_incident(self, request: Request) -> Response:
        """Create from the required fields; the server fills id, lock, tenant and audit."""
        tenant_id, user = self.caller(request)
        fields, errors = validate_incident(self._body(request), self.vocab)
        if errors:
            raise self._invalid(errors)
        stamp = self._stamp()
        row: Row = {"id": new_uuid(self._rng), **fields, "attributes": None}
        self._settle_resolved(row, None)
        row.update(
            created_at=stamp, created_by=user, updated_at=stamp, updated_by=user,
            tenant_id=tenant_id, occ_lock=0,
        )
        self.tenant(tenant_id).add(row)
        return self._ok(row, "incident created", 201)

    def update_incident(self, request: Request) -> Response:
        """Full replacement guarded by ``occ_lock``."""
        _, row, user = self._find(request)
        body = self._body(request)
        fields, errors = validate_incident(body, self.vocab)
        lock = body.get("occ_lock") if isinstance(body, dict) else None
        if lock is None:
            errors.append("occ_lock is required")
        elif isinstance(lock, bool) or not isinstance(lock, int):
            errors.append("occ_lock must be an integer")
        if errors:
            raise self._invalid(errors)
        if lock != row["occ_lock"]:
            raise HttpError(
                409,
                self._error(
                    "occ_lock mismatch",
                    [f"expected occ_lock {row['occ_lock']}, got {lock}"],
                    errorCode="OCC_LOCK_MISMATCH",
                ),
            )
        previous = row.get("resolved_date")
        row.update(fields)
        self._settle_resolved(row, previous)
        row.update(occ_lock=row["occ_lock"] + 1, updated_at=self._stamp(), updated_by=user)
        return self._ok(row, "incident updated")

    def _settle_resolved(self, row: Row, previous: str | None) -> None:
        # A resolved status always has a resolved_date (kept, else now); others never do.
        if row["status"] in self.vocab.resolved:
            if not row.get("resolved_date"):
                row["resolved_date"] = previous or rfc3339(self.clock())
        else:
            row["resolved_date"] = None

    def delete_incident(self, request: Request) -> Response:
        """Delete an incident and its comments."""
        tenant, row, _ = self._find(request)
        tenant.remove(row["id"])
        return self._ok(None, "Incident deleted")

    # Test helpers --------------------------------------------------------------------------

    def add(self, tenant_id: str = DEFAULT_TENANT, **fields: Any) -> Row:
        """Insert an incident directly (defaults fill what is not given); returns it."""
        with self.lock:
            return self._insert(tenant_id, fields)

    def _insert(self, tenant_id: str, fields: dict[str, Any]) -> Row:
        stamp = self._stamp()
        row: Row = {
            "id": new_uuid(self._rng),
            "name": "Emulator incident",
            "status": "NEW",
            "type": "OTHERS",
            "date": rfc3339(self.clock()),
            "description": "Inserted by the emulator.",
            "reported_by": DEFAULT_USER,
            "attributes": None,
            **OPTIONAL_DEFAULTS,
            "created_at": stamp,
            "created_by": DEFAULT_USER,
            "updated_at": stamp,
            "updated_by": DEFAULT_USER,
            "tenant_id": tenant_id,
            "occ_lock": 0,
            **fields,
        }
        self.tenant(tenant_id).add(row)
        return row

    def touch(self, incident_id: str, *, by: str = "Someone Else", **changes: Any) -> Row:
        """Change an incident as another user would: apply ``changes``, bump ``occ_lock``."""
        with self.lock:
            for tenant in self.tenants.values():
                row = tenant.incidents.get(incident_id)
                if row is not None:
                    row.update(changes)
                    row.update(
                        occ_lock=row["occ_lock"] + 1, updated_at=self._stamp(), updated_by=by
                    )
                    return row
        raise KeyError(incident_id)

    def expire_tokens(self) -> None:
        """Invalidate every access token the realm issued (refresh tokens stay valid)."""
        with self.lock:
            self.realm.expire_all()

    def row(self, incident_id: str, tenant_id: str = DEFAULT_TENANT) -> Row | None:
        """The stored incident, or ``None``."""
        with self.lock:
            return self.tenant(tenant_id).incidents.get(incident_id)


def _positive(value: str | None, default: int) -> int:
    """A positive integer query value, else the default (invalid values are ignored)."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default
