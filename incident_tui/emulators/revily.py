"""Emulator of the Revily (Reveille) v1 on-call API, faithful to contracts/revily.md.

Paths are served at the root (the 2013 hosted API) and under ``/api`` (self-hosted HEAD).
User requests authenticate with ``Authorization: Token token="<t>"`` (quotes required) or
``?auth_token=<t>``; the integration endpoints ``PUT /trigger`` and ``PUT /resolve`` take a
service token in the header. Listings are bare arrays without pagination, as the seed shows,
unless ``per_page`` is given: then ``?page=N`` pages them with ``Link`` and ``Total`` headers,
as HEAD's api-pagination does. The server's own timers run only with ``automatic=True``, on
the injected clock: an acknowledged incident re-triggers after the service's
``acknowledge_timeout``; a triggered incident escalates to the next rule of its policy after
the current rule's ``escalation_timeout`` (looping round the rules until another loop would
reach the policy's ``escalation_loop_limit``) and auto-resolves after the service's
``auto_resolve_timeout``. ``head_fields`` also serves HEAD's event log and ``?expand=``
(:mod:`revily_events`). The accounts, services and incident record live in
:mod:`revily_data`, the state machine and those timers in :mod:`revily_lifecycle`, the
services, users and policies routes in :mod:`revily_directory` and the reading of Rails params
in :mod:`revily_requests`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from functools import partial
from typing import Any

from incident_tui.emulators import revily_directory as directory
from incident_tui.emulators import revily_events as head
from incident_tui.emulators.revily_data import (
    DEFAULT_SERVICE_ID,
    DEFAULT_TOKEN,
    USERS,
    Row,
    Service,
    default_services,
    new_id,
    new_key,
    rows_from_sample,
)
from incident_tui.emulators.revily_lifecycle import TRANSITIONS, escalate, expire
from incident_tui.emulators.revily_requests import (
    as_text,
    details_param,
    form_value,
    invalid,
    pagination_headers,
    positive_int,
    request_params,
)
from incident_tui.emulators.sample import sample_incidents
from incident_tui.emulators.server import Clock, Emulator, Request, Response, utc_now

__all__ = ["DEFAULT_SERVICE_ID", "DEFAULT_TOKEN", "UNAUTHORIZED", "RevilyEmulator"]

UNAUTHORIZED = "You need to sign in or sign up before continuing."
"""Devise's 401 message."""

_TOKEN_HEADER = re.compile(r'^Token token="(.+)"$')
"""The header strategy's exact pattern: without the quotes it does not match."""

RouteHandler = Callable[[Request, str, str], Response]
"""A handler that also gets the path prefix (``""`` or ``"/api"``) and the principal's id."""


class RevilyEmulator(Emulator):
    """In-memory Revily: incidents, services, users, policies and the integration API.

    ``head_fields`` adds HEAD's ``created_at``, ``details``, ``escalation_loop_count``,
    ``current_user_id`` and ``current_policy_rule_id`` to the incident JSON (the seed shape
    has none of them). ``per_page`` turns on HEAD's pagination. ``automatic`` runs the
    server's timers against ``clock``: the acknowledge-timeout re-trigger, the escalation of
    triggered incidents along their policy's rules (up to ``escalation_loop_limit`` loops)
    and the auto-resolve. Acknowledged incidents do not escalate; a re-triggered one starts
    its current rule's ``escalation_timeout`` afresh.
    """

    kind = "revily"

    def __init__(
        self,
        *,
        clock: Clock = utc_now,
        sample: int = 0,
        seed: int = 7,
        per_page: int | None = None,
        head_fields: bool = False,
        automatic: bool = False,
    ) -> None:
        super().__init__(clock=clock)
        self.rng = random.Random(seed)
        self.per_page = per_page
        self.head_fields = head_fields
        self.automatic = automatic
        self.services: dict[str, Service] = {s.id: s for s in default_services()}
        self.users: dict[str, tuple[str, str]] = {uid: (email, tok) for uid, email, tok in USERS}
        self._user_tokens = {tok: uid for uid, _email, tok in USERS}
        self.incidents: dict[str, Row] = {}
        self.order: list[str] = []
        """Incident ids oldest first: the order every listing uses."""
        if sample:
            generated = sample_incidents(sample, now=self.clock(), seed=seed)
            for row in rows_from_sample(generated, list(self.services.values()), self.rng):
                self._store(row)

    # Test helpers ------------------------------------------------------------------------

    def remote_config(self, name: str) -> dict[str, Any]:
        """Config for a ``revily`` remote pointed at this emulator, with working credentials."""
        return {"kind": "revily", "name": name, "base_url": self.base_url, "token": DEFAULT_TOKEN}

    def add(
        self,
        message: str,
        *,
        service_id: str = DEFAULT_SERVICE_ID,
        key: str | None = None,
        description: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a triggered incident directly (as a monitoring tool would) and return it."""
        with self.lock:
            row = self._create(self.services[service_id], message, key, description, details)
            return self.incident(row.id)

    def incident(self, incident_id: str) -> dict[str, Any]:
        """One incident's JSON as the API shows it (``KeyError`` if unknown)."""
        with self.lock:
            return self.incidents[incident_id].render(head_fields=self.head_fields)

    def transition(self, incident_id: str, event: str) -> None:
        """Fire a state-machine event as someone else would (``HttpError`` 422 if illegal)."""
        with self.lock:
            self._fire(self.incidents[incident_id], event)

    def tick(self) -> None:
        """Run the server's timers up to the clock's time (only with ``automatic``):
        re-trigger, escalation and auto-resolve, each incident's in the order they fell due."""
        if not self.automatic:
            return
        now = self.clock()
        with self.lock:
            for row in self.incidents.values():
                expire(row, self.services.get(row.service_id), now)

    # Framework ---------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        """Let the server's timers catch up with the clock before answering."""
        self.tick()
        return super().handle(request)

    def routes(self) -> None:
        """Register every endpoint at the root and under ``/api``."""
        user, service = "user", "service"
        table: list[tuple[str, str, RouteHandler, str]] = [
            ("GET", "/", self._root, user),
            ("GET", "/incidents", self._list, user),
            ("GET", "/incidents/{id}", self._show, user),
            ("PUT", "/incidents/{id}", self._update, user),
            ("DELETE", "/incidents/{id}", self._destroy, user),
            ("GET", "/incidents/{id}/events", partial(head.events, self), user),
            ("PUT", "/incidents/{id}/{event}", self._event, user),
            ("GET", "/services", partial(directory.services, self), user),
            ("GET", "/services/{sid}", partial(directory.one_service, self), user),
            ("GET", "/services/{sid}/incidents", self._list, user),
            ("POST", "/services/{sid}/incidents", self._create_http, user),
            ("GET", "/users", partial(directory.users, self), user),
            ("GET", "/users/{uid}", partial(directory.one_user, self), user),
            ("GET", "/policies", partial(directory.policies, self), user),
            ("GET", "/policies/{pid}", partial(directory.one_policy, self), user),
            ("GET", "/policies/{pid}/rules", partial(directory.rules, self), user),
            ("GET", "/policies/{pid}/rules/{rid}", partial(directory.one_rule, self), user),
            ("GET", "/schedules", partial(directory.schedules, self), user),
            ("PUT", "/trigger", self._integration_trigger, service),
            ("PUT", "/resolve", self._integration_resolve, service),
        ]
        for prefix in ("", "/api"):
            for method, pattern, handler, scope in table:
                path = prefix + pattern if pattern != "/" else (prefix or "/")
                self.router.add(method, path, self._guard(handler, prefix, scope))

    def _guard(
        self, handler: RouteHandler, prefix: str, scope: str
    ) -> Callable[[Request], Response]:
        def run(request: Request) -> Response:
            principal = self._authenticate(request, scope)
            return handler(request, prefix, principal)

        return run

    def _authenticate(self, request: Request, scope: str) -> str:
        header = request.headers.get("Authorization") or ""
        match = _TOKEN_HEADER.match(header)
        token = match.group(1) if match else None
        if scope == "service":
            for service in self.services.values():
                if token is not None and token == service.token:
                    return service.id
            raise self.fail(401, UNAUTHORIZED)
        if token is None:
            token = request.arg("auth_token") or form_value(request, "auth_token")
        if token is not None and token in self._user_tokens:
            return self._user_tokens[token]
        raise self.fail(401, UNAUTHORIZED)

    # Incidents ---------------------------------------------------------------------------

    def _root(self, request: Request, prefix: str, user: str) -> Response:
        base = self.base_url + prefix
        return Response.json(
            {
                f"{name}_url": f"{base}/{name}"
                for name in ("incidents", "services", "policies", "schedules", "users")
            }
        )

    def _list(self, request: Request, prefix: str, user: str) -> Response:
        sid = request.params.get("sid")
        if sid is not None:
            self.service_or_404(sid)
        rows: list[Row] | None = None
        wanted = {s for s in (request.arg("state") or "").split(",") if s}
        if sid is not None or wanted:
            rows = [
                row
                for row in (self.incidents[i] for i in self.order)
                if (sid is None or row.service_id == sid) and (not wanted or row.state in wanted)
            ]
        headers: dict[str, str] = {}
        if self.per_page is None:
            chosen = rows if rows is not None else [self.incidents[i] for i in self.order]
        else:
            total = len(rows) if rows is not None else len(self.order)
            page = positive_int(request.arg("page"), 1)
            size = positive_int(request.arg("per_page"), self.per_page)
            start = (page - 1) * size
            if rows is not None:
                chosen = rows[start : start + size]
            else:
                chosen = [self.incidents[i] for i in self.order[start : start + size]]
            headers = pagination_headers(self.base_url, request, page, size, total)
        expand = head.wanted(self, request)
        return Response.json(
            [head.render(self, row, prefix, expand) for row in chosen], headers=headers
        )

    def _show(self, request: Request, prefix: str, user: str) -> Response:
        row = self.incident_or_404(request.params["id"])
        return Response.json(head.render(self, row, prefix, head.wanted(self, request)))

    def _create_http(self, request: Request, prefix: str, user: str) -> Response:
        service = self.service_or_404(request.params["sid"])
        params = request_params(request)
        message = as_text(params.get("message"))
        if not message or not message.strip():
            raise invalid("message", "can't be blank")
        row = self._create(
            service,
            message,
            as_text(params.get("key")),
            as_text(params.get("description")),
            details_param(params),
            actor=user,
        )
        return Response.json(
            row.render(prefix, head_fields=self.head_fields),
            201,
            {"Location": f"{prefix}/incidents/{row.id}"},
        )

    def _update(self, request: Request, prefix: str, user: str) -> Response:
        row = self.incident_or_404(request.params["id"])
        params = request_params(request)
        changes: dict[str, list[Any]] = {}
        if "message" in params:
            message = as_text(params["message"])
            if not message or not message.strip():
                raise invalid("message", "can't be blank")
            if message != row.message:
                changes["message"] = [row.message, message]
            row.message = message
        details = details_param(params)
        if details is not None:
            if details != row.details:
                changes["details"] = [row.details, details]
            row.details = details
        if changes:
            row.record("updated", self.clock(), changes, user)
        return Response.empty(204)

    def _destroy(self, request: Request, prefix: str, user: str) -> Response:
        row = self.incident_or_404(request.params["id"])
        del self.incidents[row.id]
        self.order.remove(row.id)
        return Response.empty(204)

    def _event(self, request: Request, prefix: str, user: str) -> Response:
        event = request.params["event"]
        if event not in TRANSITIONS:
            raise self.fail(404, "not found")
        row = self.incident_or_404(request.params["id"])
        self._fire(row, event, actor=user)
        return Response.empty(204)

    # Integration API ---------------------------------------------------------------------

    def _integration_trigger(self, request: Request, prefix: str, sid: str) -> Response:
        params = request_params(request)
        message = as_text(params.get("message"))
        if not message or not message.strip():
            raise invalid("message", "can't be blank")
        key = as_text(params.get("key")) or None
        existing = self._latest_open(sid, key, message)
        if existing is not None:
            return Response.json(existing.render(prefix, head_fields=self.head_fields), 202)
        row = self._create(
            self.services[sid], message, key, as_text(params.get("description")),
            details_param(params),
        )
        return Response.json(row.render(prefix, head_fields=self.head_fields), 201)

    def _integration_resolve(self, request: Request, prefix: str, sid: str) -> Response:
        params = request_params(request)
        row = self._latest_open(
            sid, as_text(params.get("key")) or None, as_text(params.get("message")) or None
        )
        if row is None:
            raise self.fail(404, "not found")
        self._fire(row, "resolve")
        return Response.json(row.render(prefix, head_fields=self.head_fields), 202)

    def _latest_open(self, sid: str, key: str | None, message: str | None) -> Row | None:
        """The newest unresolved incident of a service matching ``key``, else ``message``."""
        if key is None and message is None:
            return None
        for incident_id in reversed(self.order):
            row = self.incidents[incident_id]
            if row.service_id != sid or row.state == "resolved":
                continue
            if (key is not None and row.key == key) or (key is None and row.message == message):
                return row
        return None

    # State -------------------------------------------------------------------------------

    def _store(self, row: Row) -> None:
        self.incidents[row.id] = row
        self.order.append(row.id)

    def _create(
        self,
        service: Service,
        message: str,
        key: str | None,
        description: str | None,
        details: dict[str, Any] | None,
        *,
        actor: str | None = None,
    ) -> Row:
        """A new incident: created pending, then triggered at once (after_create); ``actor``
        is the user who created it (``None``: an integration or a test)."""
        now = self.clock()
        rule = service.policy.rules[0]
        row = Row(
            id=new_id(self.rng, self.incidents),
            service_id=service.id,
            message=message,
            state="pending",
            description=description or None,
            key=key or new_key(self.rng),
            created_at=now,
            details=details or {},
            user_id=rule.user_id,
            policy_id=service.policy.id,
            rule_id=rule.id,
        )
        row.record("created", now, {"message": [None, message]}, actor)
        self._fire(row, "trigger", actor=actor)
        self._store(row)
        return row

    def _fire(self, row: Row, event: str, *, actor: str | None = None) -> None:
        """Apply a state-machine event; 422 in Rails' shape if the state does not allow it.
        The event log records it as done by ``actor`` (``None``: the server, a test)."""
        sources, target = TRANSITIONS[event]
        if row.state not in sources:
            raise invalid("state", f'cannot transition via "{event}"')
        now = self.clock()
        changes: dict[str, list[Any]] = {}
        if row.state != target:
            changes["state"] = [row.state, target]
        if event == "escalate":
            before = row.rule_id
            escalate(row, self.services[row.service_id].policy)
            changes["current_policy_rule_id"] = [before, row.rule_id]
        row.record("escalated" if event == "escalate" else target, now, changes, actor)
        if row.state == "pending":
            row.triggered_at = now
        # Resolving straight from triggered acknowledges it then (contract 6), also when
        # an earlier acknowledgement timed out.
        if target == "acknowledged" or (target == "resolved" and row.state == "triggered"):
            row.acknowledged_at = now
        if target == "resolved":
            row.resolved_at = now
        row.state = target
        row.changed_at = now

    def incident_or_404(self, incident_id: str) -> Row:
        """The incident ``incident_id``; 404 if there is none."""
        row = self.incidents.get(incident_id)
        if row is None:
            raise self.fail(404, "not found")
        return row

    def service_or_404(self, sid: str) -> Service:
        """The service ``sid``; 404 if there is none."""
        service = self.services.get(sid)
        if service is None:
            raise self.fail(404, "not found")
        return service
