"""Deterministic, realistic sample incidents that every emulator turns into its own shape.

The same ``seed`` and ``now`` always give the same incidents, so demos, tests and benchmarks
are reproducible.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

SUBJECTS = (
    "Database connection pool exhausted",
    "Payment API latency above SLO",
    "Disk 95% full on",
    "TLS certificate expiring on",
    "Login failures spike for",
    "Queue backlog growing on",
    "Packet loss between eu-west and",
    "Memory leak suspected in",
    "Fire alarm triggered in",
    "Forklift near-miss in",
    "Water leak reported in",
    "Student fell in the playground near",
    "Power outage affecting",
    "Unauthorized access attempt on",
    "Backup job failed for",
    "DNS resolution errors for",
    "Elevated 5xx rate on",
    "Broken window in",
    "Chemical spill in",
    "Slow page loads on",
)
PLACES = (
    "checkout-service",
    "auth-gateway",
    "warehouse north",
    "building B",
    "eu-west-1",
    "us-east-2",
    "the science lab",
    "orders-db",
    "edge proxy",
    "reporting cluster",
    "the main hall",
    "loading dock 3",
    "search-indexer",
    "mail relay",
    "kitchen",
)
DETAILS = (
    "First noticed by the monitoring probe; customers report intermittent errors.",
    "Reported by the night shift. Area has been cordoned off pending inspection.",
    "Started after the 02:00 deploy. Rollback is being considered.",
    "Affects roughly 12% of requests. No data loss observed so far.",
    "Vendor has been contacted; waiting for their status page update.",
    "Second occurrence this week; see the linked post-mortem from Tuesday.",
    "Witnesses interviewed, first aid given on site, parents informed.",
    "Alert fired twice in ten minutes, then cleared, then fired again.",
)
PEOPLE = (
    "Ana Souza",
    "Ben Okafor",
    "Chloé Martin",
    "Dmitri Ivanov",
    "Eilidh Ross",
    "Farah Khan",
    "Giulia Bianchi",
    "Hiro Tanaka",
    "Ines García",
    "Jamal O'Brien",
)
COMMENTS = (
    "Looking into it now.",
    "Restarted the affected instances; watching the graphs.",
    "Root cause looks like a config change from yesterday.",
    "Escalated to the owning team.",
    "Mitigation in place, error rate back to baseline.",
    "Customer support has been briefed.",
    "Site visit done, photos attached to the report.",
    "Can we get a timeline for the fix?",
)
CATEGORIES = ("infrastructure", "security", "safety", "application", "facilities", "network")


@dataclass
class SampleComment:
    """A comment in the sample data."""

    author: str
    body: str
    at: datetime


@dataclass
class SampleIncident:
    """One sample incident in neutral terms (common status and severity words)."""

    number: int
    title: str
    description: str
    status: str
    """``triggered``, ``acknowledged`` or ``resolved``."""
    severity: str | None
    """``critical``, ``major``, ``minor`` or ``None``."""
    category: str
    reporter: str
    location: str
    created_at: datetime
    updated_at: datetime
    acknowledged_at: datetime | None
    resolved_at: datetime | None
    comments: list[SampleComment] = field(default_factory=list)


def _not_after(now: datetime, start: datetime, delay: timedelta) -> datetime:
    """``start + delay``, or halfway from ``start`` to ``now`` when that would be in the
    future: a recent incident is acknowledged or resolved by now, not later today."""
    end = start + delay
    return end if end <= now else start + (now - start) / 2


def sample_incidents(
    count: int, *, now: datetime, seed: int = 7, days: float = 14.0, comments: bool = True
) -> list[SampleIncident]:
    """``count`` incidents spread over the last ``days`` before ``now``, oldest first.

    Every status and severity occurs; older incidents are more often resolved.
    """
    rng = random.Random(seed)
    span = timedelta(days=days).total_seconds()
    offsets = sorted((rng.random() * span for _ in range(count)), reverse=True)
    result: list[SampleIncident] = []
    for number, offset in enumerate(offsets, start=1):
        created = now - timedelta(seconds=offset)
        age_hours = offset / 3600
        roll = rng.random()
        resolved_below, acknowledged_below = (0.8, 0.9) if age_hours > 48 else (0.45, 0.75)
        if roll < resolved_below:
            status = "resolved"
        elif roll < acknowledged_below:
            status = "acknowledged"
        else:
            status = "triggered"
        severity = rng.choices(("critical", "major", "minor", None), weights=(1, 3, 5, 1))[0]
        ack = resolved = None
        if status in ("acknowledged", "resolved"):
            ack = _not_after(now, created, timedelta(minutes=rng.uniform(1, 90)))
        if status == "resolved":
            assert ack is not None
            resolved = _not_after(now, ack, timedelta(minutes=rng.uniform(5, 600)))
        last = resolved or ack or created
        last = min(last, now)
        title = f"{rng.choice(SUBJECTS)} {rng.choice(PLACES)}"
        notes: list[SampleComment] = []
        if comments:
            for _ in range(rng.choice((0, 0, 1, 1, 2, 3))):
                minutes = rng.uniform(1, max(2.0, (now - created).total_seconds() / 60))
                at = created + timedelta(minutes=minutes)
                notes.append(SampleComment(rng.choice(PEOPLE), rng.choice(COMMENTS), min(at, now)))
            notes.sort(key=lambda c: c.at)
        result.append(
            SampleIncident(
                number=number,
                title=title,
                description=rng.choice(DETAILS),
                status=status,
                severity=severity,
                category=rng.choice(CATEGORIES),
                reporter=rng.choice(PEOPLE),
                location=rng.choice(PLACES),
                created_at=created,
                updated_at=max([last, *(c.at for c in notes)]),
                acknowledged_at=ack,
                resolved_at=resolved,
                comments=notes,
            )
        )
    return result
