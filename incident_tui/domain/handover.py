"""The shift-handover summary as plain data (its Markdown, JSON and plain-text forms are in
:mod:`incident_tui.domain.handover_render`).

A shift lead reads it top-down: what needs attention now, what is new, what got resolved or
reopened, what is still open from before, what has gone stale, the shift's comments and how
fresh each remote's data is. :mod:`incident_tui.store.handover_queries` fills a
:class:`Handover` from the cache; this module decides nothing about SQL and touches neither
settings nor the store.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from incident_tui.domain.attributes import NUMBER
from incident_tui.domain.mapping import format_time, parse_time
from incident_tui.domain.stats import format_duration
from incident_tui.domain.text import clean, shorten

SECTION_ORDER: tuple[str, ...] = ("attention", "new", "resolved", "reopened", "carried", "stale")
"""Section keys in reading order: the sections a handover has, in this order (the store
builds them from this tuple)."""

TITLE_WIDTH = 120
"""Longest title printed; a handover is read in an e-mail, not a terminal of unknown width."""

BODY_WIDTH = 400
"""Longest comment body printed (folded to one line)."""

REASON_WIDTH = 160
"""Longest failure or conflict reason printed."""


# Data ---------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Reason:
    """Why an incident needs attention: a stable ``code`` and, for some, a ``detail``.

    Codes: ``critical`` / ``major`` (open at that severity), ``overdue`` (its promised
    ``next_update`` has passed; detail = the ISO time), ``conflict`` (the remote changed what
    we changed; detail = why), ``failed`` (the remote refused a queued change; detail = why).
    """

    code: str
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Unsent:
    """A status change made here that the remote has not accepted yet: the incident shows
    its outcome, the remote (and everyone who reads it) does not."""

    change: str
    """``resolve``, ``acknowledge`` or ``reopen`` (the latest such change queued)."""
    state: str
    """Its outbox state: ``queued`` or ``sending`` (waiting to go, or going), ``failed``
    (refused) or ``conflict`` (with what someone else changed there)."""


UNSENT_OUTCOMES = {"acknowledge": "acknowledged", "resolve": "resolved", "reopen": "triggered"}
"""The status each unsent status change shows (a 4HSE reopen shows ``acknowledged``: any
status but ``resolved`` is a reopen's)."""


def resolved_here_only(status: str, unsent: Unsent | None) -> bool:
    """Whether an incident in ``status`` whose latest unsent status change is ``unsent``
    is resolved here only: the remote has not accepted the resolution, and has it open."""
    return status == "resolved" and unsent is not None and unsent.change == "resolve"


@dataclass(frozen=True, slots=True)
class HandoverItem:
    """One incident as the handover lists it. Text fields hold the stored (remote) text."""

    id: str
    remote: str
    ref: str | None
    title: str
    status: str
    severity: str | None
    created_at: datetime | None
    updated_at: datetime | None
    resolved_at: datetime | None
    acknowledged_at: datetime | None = None
    next_update: datetime | None = None
    reasons: tuple[Reason, ...] = ()
    unsent: Unsent | None = None
    """The status shown comes from a change made here that the remote has not accepted."""
    reopened_at: datetime | None = None
    """When it was last reopened, as far as the cache saw (a pull that found it open again,
    or the remote accepting a reopen from here); ``None``: not seen reopened."""
    reopened: bool = False
    """Reopened during the shift (at :attr:`reopened_at`); it may be resolved again since."""
    resolved_day: date | None = None
    """The remote gave the day of the resolution alone (4HSE), this one in the user's zone:
    :attr:`resolved_at` is no moment it happened at, only where the cache places it within
    that day (the sync that saw it closed, or the day's last moment)."""
    gone: str | None = None
    """Gone from its remote (``deleted on the remote``, or not on the system its remote now
    points at), kept here only for the changes of it that wait: the status is the cache's,
    and no one on the remote sees the incident any more."""

    @property
    def open(self) -> bool:
        """Not resolved (here: see :attr:`resolution_unsent` for the remote)."""
        return self.status != "resolved"

    @property
    def resolution_unsent(self) -> bool:
        """Resolved here only: the resolution is queued, refused or in conflict, so on the
        remote the incident is still open. The handover counts it as open."""
        return resolved_here_only(self.status, self.unsent)

    @property
    def shows_unsent(self) -> bool:
        """The status shown is the outcome of :attr:`unsent`, which the remote does not have
        yet. Not once the remote refused the change and a sync read the incident again: the
        status is then the remote's, the refused change waiting beside it."""
        if self.unsent is None:
            return False
        if self.unsent.change == "reopen":
            return self.status != "resolved"
        return self.status == UNSENT_OUTCOMES.get(self.unsent.change, self.status)

    @property
    def last_update(self) -> datetime | None:
        """When anything last happened to it (its creation if it never changed)."""
        return self.updated_at or self.created_at


@dataclass(frozen=True, slots=True)
class Section:
    """One bucket of the handover with its exact count and its first ``len(items)`` incidents."""

    key: str
    title: str
    total: int
    items: tuple[HandoverItem, ...]
    order: str = ""
    """How the items are ordered, in words (shown after the title)."""
    unsent: int = 0
    """Incidents left out because the change that would put them here has not reached the
    remote: resolutions (reopenings) made here that are queued, refused or in conflict. The
    remote still has them open (resolved), so they are counted (and marked) where such an
    incident goes."""
    untimed: int = 0
    """Incidents left out because the cache does not know when they were resolved yet (a
    remote's summary can lack it until the full record is read) although they changed in
    the shift: their last update is no resolution time, so they are not counted as resolved
    in it."""
    day_only: int = 0
    """Incidents left out because the remote gives only the day they were resolved on (4HSE),
    no sync saw them resolved on that day, and the day lies only partly in the shift: they
    may have been resolved in the part before it as well as in it."""

    @property
    def omitted(self) -> int:
        """How many incidents the count includes but the listing leaves out."""
        return max(0, self.total - len(self.items))


@dataclass(frozen=True, slots=True)
class ShiftComment:
    """A comment written during the shift."""

    author: str | None
    body: str
    created_at: datetime | None
    pending: bool = False
    """Written here and not yet accepted by the remote."""


@dataclass(frozen=True, slots=True)
class CommentThread:
    """The shift's comments on one incident (the latest ones when there are many)."""

    incident_id: str
    title: str
    total: int
    comments: tuple[ShiftComment, ...]

    @property
    def omitted(self) -> int:
        """Earlier comments of the shift not listed."""
        return max(0, self.total - len(self.comments))


@dataclass(frozen=True, slots=True)
class RemoteFreshness:
    """How current the cache is for one remote, judged against the shift."""

    name: str
    kind: str | None
    state: str
    """``never``, ``ok``, ``failing`` or ``offline`` (the ``remote`` table's state)."""
    last_ok_at: datetime | None
    last_error: str | None
    queued: int
    """Local changes waiting to be pushed."""
    blocked: int
    """Of those, refused or in conflict: they wait for the user."""
    stale: bool
    """The summary cannot be trusted for this remote: never synced, not since the shift
    began or for over :data:`SYNC_FRESH_FOR`, or its last attempt failed."""
    note: str
    """The freshness in words."""
    configured: bool = True
    """``False``: the config no longer names it. Nothing syncs it and no change to it can
    be sent, so its incidents are left out of the summary (it is :attr:`stale`)."""
    disabled: bool = False
    """The config has it ``enabled = false``: nothing syncs it unless asked to by name, so
    its data ages on purpose (the note says so)."""

    @property
    def warning(self) -> str:
        """What the top of the report says about it when it is :attr:`stale`."""
        if not self.configured:
            # The note starts "no longer in the config, ..." and says what is left out.
            return f"{self.name} is {self.note}."
        return f"Data from {self.name} may be out of date: {self.note}."


@dataclass(frozen=True, slots=True)
class Handover:
    """The shift-handover summary of the ``hours`` before ``generated_at``."""

    generated_at: datetime
    since: datetime
    hours: float
    stale_hours: float
    sections: tuple[Section, ...]
    comments: tuple[CommentThread, ...] = ()
    comment_total: int = 0
    """Comments written during the shift, on all incidents."""
    comment_incidents: int = 0
    """Incidents with comments during the shift (``comments`` may list fewer)."""
    remotes: tuple[RemoteFreshness, ...] = ()
    after_end: int = 0
    """Incidents a remote dates after the shift's end (created or resolved later than
    :attr:`until`) that no section counts, so the summary says how many. One a section
    counts all the same (an open critical one needs attention whenever it is dated) is not
    among them."""

    @property
    def until(self) -> datetime:
        """The last moment a time from a remote counts as in the shift (see :data:`CLOCK_SKEW`)."""
        return self.generated_at + CLOCK_SKEW

    def section(self, key: str) -> Section:
        """The section called ``key`` (one of :data:`SECTION_ORDER`)."""
        for section in self.sections:
            if section.key == key:
                return section
        raise KeyError(key)

    @property
    def counts(self) -> dict[str, int]:
        """Every section's count plus the shift's comments, in reading order."""
        result = {s.key: s.total for s in self.sections}
        result["comments"] = self.comment_total
        return result

    @property
    def warnings(self) -> list[str]:
        """What makes this summary incomplete, worded for the top of the report."""
        if not self.remotes:
            return ["No remote has synced into this cache: the summary is empty or local only."]
        return [r.warning for r in self.remotes if r.stale]

    @property
    def brief_warnings(self) -> list[str]:
        """:attr:`warnings` in a line each, for a terminal: every stale remote with its state
        and the age of its last sync, without the error's text (the remote's note keeps it).

        A full reason runs to three or four lines at 80 columns: five stale remotes would
        fill the first screen and push "At a glance" off it."""
        if not self.remotes:
            return self.warnings
        now = self.generated_at
        return [
            f"{r.name} is no longer in the config: left out, {brief_freshness(r, now)}"
            if not r.configured
            else f"Data from {r.name} may be out of date: {brief_freshness(r, now)}"
            for r in self.remotes
            if r.stale
        ]


def brief_freshness(remote: RemoteFreshness, now: datetime) -> str:
    """A remote's freshness in a few words: ``never synced`` or ``synced 14h ago`` (its last
    successful sync, in its largest unit), led by ``offline, `` or ``failing, `` when its
    last attempt failed (unless the config no longer names it: nothing tries it now)."""
    if remote.last_ok_at is None:
        when = "never synced"
    else:
        # "14h", not "14h 00m": the minutes would wrap the line at 80 columns, and the
        # remote's note has the exact time.
        age = format_duration((now - remote.last_ok_at).total_seconds()).split(" ")[0]
        when = f"synced {age} ago"
    failed = remote.configured and remote.state in ("failing", "offline")
    if remote.disabled:
        return f"disabled, {when}"
    return f"{remote.state}, {when}" if failed else when


def stamp(moment: datetime | None) -> str:
    """A time as the report prints it: ``2026-11-22 09:14Z`` (UTC, to the minute)."""
    if moment is None:
        return "unknown"
    moment = moment.astimezone(UTC)
    # Not strftime: its %Y writes the year 1 (Go's zero time, from a remote) as "1".
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d} "
        f"{moment.hour:02d}:{moment.minute:02d}Z"
    )


MAX_HOURS = 8784.0
"""Longest span a handover covers: a leap year. Far beyond any shift, and far below what
date arithmetic overflows on (``2e7`` hours back is before the year 1)."""


def positive_hours(text: str) -> float:
    """Parse a shift length in hours for ``--hours``: a number above zero and at most
    :data:`MAX_HOURS`.

    Raises ``ValueError`` naming what was given; the command line shows it as wrong usage.
    """
    # ASCII digits only: float() also reads 12_0 as 120 and full-width digits.
    value = float(text) if NUMBER.fullmatch(text.strip()) else math.nan
    if not (value > 0 and math.isfinite(value)):
        raise ValueError(f"hours must be a positive number, not {text!r}")
    if value > MAX_HOURS:
        raise ValueError(f"hours must be at most {MAX_HOURS:g} (a year), not {text!r}")
    return value


CLOCK_SKEW = timedelta(minutes=5)
"""How far past the shift's end a time from a remote may lie and still count as in the shift.
Remotes stamp times by their own clocks, which may run a little ahead of ours: an incident
opened a moment ago on such a server must still be new this shift. Anything later (2030,
9999: a wrong clock or a damaged record) did not happen in this shift."""


SYNC_FRESH_FOR = timedelta(hours=1)
"""How long after a remote's last successful sync the summary still counts its data as
current. The TUI syncs every ``poll_seconds`` (30 s by default), so an hour is a great many
missed passes; a remote silent that long (the TUI closed and no ``sync`` run, or the remote
failing) is warned about even within the shift."""


# Building blocks the query layer uses -------------------------------------------------------


def next_update_of(extra: Mapping[str, Any] | None) -> datetime | None:
    """The promised time of the next update (AOH IMS ``extra["next_update"]``: ISO text,
    Unix seconds, or ``None``/``0`` for none)."""
    if not extra:
        return None
    return parse_time(extra.get("next_update"))


def conflict_reason(conflict_json: str | None) -> str | None:
    """The reason stored with a conflict (the incident's ``conflict`` column), if any."""
    if not conflict_json:
        return None
    try:
        data = json.loads(conflict_json)
    except ValueError:
        return "changed on the remote"
    reason = data.get("reason") if isinstance(data, dict) else None
    return str(reason) if reason else "changed on the remote"


def attention_reasons(
    *,
    status: str,
    severity: str | None,
    next_update: datetime | None,
    conflict: str | None,
    failures: tuple[str, ...],
    now: datetime,
    resolution_unsent: bool = False,
) -> tuple[Reason, ...]:
    """Why an incident needs attention now (empty when it does not).

    ``conflict`` is the stored conflict reason, ``failures`` the reasons the remote gave for
    refusing queued changes. An overdue update only matters while the incident is open; a
    conflict or refused change matters whatever its status, since it waits for the user.
    ``resolution_unsent``: resolved here only (the resolution has not reached the remote),
    so still open there, for the people paged and for the severity rules.
    """
    reasons: list[Reason] = []
    is_open = status != "resolved" or resolution_unsent
    if is_open and severity in ("critical", "major"):
        reasons.append(Reason(severity))
    if is_open and next_update is not None and next_update <= now:
        reasons.append(Reason("overdue", format_time(next_update)))
    if conflict is not None:
        reasons.append(Reason("conflict", conflict))
    for failure in dict.fromkeys(failures):  # de-duplicated, first-seen order
        reasons.append(Reason("failed", failure))
    return tuple(reasons)


def assess_remote(
    *,
    name: str,
    kind: str | None,
    state: str | None,
    last_ok_at: datetime | None,
    last_error: str | None,
    queued: int,
    blocked: int,
    since: datetime,
    now: datetime,
    disabled: bool = False,
) -> RemoteFreshness:
    """Judge one remote's freshness: stale when it never synced, when its last successful
    sync is older than the shift start or more than :data:`SYNC_FRESH_FOR` before ``now``
    (what changed there since is missing), or when its last attempt failed (it is failing
    or offline now, however recent its last success: the summary cannot say what it
    missed). ``disabled``: the config has it ``enabled = false``, which the note names as
    the reason nothing syncs it."""
    state = state or "never"
    failed = state in ("failing", "offline")
    if last_ok_at is None:
        stale = True
        note = "never synced successfully"
    elif last_ok_at < since or last_ok_at < now - SYNC_FRESH_FOR:
        stale = True
        when = (
            "before this shift began"
            if last_ok_at < since
            else f"more than {SYNC_FRESH_FOR.total_seconds() / 3600:g} h before this summary"
        )
        note = (
            f"last successful sync {stamp(last_ok_at)} "
            f"({format_duration((now - last_ok_at).total_seconds())} ago), {when}"
        )
    else:
        stale = failed
        note = (
            f"synced {stamp(last_ok_at)} "
            f"({format_duration((now - last_ok_at).total_seconds())} ago)"
        )
    if failed and last_error:
        # Without the error's own full stop: the warning ends the sentence with one.
        reason = shorten(clean(last_error, single_line=True).rstrip(". "), 100)
        note += f"; last attempt {state}: {reason}"
    elif failed:
        note += f"; last attempt {state}"
    if disabled:
        note += "; disabled in the config (enabled = false), so nothing syncs it"
    return RemoteFreshness(
        name=name,
        kind=kind,
        state=state,
        last_ok_at=last_ok_at,
        last_error=last_error,
        queued=queued,
        blocked=blocked,
        stale=stale,
        note=note,
        disabled=disabled,
    )
