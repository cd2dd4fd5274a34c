"""Emulator of the 4HSE Incident API v2 (contracts/fourhse.md), a Yii2-style REST service.

* ``POST /v2/incident/index`` (JSON ``filter``/``per-page``/``page``/``sort``/``history``) answers
  a bare array with ``X-Pagination-*`` headers; ``per-page`` is capped at 100.
* ``create`` (201), ``view``, ``update`` (partial merge, 200) and ``delete`` (``force``) take the
  id in the path or as ``?id=``; the same five operations exist for the child resources
  ``incident-person``, ``incident-resource`` and ``incident-action``.
* Errors are Yii2's: ``{"name","message","code","status"}``, and 422 with ``[{"field","message"}]``.
* Auth is ``Authorization: Bearer`` or ``?access-token=``, with tokens from the fixed list or from
  the OAuth2 endpoint ``POST /token`` (password and refresh_token grants, Keycloak-style bodies).
  Issued access tokens expire after ``token_ttl`` seconds of the emulator clock.

There is no ``updated_at`` anywhere, as on the real service.
"""

from __future__ import annotations

import contextlib
import json
import uuid
from collections.abc import Callable, Iterable
from typing import Any

from incident_tui.emulators.fourhse_data import (
    DEFAULT_CLIENT_ID,
    DEFAULT_PASSWORD,
    DEFAULT_SUBTENANT_ID,
    DEFAULT_TENANT_ID,
    DEFAULT_TOKEN,
    DEFAULT_USERNAME,
)
from incident_tui.emulators.fourhse_listing import (
    matching,
    pagination_headers,
    paging,
    ties_turned,
)
from incident_tui.emulators.fourhse_render import (
    CreatedAtFormat,
    format_created,
    joined,
    local_day,
)
from incident_tui.emulators.fourhse_requests import as_int, json_body, request_id, yii2_error
from incident_tui.emulators.fourhse_resources import (
    ACTION,
    CHILDREN,
    EDITABLE,
    INCIDENT,
    KEYS,
    LABELS,
    PERSON,
    RESOURCE,
    blank,
    label,
    validate,
)
from incident_tui.emulators.fourhse_sample import build_sample
from incident_tui.emulators.keycloak import Realm
from incident_tui.emulators.server import Clock, Emulator, HttpError, Request, Response, utc_now


class FourhseEmulator(Emulator):
    """4HSE Incident API v2 on loopback; see the module docstring for the surface."""

    kind = "fourhse"

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        sample: int = 0,
        seed: int = 7,
        foreign: int | None = None,
        tokens: Iterable[str] = (DEFAULT_TOKEN,),
        username: str = DEFAULT_USERNAME,
        password: str = DEFAULT_PASSWORD,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str | None = None,
        token_ttl: float = 300.0,
        validate_category: bool = True,
        pagination_headers: bool = True,
        created_at_format: CreatedAtFormat = "datetime",
        unstable_ties: bool = False,
    ) -> None:
        """``sample`` incidents go to the default office, ``foreign`` (default ``sample // 5``,
        at most 50) to other offices; ``validate_category=False`` accepts free-text categories
        (older docs); ``pagination_headers=False`` drops the ``X-Pagination-*`` headers;
        ``unstable_ties=True`` lists rows sharing their ``sort`` value in another order on
        every other ``index`` request, as a database paging a non-unique order may."""
        super().__init__(clock=clock)
        self.tokens = set(tokens)
        self.username, self.password = username, password
        self.client_id, self.client_secret = client_id, client_secret
        self.realm = Realm(
            client_id=client_id, client_secret=client_secret,
            users={username: (password, "", username)}, issuer="emulator/realms/4hse",
            token_ttl=token_ttl,
        )
        """The Keycloak realm behind ``/token`` (the password and refresh_token grants)."""
        self.validate_category = validate_category
        self.pagination_headers = pagination_headers
        self.created_at_format: CreatedAtFormat = created_at_format
        self.unstable_ties = unstable_ties
        self._index_requests = 0
        self.rows: dict[str, dict[str, dict[str, Any]]] = {r: {} for r in (INCIDENT, *CHILDREN)}
        """Stored rows per resource, insertion ordered; joined fields are added on output."""
        self.by_incident: dict[str, dict[str, dict[str, None]]] = {r: {} for r in CHILDREN}
        """Child resource -> office_incident_id -> ordered set of child ids."""
        self.historic: set[str] = set()
        """Historicized incidents: listed only with ``history``."""
        self._codes: dict[str, int] = {}
        self._generation = 0
        self._listings: dict[str, tuple[int, list[str]]] = {}
        data = build_sample(
            sample, now=self.clock(), seed=seed,
            foreign=min(sample // 5, 50) if foreign is None else foreign,
            created_at_format=created_at_format,
        )
        for resource, rows in (
            (INCIDENT, data.incidents), (PERSON, data.people),
            (RESOURCE, data.resources), (ACTION, data.actions),
        ):
            for row in rows:
                self._store(resource, row)

    # Framework hooks ---------------------------------------------------------------------

    def routes(self) -> None:
        """Register ``/token`` and the five operations of every resource."""
        add = self.router.add
        add("POST", "/token", self._token)
        for resource in (INCIDENT, *CHILDREN):
            base = f"/v2/{resource}"
            add("POST", f"{base}/index", self._guarded(resource, self._index))
            add("POST", f"{base}/create", self._guarded(resource, self._create))
            for op, methods, handler in (
                ("view", ("GET",), self._view),
                ("update", ("PUT", "PATCH"), self._update),
                ("delete", ("DELETE",), self._delete),
            ):
                for method in methods:
                    add(method, f"{base}/{op}/{{id}}", self._guarded(resource, handler))
                    add(method, f"{base}/{op}", self._guarded(resource, handler))

    def error_body(self, status: int, message: str) -> Any:
        """Yii2's error object."""
        return yii2_error(status, message)

    def remote_config(self, name: str) -> dict[str, Any]:
        """A ``fourhse`` remote for this emulator, signing in with the OAuth2 password flow."""
        return {
            "kind": "fourhse", "name": name, "base_url": self.base_url,
            "tenant_id": DEFAULT_TENANT_ID, "subtenant_id": DEFAULT_SUBTENANT_ID,
            "username": self.username, "password": self.password, "client_id": self.client_id,
            "token_url": f"{self.base_url}/token",
        }

    # Test helpers ------------------------------------------------------------------------

    def add(self, **fields: Any) -> dict[str, Any]:
        """Insert an incident directly (defaults: the default office, status new, today)."""
        with self.lock:
            now = self.clock()
            row: dict[str, Any] = {field: None for field in EDITABLE[INCIDENT]}
            row.update(
                office_incident_id=str(uuid.uuid4()), name="Added incident",
                date_incident=local_day(now), status="new",
                tenant_id=DEFAULT_TENANT_ID, subtenant_id=DEFAULT_SUBTENANT_ID,
                creator="emulator", created_at=format_created(now, self.created_at_format),
            )
            row.update(fields)
            if blank(row["code"]):
                row["code"] = f"INC-{self._codes.get(str(row['subtenant_id']), 0) + 1:04d}"
            return self._store(INCIDENT, row)

    def touch(self, incident_id: str, **changes: Any) -> dict[str, Any]:
        """Change an incident as someone else would (default: append to the actions taken)."""
        with self.lock:
            row = self.rows[INCIDENT][incident_id]
            if not changes:
                taken = row.get("description_actions_involved") or ""
                changes = {"description_actions_involved": (taken + " Follow-up done.").strip()}
            row.update(changes)
            self._generation += 1
            return row

    def historicize(self, incident_id: str) -> None:
        """Mark an incident inactive: ``index`` then lists it only with ``history``."""
        with self.lock:
            self.historic.add(incident_id)
            self._generation += 1

    @property
    def grants(self) -> list[str]:
        """``grant_type`` of every token request that succeeded, in order (for tests)."""
        return self.realm.grants

    def expire_tokens(self) -> None:
        """Invalidate every issued access token (refresh tokens stay valid)."""
        with self.lock:
            self.realm.expire_all()

    def incident(self, incident_id: str) -> dict[str, Any]:
        """An incident as the API would show it (with joined fields)."""
        with self.lock:
            return self._out(INCIDENT, self.rows[INCIDENT][incident_id])

    # Storage -----------------------------------------------------------------------------

    def _store(self, resource: str, row: dict[str, Any]) -> dict[str, Any]:
        key = str(row[KEYS[resource]])
        self.rows[resource][key] = row
        if resource == INCIDENT:
            code = str(row.get("code") or "")
            if code.startswith("INC-") and code[4:].isdigit():
                office = str(row.get("subtenant_id"))
                self._codes[office] = max(self._codes.get(office, 0), int(code[4:]))
        else:
            self.by_incident[resource].setdefault(str(row["office_incident_id"]), {})[key] = None
        self._generation += 1
        return row

    def _remove(self, resource: str, key: str) -> None:
        row = self.rows[resource].pop(key)
        if resource == INCIDENT:
            self.historic.discard(key)
            for child in CHILDREN:
                for child_key in list(self.by_incident[child].pop(key, {})):
                    self.rows[child].pop(child_key, None)
        else:
            self.by_incident[resource].get(str(row["office_incident_id"]), {}).pop(key, None)
        self._generation += 1

    def _children_of(self, resource: str, incident_id: str) -> list[dict[str, Any]]:
        rows = self.rows[resource]
        return [rows[key] for key in self.by_incident[resource].get(incident_id, {})]

    # Auth --------------------------------------------------------------------------------

    def _guarded(
        self, resource: str, handler: Callable[[str, Request], Response]
    ) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            self._authenticate(request)
            return handler(resource, request)

        return run

    def _authenticate(self, request: Request) -> str:
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            token = request.arg("access-token") or ""
        token = token.strip()
        if token in self.tokens:
            return "api"
        with contextlib.suppress(LookupError):
            return self.realm.holder(token, self.clock()).username
        raise self.fail(
            401, "Your request was made with invalid credentials.",
            {"WWW-Authenticate": 'Bearer realm="api"'},
        )

    def _token(self, request: Request) -> Response:
        return self.realm.token_endpoint(request, self.clock())

    # Handlers ----------------------------------------------------------------------------

    def _find(self, resource: str, key: str) -> dict[str, Any]:
        row = self.rows[resource].get(key)
        if row is None:
            what = "Incident" if resource == INCIDENT else LABELS[resource]
            raise self.fail(404, f"{what} not found: {key}")
        return row

    def _index(self, resource: str, request: Request) -> Response:
        body = json_body(request)
        flt = body.get("filter") or {}
        if not isinstance(flt, dict):
            raise HttpError(422, [{"field": "filter", "message": "Filter is invalid."}])
        page, per_page = paging(body, request)
        sort = str(body.get("sort") or "")
        ids = self._listing(resource, flt, sort, bool(body.get("history")))
        rows = self.rows[resource]
        if self.unstable_ties:
            self._index_requests += 1
            if self._index_requests % 2 == 0:
                ids = ties_turned(rows, ids, sort)
        chunk = ids[(page - 1) * per_page : page * per_page]
        headers = pagination_headers(page, per_page, len(ids)) if self.pagination_headers else {}
        return Response.json([self._out(resource, rows[key]) for key in chunk], headers=headers)

    def _listing(self, resource: str, flt: dict[str, Any], sort: str, history: bool) -> list[str]:
        """The ids matching a query; cached until the next write so paging stays O(page)."""
        cache_key = json.dumps([resource, flt, sort, history], sort_keys=True, default=str)
        cached = self._listings.get(cache_key)
        if cached and cached[0] == self._generation:
            return cached[1]
        rows = self.rows[resource]
        parent = flt.get("office_incident_id")
        if resource != INCIDENT and isinstance(parent, str):
            candidates: Iterable[str] = list(self.by_incident[resource].get(parent, {}))
        else:
            candidates = rows
        ids = matching(rows, candidates, flt, sort, history=history, historic=self.historic)
        if len(self._listings) > 32:
            self._listings.clear()
        self._listings[cache_key] = (self._generation, ids)
        return ids

    def _create(self, resource: str, request: Request) -> Response:
        body = json_body(request)
        key = str(body.get(KEYS[resource]) or uuid.uuid4())
        row: dict[str, Any] = {KEYS[resource]: key}
        row.update({field: body.get(field) for field in EDITABLE[resource]})
        errors = self._validate(resource, row)
        if key in self.rows[resource]:
            errors.insert(0, {
                "field": KEYS[resource],
                "message": f'{label(KEYS[resource])} "{key}" has already been taken.',
            })
        if errors:
            raise HttpError(422, errors)
        if resource == INCIDENT:
            row["status"] = row["status"] or "new"
            if blank(row["code"]):
                office = str(row["subtenant_id"])
                row["code"] = f"INC-{self._codes.get(office, 0) + 1:04d}"
            token_user = self._authenticate(request)
            row["creator"] = self.username if token_user == "api" else token_user
            row["created_at"] = format_created(self.clock(), self.created_at_format)
        elif resource == PERSON:
            row["days"] = as_int(row.get("days"), 0)
        elif resource == ACTION:
            row["entity_type"] = row["entity_type"] or "ACTION"
        self._store(resource, row)
        return Response.json(self._out(resource, row), 201)

    def _view(self, resource: str, request: Request) -> Response:
        return Response.json(self._out(resource, self._find(resource, request_id(request))))

    def _update(self, resource: str, request: Request) -> Response:
        row = self._find(resource, request_id(request))
        body = json_body(request)
        merged = {**row, **{k: v for k, v in body.items() if k in EDITABLE[resource]}}
        errors = self._validate(resource, merged)
        if errors:
            raise HttpError(422, errors)
        if resource != INCIDENT and merged["office_incident_id"] != row["office_incident_id"]:
            self._remove(resource, str(row[KEYS[resource]]))
        row.update(merged)
        self._store(resource, row)
        return Response.json(self._out(resource, row))

    def _delete(self, resource: str, request: Request) -> Response:
        key = request_id(request)
        self._find(resource, key)
        force = (request.arg("force") or "").lower() in ("1", "true", "yes")
        if resource == INCIDENT and not force:
            related = {
                LABELS[child]: list(self.by_incident[child].get(key, {})) for child in CHILDREN
            }
            if any(related.values()):
                return Response.json({
                    "message": "Incident has related entities. Use force=true to delete them too.",
                    "related": related,
                }, 400)
        self._remove(resource, key)
        return Response.empty(204)

    def _validate(self, resource: str, row: dict[str, Any]) -> list[dict[str, str]]:
        return validate(
            resource, row, incidents=self.rows[INCIDENT], categories=self.validate_category
        )

    def _out(self, resource: str, row: dict[str, Any]) -> dict[str, Any]:
        """The row with its read-only joined fields."""
        if resource == INCIDENT:
            return joined(
                resource, row, row, self._children_of(PERSON, str(row["office_incident_id"]))
            )
        incident = self.rows[INCIDENT].get(str(row.get("office_incident_id")), {})
        return joined(resource, row, incident, [])
