"""HEAD's additions to the Revily incident that the emulator serves in ``head_fields`` mode
(contracts/revily.md §3, §5.1, §9): the read-only event log, ``GET /incidents/:id/events``,
and ``?expand=service,current_user,current_policy_rule,all``, which embeds those objects in
each incident. Without ``head_fields`` (the seed) neither exists: the events route answers
404, like an unknown Rails route, and ``expand`` is ignored.

The contract names the route but not its body; the emulator follows HEAD's EventSerializer:
``id``, ``action``, ``changeset`` (Rails' ``{attribute: [old, new]}``), ``created_at``, the
source incident and ``_links`` to it and to the actor `[inferred]`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from incident_tui.emulators.revily_data import Row
from incident_tui.emulators.revily_directory import rule_json, service_json, service_statuses
from incident_tui.emulators.revily_requests import pagination_headers, positive_int
from incident_tui.emulators.server import Request, Response

if TYPE_CHECKING:
    from incident_tui.emulators.revily import RevilyEmulator

EXPANDABLE = ("service", "current_user", "current_policy_rule")
"""What ``?expand=`` embeds; ``all`` is every one of them."""


def events(emu: RevilyEmulator, request: Request, prefix: str, user: str) -> Response:
    """``GET /incidents/:id/events``: the incident's event log, oldest first (paged like the
    incidents when ``per_page`` is on)."""
    if not emu.head_fields:
        raise emu.fail(404, "not found")
    row = emu.incident_or_404(request.params["id"])
    log = [event.render(row.id, prefix) for event in row.events]
    if emu.per_page is None:
        return Response.json(log)
    page = positive_int(request.arg("page"), 1)
    size = positive_int(request.arg("per_page"), emu.per_page)
    headers = pagination_headers(emu.base_url, request, page, size, len(log))
    return Response.json(log[(page - 1) * size : page * size], headers=headers)


def wanted(emu: RevilyEmulator, request: Request) -> tuple[str, ...]:
    """The objects ``?expand=`` asks to embed (none without ``head_fields``); names it does
    not know are ignored, as HEAD does."""
    if not emu.head_fields:
        return ()
    asked = {part.strip() for part in (request.arg("expand") or "").split(",")}
    if "all" in asked:
        return EXPANDABLE
    return tuple(name for name in EXPANDABLE if name in asked)


def render(emu: RevilyEmulator, row: Row, prefix: str, expand: tuple[str, ...]) -> dict[str, Any]:
    """The incident JSON, with the ``expand`` objects embedded under their own names."""
    body = row.render(prefix, head_fields=emu.head_fields)
    if "service" in expand:
        service = emu.services.get(row.service_id)
        if service is not None:
            status = service_statuses(emu).get(service.id, "ok")
            body["service"] = service_json(service, prefix, status)
    if "current_user" in expand and row.user_id in emu.users:
        # Who is paged, not their credentials: the embedded user carries no auth_token.
        body["current_user"] = {"id": row.user_id, "email": emu.users[row.user_id][0]}
    if "current_policy_rule" in expand:
        service = emu.services.get(row.service_id)
        policy = service.policy if service is not None else None
        rule = next((r for r in policy.rules if r.id == row.rule_id), None) if policy else None
        if policy is not None and rule is not None:
            body["current_policy_rule"] = rule_json(policy, rule, prefix)
    return body
