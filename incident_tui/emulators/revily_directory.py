"""The Revily emulator's read-only directory: services (with each one's current status),
users, escalation policies and their rules, and on-call schedules, as ``GET /services``,
``/users``, ``/policies`` and ``/schedules`` show them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from incident_tui.emulators.revily_data import Policy, Rule, Service
from incident_tui.emulators.server import Request, Response

if TYPE_CHECKING:
    from incident_tui.emulators.revily import RevilyEmulator


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


def user_json(uid: str, email: str, token: str) -> dict[str, Any]:
    """A user as ``GET /users`` shows it."""
    return {"id": uid, "email": email, "auth_token": token}


def services(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /services``: every service with its current status."""
    status = service_statuses(emu)
    return Response.json(
        [service_json(s, prefix, status.get(s.id, "ok")) for s in emu.services.values()]
    )


def one_service(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /services/:id``."""
    service = emu.service_or_404(request.params["sid"])
    status = service_statuses(emu)
    return Response.json(service_json(service, prefix, status.get(service.id, "ok")))


def service_statuses(emu: RevilyEmulator) -> dict[str, str]:
    """Each service's worst open state: ``triggered``, ``acknowledged``, else ``ok``."""
    worst: dict[str, str] = {}
    for row in emu.incidents.values():
        if row.state == "triggered" or (
            row.state == "acknowledged" and row.service_id not in worst
        ):
            worst[row.service_id] = row.state
    return worst


def users(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /users``."""
    return Response.json([user_json(uid, *emu.users[uid]) for uid in emu.users])


def one_user(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /users/:id``."""
    uid = request.params["uid"]
    if uid not in emu.users:
        raise emu.fail(404, "not found")
    return Response.json(user_json(uid, *emu.users[uid]))


def policies(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /policies``: the policy of every service."""
    return Response.json([policy_json(s.policy, prefix) for s in emu.services.values()])


def one_policy(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /policies/:id``."""
    for service in emu.services.values():
        if service.policy.id == request.params["pid"]:
            return Response.json(policy_json(service.policy, prefix))
    raise emu.fail(404, "not found")


def rules(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /policies/:id/rules``."""
    policy = _policy_or_404(emu, request.params["pid"])
    return Response.json([rule_json(policy.policy, r, prefix) for r in policy.policy.rules])


def one_rule(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /policies/:id/rules/:id``."""
    service = _policy_or_404(emu, request.params["pid"])
    for rule in service.policy.rules:
        if rule.id == request.params["rid"]:
            return Response.json(rule_json(service.policy, rule, prefix))
    raise emu.fail(404, "not found")


def schedules(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /schedules``, which the root advertises as ``schedules_url`` (contract 5.4): an
    empty list, since every policy rule here is assigned to a user, never to a schedule (and
    the contract documents no schedule fields to invent one from)."""
    return Response.json([])


def _policy_or_404(emu: RevilyEmulator, pid: str) -> Service:
    """The service whose policy has id ``pid``; 404 if none."""
    for service in emu.services.values():
        if service.policy.id == pid:
            return service
    raise emu.fail(404, "not found")
