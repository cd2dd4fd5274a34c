"""Status and severity vocabularies map as contracts/README.md says; times parse in every form."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone

import pytest

from incident_tui.clock import to_db
from incident_tui.domain.mapping import (
    format_time,
    parse_time,
    severity_from_keywords,
    status_from_code,
    status_from_keywords,
    warn_once,
    without_empty,
)
from incident_tui.domain.model import Severity, Status


def test_status_keywords_and_overrides() -> None:
    assert status_from_keywords("Open") is Status.TRIGGERED
    assert status_from_keywords("in_progress") is Status.ACKNOWLEDGED
    assert status_from_keywords("Under review") is Status.ACKNOWLEDGED
    assert status_from_keywords("closed") is Status.RESOLVED
    assert status_from_keywords("Closed - pending review") is Status.RESOLVED
    assert status_from_keywords("weird") is Status.TRIGGERED
    assert status_from_keywords("weird", {"WEIRD": "resolved"}) is Status.RESOLVED


def test_severity_keywords() -> None:
    assert severity_from_keywords("Urgent") is Severity.CRITICAL
    assert severity_from_keywords("High") is Severity.MAJOR
    assert severity_from_keywords("normal") is Severity.MINOR
    assert severity_from_keywords("whatever") is None
    assert severity_from_keywords(None) is None
    assert severity_from_keywords("P1", {"p1": "critical"}) is Severity.CRITICAL


def test_status_code_table() -> None:
    table = {"NEW": Status.TRIGGERED, "IN_PROGRESS": Status.ACKNOWLEDGED}
    assert status_from_code("in progress", table) is Status.ACKNOWLEDGED
    assert status_from_code("in-progress", table) is Status.ACKNOWLEDGED
    assert status_from_code("ODD", table) is Status.TRIGGERED


def test_parse_time_forms() -> None:
    expected = datetime(2024, 11, 11, 10, 57, 27, tzinfo=UTC)
    assert parse_time("2024-11-11T10:57:27Z") == expected
    assert parse_time("2024-11-11T18:57:27+08:00") == expected
    assert parse_time("2024-11-11 10:57:27") == expected
    assert parse_time(int(expected.timestamp())) == expected
    assert parse_time(str(int(expected.timestamp()))) == expected
    assert parse_time({"_type": "DateTime", "value": "2024-11-11T10:57:27.000Z"}) == expected
    nanos = parse_time("2025-01-21T07:19:33.802185123Z")
    assert nanos is not None and nanos.microsecond == 802185
    assert parse_time("") is None and parse_time(0) is None and parse_time("garbage") is None
    assert format_time(expected) == "2024-11-11T10:57:27Z"


def test_parse_time_edge_forms() -> None:
    # Digits are epoch seconds, never a basic-format ISO date.
    assert parse_time("20240101") == datetime.fromtimestamp(20240101, UTC)
    assert parse_time("  2024-11-11T10:57:27Z  ") == datetime(2024, 11, 11, 10, 57, 27, tzinfo=UTC)
    assert parse_time("2024-11-11T10:57:27z") == datetime(2024, 11, 11, 10, 57, 27, tzinfo=UTC)
    assert parse_time("2024-11-11") == datetime(2024, 11, 11, tzinfo=UTC)
    assert parse_time("2024-11-11T10:57:27+00:00").tzinfo is UTC  # type: ignore[union-attr]


def test_cache_time_text() -> None:
    utc = datetime(2024, 11, 11, 10, 57, 27, 5, tzinfo=UTC)
    assert to_db(utc) == "2024-11-11T10:57:27.000005Z"
    assert to_db(utc.astimezone(timezone(timedelta(hours=8)))) == "2024-11-11T10:57:27.000005Z"
    assert to_db(utc.replace(tzinfo=None)) == "2024-11-11T10:57:27.000005Z"
    assert to_db(None) is None


def test_severity_keywords_are_cached_per_name_not_per_override() -> None:
    assert severity_from_keywords("Sev High") is Severity.MAJOR
    assert severity_from_keywords("Sev High", {"sev high": "critical"}) is Severity.CRITICAL
    assert severity_from_keywords("Sev High") is Severity.MAJOR


def test_without_empty_drops_none_blank_and_empty_lists_only() -> None:
    values = {"a": None, "b": "", "c": [], "d": 0, "e": False, "f": {}, "g": "x", "h": [1]}
    assert without_empty(values) == {"d": 0, "e": False, "f": {}, "g": "x", "h": [1]}
    assert without_empty(values, keep_blank=True) == {
        "b": "", "d": 0, "e": False, "f": {}, "g": "x", "h": [1]
    }
    assert list(without_empty({"z": 1, "a": 2})) == ["z", "a"]  # order kept (shown as is)


def test_an_unmapped_status_word_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    # Every pass maps every record again: a warning per record put thousands of the same line
    # on the terminal. Once per word (per process), with how to map it where the kind can.
    warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="incident_tui.domain.mapping"):
        for _ in range(3):
            assert status_from_keywords("Quarantäne") is Status.TRIGGERED
            assert status_from_keywords("Quarantäne", {}) is Status.TRIGGERED
            assert status_from_keywords("on hold", {}) is Status.TRIGGERED
    assert [r.getMessage() for r in caplog.records] == [
        "unknown status 'Quarantäne', shown as triggered",
        "unknown status 'Quarantäne', shown as triggered (the remote's status_map in the "
        "config can say what it means)",
        "unknown status 'on hold', shown as triggered (the remote's status_map in the "
        "config can say what it means)",
    ]
    assert status_from_keywords("Quarantäne", {"quarantäne": "resolved"}) is Status.RESOLVED
