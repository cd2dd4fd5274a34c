"""The injected clock: everything that stamps or compares times asks one, so tests and
snapshots can freeze it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from datetime import time as dtime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The current time in UTC."""
    return datetime.now(UTC)


def fixed_clock(moment: datetime) -> Clock:
    """A clock that always answers ``moment`` (tests, snapshots, deterministic handovers)."""

    def clock() -> datetime:
        return moment

    return clock


def time_of_day(moment: datetime) -> str:
    """``03:14:20``: a moment close to now, in the user's time zone, for a message."""
    return moment.astimezone().strftime("%H:%M:%S")


def start_of_day(day: date) -> datetime:
    """The first moment of ``day`` in the user's time zone: its midnight, or where the clocks
    jump over midnight (summer time starting at 00:00, as in Chile, Cuba, Lebanon or Egypt)
    the moment they jump to. ``ValueError`` or ``OverflowError`` for a day whose start Python
    cannot reckon (in the year 1)."""
    midnight = datetime.combine(day, dtime())
    start = midnight.astimezone()
    if start.date() != day:
        # A midnight that never happened is read by its offset after the jump (23:00 the day
        # before); by the one before it, it is the jump's own moment, the day's first.
        start = midnight.replace(fold=1).astimezone()
    return start


_DB_FORMAT = "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ"


def to_db(moment: datetime | None) -> str | None:
    """The cache's text form of a time: ISO 8601 UTC with microseconds and ``Z``."""
    if moment is None:
        return None
    if moment.tzinfo is not UTC:
        moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    # %-formatting of the fields: this runs for every time of every pulled row, and it costs
    # 60% of ``isoformat`` (which asks the time zone for its offset) and 40% of ``strftime``.
    return _DB_FORMAT % (
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second,
        moment.microsecond,
    )  # fmt: skip


def from_db(text: str | None) -> datetime | None:
    """Parse the cache's text form back into an aware datetime; ``ValueError`` for text that
    is not a time. (Python 3.11's ``fromisoformat`` reads the trailing ``Z`` itself.)"""
    if not text:
        return None
    return datetime.fromisoformat(text)


def from_db_or_none(text: str | None) -> datetime | None:
    """:func:`from_db` for reading and showing: ``None`` for text that is not a time (a
    damaged cache row), so one bad value never stops a screen, handover or dashboard."""
    try:
        return from_db(text)
    except ValueError:
        return None
