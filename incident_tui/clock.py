"""The injected clock: everything that stamps or compares times asks one, so tests and
snapshots can freeze it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers ``moment`` (tests, snapshots, deterministic handovers)."""

    def clock() -> datetime:
        return moment

    return clock


def to_db(moment: datetime | None) -> str | None:
    """The cache's text form of a time: ISO 8601 UTC with microseconds and ``Z``."""
    if moment is None:
        return None
    if moment.tzinfo is UTC:
        # The common case (connectors hand over UTC): one conversion less, for every row.
        return moment.isoformat(timespec="microseconds")[:-6] + "Z"  # drop "+00:00"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # isoformat is several times faster than strftime, and this runs for every pulled row.
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def from_db(text: str | None) -> datetime | None:
    """Parse the cache's text form back into an aware datetime."""
    if not text:
        return None
    return datetime.fromisoformat(text.replace("Z", "+00:00"))
