"""How old something is, in the fewest characters: the AGE column of the TUI's list and of
``incident-tui list``, and the age ``show`` prints.

The dashboard and the handover say durations in two units instead (``3h 05m``):
:func:`incident_tui.domain.stats.format_duration`.
"""

from __future__ import annotations

from datetime import datetime


def age(created: datetime | None, now: datetime) -> str:
    """A compact age: ``now``, ``12m``, ``5h``, ``3d``, ``2y`` (at most 4 cells); ``?`` when
    unknown or 1,000 years or more. Hours run to 47 before days begin: "30h" says more than
    "1d" about a night's incident. A time ahead of ``now`` (a remote's clock running fast)
    reads ``now``."""
    if created is None:
        return "?"
    seconds = (now - created).total_seconds()
    if seconds < 60:
        return "now"
    minutes = int(seconds // 60)
    if minutes < 60:
        return f"{minutes}m"
    hours = minutes // 60
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if days < 365:
        return f"{days}d"
    years = days // 365
    # A remote's placeholder for no date (0001-01-01) is 2,025 years old: five cells, and
    # no age anyone acts on; it reads as the unknown it stands for.
    return f"{years}y" if years < 1000 else "?"
