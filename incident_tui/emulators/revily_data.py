"""Fixed accounts, services and escalation policies, and the incident record of the Revily
emulator (contracts/revily.md), with the sample incidents turned into records.

The first service, user, policy and rule reuse the ids of the seed's example, and the default
user token is the seed's ``dGpYyvbApYxXGAvPkQjt``, so the documented curl lines work verbatim
against the emulator.
"""

from __future__ import annotations

import hashlib
import random
import re
import string
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from incident_tui.domain.mapping import format_time
from incident_tui.emulators.sample import SampleIncident

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


@dataclass(frozen=True)
class Event:
    """One entry of an incident's read-only event log (HEAD's ``GET /incidents/:id/events``).

    ``action`` is what happened: ``created``, ``updated``, the state entered (``triggered``,
    ``acknowledged``, ``resolved``, as Revily's Eventable names them) or ``escalated``;
    ``changeset`` holds each changed attribute as ``[old, new]``, as Rails' ``changes`` does;
    ``actor`` is the user who did it, ``None`` for the server or an integration."""

    id: str
    action: str
    created_at: datetime | None
    changeset: dict[str, list[Any]]
    actor: str | None = None

    def render(self, incident_id: str, prefix: str = "") -> dict[str, Any]:
        """The event JSON: its attributes and links to its incident (source) and actor."""
        links: dict[str, Any] = {"source": {"href": f"{prefix}/incidents/{incident_id}"}}
        if self.actor:
            links["actor"] = {"href": f"{prefix}/users/{self.actor}"}
        return {
            "id": self.id,
            "action": self.action,
            "changeset": self.changeset,
            "created_at": format_time(self.created_at),
            "incident": {"id": incident_id, "type": "incident"},
            "_links": links,
        }


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
    events: list[Event] = field(default_factory=list)
    """The event log, oldest first (served only in HEAD mode)."""

    def record(
        self, action: str, at: datetime | None, changeset: dict[str, list[Any]],
        actor: str | None = None,
    ) -> None:
        """Append an event to the log; its id is derived from the incident's and its place
        in the log, so sample data stays the same every run."""
        digest = hashlib.sha256(f"{self.id}/{len(self.events)}".encode()).digest()
        event_id = "".join(_ID_ALPHABET[b % len(_ID_ALPHABET)] for b in digest[:8])
        self.events.append(Event(event_id, action, at, changeset, actor))

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
            links["events"] = {"href": f"{prefix}/incidents/{self.id}/events"}
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
        _sample_history(row, sample)
        taken.add(row.id)
        rows.append(row)
    return rows



def _sample_history(row: Row, sample: SampleIncident) -> None:
    """The event log a sample incident's stamps imply: created, triggered, then acknowledged
    and resolved where it got that far (a direct resolve stamps both at once)."""
    row.record("created", row.created_at, {"message": [None, row.message]})
    row.record("triggered", sample.created_at, {"state": ["pending", "triggered"]})
    state = "triggered"
    if sample.acknowledged_at and sample.acknowledged_at != sample.resolved_at:
        row.record("acknowledged", sample.acknowledged_at, {"state": [state, "acknowledged"]})
        state = "acknowledged"
    if sample.resolved_at:
        row.record("resolved", sample.resolved_at, {"state": [state, "resolved"]})
