"""The Revily incident's life: the state machine of incident.rb (its states and the events
that move an incident between them) and the server's own timers, which re-trigger a lapsed
acknowledgement, escalate a triggered incident along its policy's rules and auto-resolve it.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from incident_tui.emulators.revily_data import Policy, Row, Service

# event -> (states it may leave, state it enters); the state_machine of incident.rb.
TRANSITIONS: dict[str, tuple[tuple[str, ...], str]] = {
    "trigger": (("pending", "acknowledged"), "triggered"),
    "acknowledge": (("triggered",), "acknowledged"),
    "escalate": (("triggered", "acknowledged"), "triggered"),
    "resolve": (("triggered", "acknowledged"), "resolved"),
}


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
            row.record("triggered", due, {"state": ["acknowledged", "triggered"]})
        else:
            due = row.changed_at + timedelta(minutes=service.auto_resolve_timeout)
            escalation = escalation_due(row, service.policy)
            # On a tie the resolve goes first: Revily's escalation job then finds the
            # incident resolved and pages nobody.
            if escalation is not None and escalation < due and escalation <= now:
                before = row.rule_id
                escalate(row, service.policy)
                row.escalated_at = escalation
                row.record("escalated", escalation,
                           {"current_policy_rule_id": [before, row.rule_id]})
                continue
            if due > now:
                return
            if row.state == "triggered" or row.acknowledged_at is None:
                row.acknowledged_at = due
            row.record("resolved", due, {"state": [row.state, "resolved"]})
            row.state, row.resolved_at, row.changed_at = "resolved", due, due
