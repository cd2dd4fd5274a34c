"""Keyword and code-table mappings from remote vocabularies to the common status and severity.

The defaults follow contracts/README.md; every remote can override them through its
``status_map`` / ``priority_map`` config, because the vocabularies are deployment specific.
"""

from __future__ import annotations

import functools
import logging
import re
import time
from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any

from incident_tui.clock import start_of_day
from incident_tui.domain import jsontext
from incident_tui.domain.model import Severity, Status

log = logging.getLogger(__name__)


WARNED_MOST = 65_536
"""Distinct warnings :func:`warn_once` remembers (200 to 350 bytes each: 23 MB at most). Some
are one per record (a remote whose every time is in a format not read): a warning forgotten
is said again by the next listing that reads its record, which a ``sync`` left running does
every 15 minutes, so the remote's whole set must fit."""


@functools.lru_cache(maxsize=WARNED_MOST)
def warn_once(message: str) -> None:
    """Log ``message`` as a warning the first time it comes in this process.

    For what a remote's records repeat: a site whose own status word is unknown here has it
    on thousands of incidents, and each pass maps them all again (a warning per record
    put 20,000 lines on the terminal for 10,000 such incidents)."""
    log.warning(message)


def _unknown_status(value: str, overrides: Mapping[str, str] | None, remote: str | None) -> None:
    # Only kinds whose config has a status_map pass one (maybe empty) to map statuses with.
    advice = " (the remote's status_map in the config can say what it means)"
    if overrides is None:
        advice = ""
    # Named: with several remotes, the user must know whose status_map to write it in.
    prefix = f"{remote}: " if remote else ""
    warn_once(f"{prefix}unknown status {value!r}, shown as triggered{advice}")


STATUS_KEYWORDS: tuple[tuple[Status, tuple[str, ...]], ...] = (
    # Resolved words first: "closed pending review" is closed, not pending.
    (Status.RESOLVED, ("closed", "resolved", "complete", "done", "archived")),
    (
        Status.ACKNOWLEDGED,
        ("progress", "assigned", "review", "investigat", "acknowledg", "action"),
    ),
    (Status.TRIGGERED, ("new", "open", "raised", "pending", "submitted", "reported")),
)

SEVERITY_KEYWORDS: tuple[tuple[Severity, tuple[str, ...]], ...] = (
    (Severity.CRITICAL, ("critical", "urgent")),
    (Severity.MAJOR, ("high", "major")),
    (Severity.MINOR, ("medium", "normal", "low", "minor")),
)


_NEGATED = re.compile(r"(?<![a-z])(?:un|non[ _-]?|not[ _-]?|no[ _-]|in(?=complete))[a-z]+")
"""A word its prefix or the word before turns around: "unresolved", "incomplete",
"not_done" and "non-urgent" contain a keyword but say the opposite of it."""


def _keywords_of(value: str) -> str:
    """``value`` folded, without the words that say the opposite of a keyword they hold."""
    return _NEGATED.sub(" ", value.casefold())


def _lookup(value: str, overrides: Mapping[str, str] | None) -> str | None:
    if not overrides:
        return None
    folded = {k.casefold(): v for k, v in overrides.items()}
    return folded.get(value.casefold())


def status_from_keywords(
    value: str | None, overrides: Mapping[str, str] | None = None, *, remote: str | None = None
) -> Status:
    """Map a free-text status by keyword; exact ``overrides`` win. Unknown maps to triggered,
    with a warning (once) that names ``remote``."""
    status = status_by_keywords(value, overrides)
    if status is None:
        _unknown_status(str(value), overrides, remote)
        return Status.TRIGGERED
    return status


def status_by_keywords(
    value: str | None, overrides: Mapping[str, str] | None = None
) -> Status | None:
    """What :func:`status_from_keywords` reads ``value`` as, or ``None`` where it knows no
    such word (and would warn and show it as triggered); no warning here."""
    if not value:
        return Status.TRIGGERED
    hit = _lookup(value, overrides)
    if hit is not None:
        return Status(hit)
    return _status_by_words(value)


@functools.lru_cache(maxsize=1024)
def _status_by_words(value: str) -> Status | None:
    # Cached like _severity_by_words: a remote has a handful of status words.
    folded = _keywords_of(value)
    for status, words in STATUS_KEYWORDS:
        if any(word in folded for word in words):
            return status
    return None


def severity_from_keywords(
    value: str | None, overrides: Mapping[str, str] | None = None
) -> Severity | None:
    """Map a free-text priority by keyword; exact ``overrides`` win. Unknown maps to None,
    as does a value that is not text (a remote's odd answer)."""
    if not value or not isinstance(value, str):
        return None
    hit = _lookup(value, overrides)
    if hit is not None:
        return Severity(hit) if hit else None
    return _severity_by_words(value)


@functools.lru_cache(maxsize=1024)
def _severity_by_words(value: str) -> Severity | None:
    # Cached: a remote has a handful of severity names and every pulled row repeats one.
    folded = _keywords_of(value)
    for severity, words in SEVERITY_KEYWORDS:
        if any(word in folded for word in words):
            return severity
    return None


def status_from_code(
    value: str | None,
    table: Mapping[str, Status],
    overrides: Mapping[str, str] | None = None,
    *,
    remote: str | None = None,
) -> Status:
    """Map a code-table status (AOH IMS style: case-insensitive, spaces and dashes as ``_``);
    an unknown one is warned about (once, naming ``remote``) and taken as triggered."""
    status = status_by_code(value, table, overrides)
    if status is None:
        _unknown_status(str(value), overrides, remote)
        return Status.TRIGGERED
    return status


def status_by_code(
    value: str | None, table: Mapping[str, Status], overrides: Mapping[str, str] | None = None
) -> Status | None:
    """What :func:`status_from_code` reads ``value`` as, or ``None`` where neither
    ``overrides`` nor ``table`` has it (it would warn and show it as triggered); no warning
    here."""
    if not value:
        return Status.TRIGGERED
    hit = _lookup(value, overrides)
    if hit is not None:
        return Status(hit)
    return table.get(value.strip().upper().replace(" ", "_").replace("-", "_"))


def parse_day(value: object) -> datetime | None:
    """A remote's calendar day (``YYYY-MM-DD``) as the start of that day in the user's zone
    (``TZ``), the zone the day is written in (a resolve writes the user's today); any other
    value as :func:`parse_time`.

    Read as UTC midnight, a day would show as the evening before anywhere west of Greenwich.
    A day whose start Python cannot reckon in the user's zone (0001-01-01, what some systems
    write for no date) is left out with a warning, as a time out of range is.
    """
    if isinstance(value, str) and len(value) == 10 and value[4] == value[7] == "-":
        try:
            return _day_start(value, time.tzname)
        except (ValueError, OverflowError):
            # One incident's odd day must not stop every pull of its remote.
            warn_once(f"day {value!r} out of range, left out")
            return None
    return parse_time(value)


# Cached per zone (a test may change it with tzset): a pull reads the same few hundred days
# for thousands of incidents.
@functools.lru_cache(maxsize=4096)
def _day_start(text: str, zone: tuple[str, str]) -> datetime | None:
    """``ValueError`` or ``OverflowError`` for a day whose start is out of range."""
    try:
        day = date.fromisoformat(text)
    except ValueError:
        return None
    return start_of_day(day).astimezone(UTC)


def parse_time(value: object) -> datetime | None:
    """Parse the timestamps the five APIs send: ISO 8601, ``YYYY-MM-DD HH:MM:SS``, a date,
    epoch seconds (int or digit string) or OneUptime's typed ``{"_type", "value"}``.

    Naive values are taken as UTC. Returns ``None`` for empty, zero or unparseable input.
    """
    if isinstance(value, dict):
        value = value.get("value")
    if value is None or value == "" or value == 0:
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return _epoch(value, value)
    if not isinstance(value, str):
        return None
    if not value.isdigit():
        # The common case first, for every pulled timestamp: ISO 8601 that Python reads as is.
        try:
            return _utc(datetime.fromisoformat(value), value)
        except (ValueError, OverflowError):
            pass  # read again below, where an unreadable one is warned of
    text = value.strip()
    if text.isdigit():
        return _epoch(int(text), value)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    # Python 3.11 parses at most 6 fractional digits; AOH sends nanoseconds.
    if "." in text:
        head, _, tail = text.partition(".")
        digits = len(tail) - len(tail.lstrip("0123456789"))
        text = head + "." + tail[: min(digits, 6)] + tail[digits:]
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        warn_once(f"unreadable time {value!r}, left out")
        return None
    try:
        return _utc(parsed)
    except OverflowError:
        # A valid time whose offset takes it past year 1 or 9999 in UTC: one incident's odd
        # value must not stop every pull of its remote.
        warn_once(f"time {value!r} out of range, left out")
        return None


EPOCH_MILLISECONDS = 100_000_000_000
"""Epoch numbers from this one up are read as milliseconds: as seconds they would be after
the year 5000, as milliseconds they are any time after March 1973 (JavaScript's
``Date.now()``, which some APIs send where seconds are documented)."""


def _epoch(number: float, value: object) -> datetime | None:
    """Epoch seconds (or milliseconds, see :data:`EPOCH_MILLISECONDS`) as a UTC time;
    ``None`` with a warning when out of range. ``value``: what the remote sent."""
    seconds = number / 1000 if abs(number) >= EPOCH_MILLISECONDS else number
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (ValueError, OverflowError, OSError):
        # One incident's odd value must not stop every pull of its remote.
        warn_once(f"time {value!r} out of range, left out")
        return None


def _utc(moment: datetime, text: str | None = None) -> datetime:
    """``moment`` in UTC; a naive one is taken as UTC already. ``text``: what ``moment`` was
    parsed from, if it was."""
    if moment.tzinfo is UTC:
        return moment
    if moment.tzinfo is not None:
        return moment.astimezone(UTC)
    if text is not None:
        # Parsing the text again with an offset costs a fifth of ``replace(tzinfo=...)``,
        # which this would otherwise run for every naive timestamp a pull brings.
        # A date alone takes a time before the offset (with only the offset it stays naive).
        suffix = "T00:00+00:00" if len(text) == 10 else "+00:00"
        try:
            again = datetime.fromisoformat(text + suffix)
        except ValueError:
            again = moment
        if again.tzinfo is UTC:
            return again
    return moment.replace(tzinfo=UTC)


def text_of(value: Any) -> str | None:
    """What a remote sent for a text field, as text: a string as it is, a number as written,
    a list or an object as JSON (a rich-text description, say: shown rather than dropped),
    nothing as ``None``. The cache stores text there; anything else ended the pass."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"  # as JSON writes it, not Python's True
    if isinstance(value, int | float):
        return str(value)
    return jsontext.dumps(value)


def without_empty(values: dict[str, Any], *, keep_blank: bool = False) -> dict[str, Any]:
    """``values`` without the entries that are ``None`` or ``[]``, nor ``""`` unless
    ``keep_blank``. Other false values (``0``, ``False``, ``{}``) are kept."""
    # Truthy values pass on the first test: this runs for every pulled row, several times.
    return {
        key: value
        for key, value in values.items()
        if value or not (value is None or value == [] or (value == "" and not keep_blank))
    }


def format_time(value: datetime | None) -> str | None:
    """Format a datetime as ISO 8601 UTC with a ``Z`` (the JSON shape of interface.md)."""
    if value is None:
        return None
    moment = value.astimezone(UTC)
    # Not strftime: its %Y writes the year 1 as "1", which is not ISO 8601.
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}Z"
    )
