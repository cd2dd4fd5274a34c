"""The dashboard's figures as plain data, and the check of our counts against Kitehouse's own.

Pure Python: the store computes the numbers (SQL aggregation over the cache), the UI draws
them; this module only says what a window is, how buckets are labelled and filled, how
durations read, and whether two sets of per-day counts agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from incident_tui.domain.mapping import parse_time


class Window(StrEnum):
    """How far back the dashboard's time charts look, and how finely they are bucketed."""

    DAY = "24h"
    WEEK = "7d"
    MONTH = "30d"

    @property
    def hourly(self) -> bool:
        """Buckets are hours (24h) rather than days."""
        return self is Window.DAY

    @property
    def buckets(self) -> int:
        """How many buckets the window has."""
        return {Window.DAY: 24, Window.WEEK: 7, Window.MONTH: 30}[self]

    @property
    def step(self) -> timedelta:
        """The length of one bucket."""
        return timedelta(hours=1) if self.hourly else timedelta(days=1)

    @property
    def days(self) -> int:
        """Whole UTC days the window covers (for the per-day Kitehouse check)."""
        return {Window.DAY: 1, Window.WEEK: 7, Window.MONTH: 30}[self]

    def span(self) -> str:
        """How far back the window reaches: ``last 24 hours``."""
        return self.label().partition(",")[0]

    def label(self) -> str:
        """How the window reads in a chart's title."""
        return {
            Window.DAY: "last 24 hours, per UTC hour",
            Window.WEEK: "last 7 days, per UTC day",
            Window.MONTH: "last 30 days, per UTC day",
        }[self]

    def next(self) -> Window:
        """The following window, wrapping round (one key cycles through them)."""
        order = list(Window)
        return order[(order.index(self) + 1) % len(order)]


def floor_to(moment: datetime, hourly: bool) -> datetime:
    """``moment`` in UTC cut down to the start of its hour (or day)."""
    moment = moment.astimezone(UTC)
    if hourly:
        return moment.replace(minute=0, second=0, microsecond=0)
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def bucket_starts(window: Window, now: datetime) -> list[datetime]:
    """The start of every bucket, oldest first; the last one holds ``now`` (a partial bucket,
    so what happened a minute ago is already on the chart)."""
    last = floor_to(now, window.hourly)
    return [last - window.step * (window.buckets - 1 - n) for n in range(window.buckets)]


def bucket_key(moment: datetime, hourly: bool) -> str:
    """The text key of a bucket, the same prefix of the cache's ISO text that SQL groups by
    (``2026-11-22T09`` for an hour, ``2026-11-22`` for a day)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H") if hourly else moment.strftime("%Y-%m-%d")


def bucket_label(moment: datetime, hourly: bool) -> str:
    """How a bucket is labelled on the chart's axis (``09h`` or ``11-22``)."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Hh") if hourly else moment.strftime("%m-%d")


def fill_series(starts: Sequence[datetime], hourly: bool, counts: Mapping[str, int]) -> list[int]:
    """Counts per bucket in bucket order, zero where SQL found nothing."""
    return [int(counts.get(bucket_key(start, hourly), 0)) for start in starts]


def format_duration(seconds: float | None) -> str:
    """A duration as people say it: ``45s``, ``12m``, ``3h 05m``, ``2d 04h``; ``-`` if unknown."""
    if seconds is None:
        return "-"
    total = max(0, int(round(seconds)))
    if total < 60:
        return f"{total}s"
    minutes, _ = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h {minutes:02d}m"
    days, hours = divmod(hours, 24)
    return f"{days}d {hours:02d}h"


@dataclass(frozen=True, slots=True)
class Timing:
    """Mean time to acknowledge and to resolve of one remote's incidents in the window."""

    remote: str
    mtta_seconds: float | None
    acknowledged: int
    """How many incidents the MTTA is the mean of."""
    mttr_seconds: float | None
    resolved: int
    """How many incidents the MTTR is the mean of."""
    untimed: int = 0
    """Resolved incidents left out of the MTTR: the cache does not know when yet."""
    day_only: int = 0
    """Resolved incidents left out of the MTTR: the remote gives the day alone (4HSE)."""


@dataclass(frozen=True, slots=True)
class OldOpen:
    """One of the oldest open incidents (text as stored; the screen sanitises it)."""

    id: str
    remote: str
    ref: str | None
    title: str
    status: str
    severity: str | None
    created_at: datetime | None
    updated_at: datetime | None

    @property
    def resolution_unsent(self) -> bool:
        """Resolved here only: listed among the open ones because the remote has not
        accepted the resolution yet."""
        return self.status == "resolved"


@dataclass(frozen=True, slots=True)
class DashboardData:
    """Everything the dashboard draws, computed in one go from the cache."""

    window: Window
    now: datetime
    bucket_starts: tuple[datetime, ...]
    opened: tuple[int, ...]
    resolved: tuple[int, ...]
    open_by_severity: tuple[tuple[str | None, int], ...]
    """Always critical, major, minor, none in that order (zeros included)."""
    open_by_remote: tuple[tuple[str, int], ...]
    """By remote name."""
    timings: tuple[Timing, ...]
    """By remote name."""
    oldest_open: tuple[OldOpen, ...]
    total_open: int
    filters: str = ""
    """The list's active filters in words (empty when none)."""
    untimed_resolved: int = 0
    """Resolved incidents left out of :attr:`resolved` because the cache does not know when
    yet, though their last update falls in the window (so they may have been resolved in it)."""

    day_only_resolved: int = 0
    """Resolved incidents left out of an hourly :attr:`resolved` because the remote gives the
    day alone (a daily one has them)."""

    unsent_resolved: int = 0
    """Incidents resolved here whose resolution the remote has not accepted yet (queued,
    refused or in conflict): open there, so counted in :attr:`total_open` and the open
    charts, and left out of :attr:`resolved` and the mean times to resolve."""

    left_out: tuple[str, ...] = ()
    """Remotes the config no longer names whose incidents the cache still holds, by name:
    nothing syncs them, so their incidents are left out of every figure (as the handover
    leaves them out)."""

    @property
    def untimed_in_means(self) -> int:
        """Resolved incidents opened in the window left out of the mean times to resolve:
        their time is not known yet, or known to the day alone."""
        return sum(t.untimed + t.day_only for t in self.timings)

    @property
    def labels(self) -> tuple[str, ...]:
        """The axis label of every bucket."""
        return tuple(bucket_label(s, self.window.hourly) for s in self.bucket_starts)


# The Kitehouse /dashboard cross-check ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DayCount:
    """One UTC day's incident count on both sides."""

    day: str
    ours: int
    theirs: int

    @property
    def agrees(self) -> bool:
        """Both sides counted the same."""
        return self.ours == self.theirs


@dataclass(frozen=True, slots=True)
class DashboardCheck:
    """How the cache's per-day counts of one Kitehouse remote compare with its ``/dashboard``."""

    remote: str
    days: tuple[DayCount, ...]
    total_count: int | None
    """The endpoint's ``totalCount`` (``None`` when it sent none)."""
    listed: int
    """How many incidents the endpoint actually listed."""
    outside: int = 0
    """Listed incidents created outside the days asked for."""
    undated: int = 0
    """Listed incidents whose ``created_at`` is missing or unreadable."""
    mismatched: tuple[DayCount, ...] = field(default=())

    @property
    def ours_total(self) -> int:
        """Our count over the days."""
        return sum(d.ours for d in self.days)

    @property
    def theirs_total(self) -> int:
        """The endpoint's count over the days (from its listed incidents)."""
        return sum(d.theirs for d in self.days)

    @property
    def agrees(self) -> bool:
        """Every day matches and the endpoint's own answer is consistent."""
        consistent = self.total_count is None or self.total_count == self.listed
        return not self.mismatched and not self.outside and not self.undated and consistent

    def summary(self) -> str:
        """One line for the status bar."""
        span = f"{len(self.days)} day{'s' if len(self.days) != 1 else ''}"
        if self.agrees:
            return (
                f"{self.remote}: agrees with Kitehouse /dashboard over {span} "
                f"({self.ours_total} incidents)"
            )
        problems: list[str] = []
        for day in self.mismatched[:3]:
            problems.append(f"{day.day} ours {day.ours} / server {day.theirs}")
        if len(self.mismatched) > 3:
            problems.append(f"{len(self.mismatched) - 3} more days differ")
        if self.total_count is not None and self.total_count != self.listed:
            problems.append(f"server totalCount {self.total_count} but {self.listed} listed")
        if self.outside:
            problems.append(f"{self.outside} listed outside the range")
        if self.undated:
            problems.append(f"{self.undated} without a creation time")
        return f"{self.remote}: differs from Kitehouse /dashboard: " + "; ".join(problems)


def compare_dashboard(
    remote: str, ours: Mapping[str, int], payload: Mapping[str, Any], days: Sequence[str]
) -> DashboardCheck:
    """Compare our per-day counts (``{"2026-11-22": 5}``, UTC days) for one Kitehouse remote
    with its ``/dashboard`` answer ``{incidents: [{created_at, ...}], totalCount}`` over
    ``days`` (``YYYY-MM-DD``, in order).

    The endpoint's incidents are counted by the UTC day of their ``created_at``, which is the
    field our cache's ``created_at`` comes from for Kitehouse, so both sides bucket alike.
    """
    wanted = list(days)
    theirs: dict[str, int] = dict.fromkeys(wanted, 0)
    outside = undated = 0
    incidents = payload.get("incidents")
    listed_rows: list[Any] = incidents if isinstance(incidents, list) else []
    for row in listed_rows:
        created = parse_time(row.get("created_at")) if isinstance(row, Mapping) else None
        if created is None:
            undated += 1
            continue
        day = created.astimezone(UTC).strftime("%Y-%m-%d")
        if day in theirs:
            theirs[day] += 1
        else:
            outside += 1
    total = payload.get("totalCount")
    total_count: int | None = None
    if isinstance(total, int | float) and not isinstance(total, bool):
        total_count = int(total)
    rows = tuple(DayCount(day, int(ours.get(day, 0)), theirs[day]) for day in wanted)
    return DashboardCheck(
        remote=remote,
        days=rows,
        total_count=total_count,
        listed=len(listed_rows),
        outside=outside,
        undated=undated,
        mismatched=tuple(d for d in rows if not d.agrees),
    )


def check_days(now: datetime, count: int) -> list[str]:
    """The last ``count`` UTC days up to and including today, oldest first."""
    today = floor_to(now, hourly=False)
    return [(today - timedelta(days=count - 1 - n)).strftime("%Y-%m-%d") for n in range(count)]
