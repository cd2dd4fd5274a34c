"""Fixed accounts, the incident record and request helpers of the Revily emulator
(contracts/revily.md).

The first service, user, policy and rule reuse the ids of the seed's example, and the default
user token is the seed's ``dGpYyvbApYxXGAvPkQjt``, so the documented curl lines work verbatim
against the emulator.
"""

from __future__ import annotations

import random
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from incident_tui.domain.mapping import format_time
from incident_tui.emulators.sample import SampleIncident
from incident_tui.emulators.server import HttpError, Request

DEFAULT_TOKEN = "dGpYyvbApYxXGAvPkQjt"
"""The default user's ``auth_token`` (the one in the seed's curl examples)."""

DEFAULT_SERVICE_ID = "KHMFftSu"
"""The seed's example service; first in ``GET /services``."""

USERS: tuple[tuple[str, str, str], ...] = (
    ("SiF6zYqI", "ana.souza@example.com", DEFAULT_TOKEN),
    ("Bn0kFr4T", "ben.okafor@example.com", "qX7mVb2LpR9sTc4NwZ1e"),
    ("Hr7tNk2Q", "hiro.tanaka@example.com", "Lk3PzQ8vYw6RjD2mHs5a"),
)
"""``(id, email, auth_token)`` of every user; any of the tokens authenticates user requests."""


@dataclass(frozen=True)
class Rule:
    """One escalation step of a policy: who is paged, after how many minutes."""

    id: str
    position: int
    user_id: str
    escalation_timeout: int = 30


@dataclass(frozen=True)
class Policy:
    """An escalation policy and its ordered rules."""

    id: str
    name: str
    rules: tuple[Rule, ...]
    escalation_loop_limit: int = 3
    acknowledge_timeout: int = 30
    auto_resolve_timeout: int = 240


@dataclass
class Service:
    """A monitored service; ``token`` authenticates the integration API for it."""

    id: str
    name: str
    token: str
    policy: Policy
    acknowledge_timeout: int = 30
    auto_resolve_timeout: int = 240
    state: str = "enabled"


def default_services() -> list[Service]:
    """The three services every emulator starts with (fresh objects, so tests may change them)."""
    ana, ben, hiro = (user[0] for user in USERS)
    return [
        Service(
            DEFAULT_SERVICE_ID, "Checkout", "svc-checkout-7Yq2Lm9XcV",
            Policy("jxG5heSY", "Checkout on-call",
                   (Rule("HtUDpJHJ", 1, ana), Rule("Ru2mQw8K", 2, ben))),
        ),
        Service(
            "Pq7dWm2R", "Platform", "svc-platform-3Hn8Tb5ZwK",
            Policy("Pl4nXc7V", "Platform primary",
                   (Rule("Rk9sJd3F", 1, ben), Rule("Rz5vLp1N", 2, hiro))),
        ),
        Service(
            "Fx3kLs9B", "Facilities", "svc-facilities-6Gd4Rs1QpM",
            Policy("Fa8cWq2E", "Facilities desk", (Rule("Rw6hTy4C", 1, hiro),)),
            acknowledge_timeout=60, auto_resolve_timeout=720,
        ),
    ]


_ID_ALPHABET = string.ascii_letters + string.digits


def new_id(rng: random.Random, taken: set[str] | dict[str, Any]) -> str:
    """An unused 8-character URL-safe id, as ``SecureRandom.urlsafe_base64(6)`` gives.

    Revily substitutes ``-`` and ``_`` away, so only letters and digits remain.
    """
    while True:
        candidate = "".join(rng.choice(_ID_ALPHABET) for _ in range(8))
        if candidate not in taken:
            return candidate


def new_key(rng: random.Random) -> str:
    """A default incident key: 32 hex characters, like ``SecureRandom.hex``."""
    return f"{rng.getrandbits(128):032x}"


@dataclass
class Row:
    """One incident as the emulator stores it (more than the seed shape shows)."""

    id: str
    service_id: str
    message: str
    state: str = "triggered"
    description: str | None = None
    key: str | None = None
    triggered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    resolved_at: datetime | None = None
    created_at: datetime | None = None
    details: dict[str, Any] = field(default_factory=dict)
    user_id: str | None = None
    policy_id: str | None = None
    rule_id: str | None = None
    loop_count: int = 0
    changed_at: datetime | None = None
    """When the state last changed; the re-trigger and auto-resolve timers count from here."""
    escalated_at: datetime | None = None
    """When the server's escalation timer last paged the next rule. Kept apart from
    ``changed_at`` because such an escalation must not push back the auto-resolve."""

    def render(self, prefix: str = "", *, head_fields: bool = False) -> dict[str, Any]:
        """The incident JSON: exactly the seed's shape, plus HEAD's fields if asked."""
        links: dict[str, Any] = {
            "self": {"href": f"{prefix}/incidents/{self.id}"},
            "service": {"href": f"{prefix}/services/{self.service_id}"},
        }
        if self.user_id:
            links["current_user"] = {"href": f"{prefix}/users/{self.user_id}"}
        if self.policy_id and self.rule_id:
            links["current_policy_rule"] = {
                "href": f"{prefix}/policies/{self.policy_id}/rules/{self.rule_id}"
            }
        body: dict[str, Any] = {
            "id": self.id,
            "state": self.state,
            "triggered_at": format_time(self.triggered_at),
            "acknowledged_at": format_time(self.acknowledged_at),
            "resolved_at": format_time(self.resolved_at),
            "message": self.message,
            "description": self.description,
            "key": self.key or self.id,
            "service_id": self.service_id,
        }
        if head_fields:
            body.update(
                created_at=format_time(self.created_at),
                details=self.details,
                escalation_loop_count=self.loop_count,
                current_user_id=self.user_id,
                current_policy_rule_id=self.rule_id,
            )
        body["_links"] = links
        return body


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.casefold()).strip("_")


def rows_from_sample(
    samples: list[SampleIncident], services: list[Service], rng: random.Random
) -> list[Row]:
    """Turn neutral sample incidents into Revily rows spread over ``services``.

    Severity has no place in Revily and comments do not exist, so both are dropped; category
    and location survive in ``details`` (shown only in HEAD mode).
    """
    rows: list[Row] = []
    taken: set[str] = set()
    for sample in samples:
        service = rng.choice(services)
        rule = rng.choice(service.policy.rules)
        if rng.random() < 0.5:
            key = f"{_slug(sample.location)}/{_slug(' '.join(sample.title.split()[:3]))}"
        else:
            key = new_key(rng)
        row = Row(
            id=new_id(rng, taken),
            service_id=service.id,
            message=sample.title,
            state=sample.status,
            description=sample.description,
            key=key,
            triggered_at=sample.created_at,
            acknowledged_at=sample.acknowledged_at,
            resolved_at=sample.resolved_at,
            created_at=sample.created_at - timedelta(seconds=1),
            details={"category": sample.category, "location": sample.location},
            user_id=rule.user_id,
            policy_id=service.policy.id,
            rule_id=rule.id,
            changed_at=sample.resolved_at or sample.acknowledged_at or sample.created_at,
        )
        taken.add(row.id)
        rows.append(row)
    return rows


def service_json(service: Service, prefix: str, current_status: str) -> dict[str, Any]:
    """A service as ``GET /services`` shows it."""
    return {
        "id": service.id,
        "name": service.name,
        "auto_resolve_timeout": service.auto_resolve_timeout,
        "acknowledge_timeout": service.acknowledge_timeout,
        "state": service.state,
        "current_status": current_status,
        "_links": {
            "self": {"href": f"{prefix}/services/{service.id}"},
            "incidents": {"href": f"{prefix}/services/{service.id}/incidents"},
        },
    }


def policy_json(policy: Policy, prefix: str) -> dict[str, Any]:
    """A policy as ``GET /policies`` shows it."""
    return {
        "id": policy.id,
        "name": policy.name,
        "escalation_loop_limit": policy.escalation_loop_limit,
        "_links": {
            "self": {"href": f"{prefix}/policies/{policy.id}"},
            "rules": {"href": f"{prefix}/policies/{policy.id}/rules"},
        },
    }


def rule_json(policy: Policy, rule: Rule, prefix: str) -> dict[str, Any]:
    """A policy rule as ``GET /policies/:id/rules`` shows it."""
    return {
        "id": rule.id,
        "position": rule.position,
        "escalation_timeout": rule.escalation_timeout,
        "assignment": {"id": rule.user_id, "type": "User"},
        "current_user": rule.user_id,
        "_links": {
            "self": {"href": f"{prefix}/policies/{policy.id}/rules/{rule.id}"},
            "policy": {"href": f"{prefix}/policies/{policy.id}"},
            "assignment": {"href": f"{prefix}/users/{rule.user_id}"},
        },
    }


def invalid(field_name: str, message: str) -> HttpError:
    """A Rails 3.2 responder validation error."""
    return HttpError(422, {"errors": {field_name: [message]}})


def request_params(request: Request) -> dict[str, Any]:
    """Rails' params: the query string merged with the (form or JSON) body."""
    merged: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    merged.update(request.form())
    return merged


def form_value(request: Request, name: str) -> str | None:
    """A form field of a non-GET body, ``None`` if absent or the body is unreadable."""
    if request.method == "GET" or not request.body:
        return None
    try:
        value = request.form().get(name)
    except HttpError:
        return None
    return value if isinstance(value, str) else None


def as_text(value: Any) -> str | None:
    """A parameter as text (JSON bodies may send numbers)."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def details_param(params: dict[str, Any]) -> dict[str, Any] | None:
    """``details`` from a JSON object or from form fields ``details[name]=value``."""
    value = params.get("details")
    if isinstance(value, dict):
        return value
    found = {
        name[len("details[") : -1]: item
        for name, item in params.items()
        if name.startswith("details[") and name.endswith("]")
    }
    return found or None


def positive_int(value: str | None, default: int) -> int:
    """A positive integer query parameter, else ``default`` (as Kaminari treats junk)."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default


def user_json(uid: str, email: str, token: str) -> dict[str, Any]:
    """A user as ``GET /users`` shows it."""
    return {"id": uid, "email": email, "auth_token": token}


def pagination_headers(
    base_url: str, request: Request, page: int, size: int, total: int
) -> dict[str, str]:
    """``Link`` and ``Total`` as api-pagination 2.1 writes them: first/prev unless on the first
    page, next/last unless on the last, absolute URLs keeping the other query parameters."""
    pages = max(1, -(-total // size))
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels += [("first", 1), ("prev", page - 1)]
    if page < pages:
        rels += [("next", page + 1), ("last", pages)]
    links = []
    for rel, number in rels:
        query = {k: v[0] for k, v in request.query.items()}
        query["page"] = str(number)
        url = f"{base_url}{request.path}?{urlencode(sorted(query.items()))}"
        links.append(f'<{url}>; rel="{rel}"')
    headers = {"Total": str(total)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers


def escalate(row: Row, policy: Policy) -> None:
    """Page the next rule of the policy, looping back (and counting a loop) after the last."""
    rules = policy.rules
    index = next((i for i, r in enumerate(rules) if r.id == row.rule_id), -1) + 1
    if index >= len(rules):
        index = 0
        row.loop_count += 1
    row.rule_id = rules[index].id
    row.user_id = rules[index].user_id


def escalation_due(row: Row, policy: Policy) -> datetime | None:
    """When the server's escalation timer pages the next rule for a triggered ``row``, or
    ``None`` if it never will: its rule is not in ``policy``, or the loop limit forbids it.

    The timer runs for the current rule's ``escalation_timeout`` minutes from the moment the
    incident last became triggered (created, re-triggered or escalated by hand) or was last
    escalated by the timer, whichever is later.
    """
    index = next((i for i, r in enumerate(policy.rules) if r.id == row.rule_id), None)
    if index is None or row.changed_at is None:
        return None
    # Revily validates the triggered state against the limit after the escalation has counted
    # its loop, so the escalation that would bring the count to the limit is refused and the
    # incident stays on the last rule: the rules are paged escalation_loop_limit times round.
    wraps = index == len(policy.rules) - 1
    if row.loop_count + (1 if wraps else 0) >= policy.escalation_loop_limit:
        return None
    start = max(row.changed_at, row.escalated_at or row.changed_at)
    return start + timedelta(minutes=policy.rules[index].escalation_timeout)


def expire(row: Row, service: Service | None, now: datetime) -> None:
    """Apply the server's timers that ran out by ``now``, oldest first: an acknowledgement
    lapses back to triggered after the service's ``acknowledge_timeout``, a triggered
    incident escalates to the next rule of its policy after the current rule's
    ``escalation_timeout`` (see :func:`escalation_due`) and auto-resolves after the
    service's ``auto_resolve_timeout``."""
    while service is not None and row.changed_at is not None and row.state != "resolved":
        if row.state == "acknowledged":
            due = row.changed_at + timedelta(minutes=service.acknowledge_timeout)
            if due > now:
                return
            row.state, row.changed_at = "triggered", due
        else:
            due = row.changed_at + timedelta(minutes=service.auto_resolve_timeout)
            escalation = escalation_due(row, service.policy)
            # On a tie the resolve goes first: Revily's escalation job then finds the
            # incident resolved and pages nobody.
            if escalation is not None and escalation < due and escalation <= now:
                escalate(row, service.policy)
                row.escalated_at = escalation
                continue
            if due > now:
                return
            row.acknowledged_at = row.acknowledged_at or due
            row.state, row.resolved_at, row.changed_at = "resolved", due, due
