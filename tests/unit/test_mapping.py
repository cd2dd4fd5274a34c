"""Status and severity vocabularies map as contracts/README.md says; times parse in every form."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from incident_tui.clock import to_db
from incident_tui.config_remotes import OneuptimeRemote
from incident_tui.domain.mapping import (
    format_time,
    parse_time,
    severity_from_keywords,
    status_from_code,
    status_from_keywords,
    text_of,
    warn_once,
    without_empty,
)
from incident_tui.domain.model import Severity, Status
from incident_tui.remote.oneuptime_mapping import Catalog
from incident_tui.remote.oneuptime_mapping import incident_from as oneuptime_incident
from incident_tui.store.engine import make_engine
from incident_tui.store.reader import Reader
from incident_tui.sync.pull_store import store_page
from tests.conftest import NOW


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


@pytest.mark.parametrize(
    ("word", "status"),
    [
        ("Unresolved", Status.TRIGGERED), ("incomplete", Status.TRIGGERED),
        ("not_done", Status.TRIGGERED), ("Not done", Status.TRIGGERED),
        ("unassigned", Status.TRIGGERED), ("Unacknowledged", Status.TRIGGERED),
        # The keyword beside a word that only starts like a negation still counts.
        ("Under review", Status.ACKNOWLEDGED), ("INPROGRESS", Status.ACKNOWLEDGED),
        ("In progress", Status.ACKNOWLEDGED), ("Completed", Status.RESOLVED),
        ("closed, not reopened", Status.RESOLVED),
    ],
)
def test_a_negated_keyword_does_not_count(word: str, status: Status) -> None:
    assert status_from_keywords(word) is status


def test_a_negated_severity_keyword_does_not_count() -> None:
    assert severity_from_keywords("Non-urgent") is None
    assert severity_from_keywords("not urgent") is None
    assert severity_from_keywords("Urgent") is Severity.CRITICAL
    assert severity_from_keywords("Non-urgent, low") is Severity.MINOR


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


def test_epoch_milliseconds_and_out_of_range_numbers() -> None:
    expected = datetime(2025, 11, 25, 18, 30, tzinfo=UTC)
    milliseconds = int(expected.timestamp()) * 1000
    assert parse_time(milliseconds) == expected
    assert parse_time(str(milliseconds)) == expected
    # Out of any calendar: no time, not an error that would stop the remote's pull.
    assert parse_time(10**30) is None
    assert parse_time("9" * 40) is None
    assert parse_time(-(10**30)) is None
    assert parse_time(float("inf")) is None


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


def test_the_unknown_status_warning_names_the_remote(caplog: pytest.LogCaptureFixture) -> None:
    # With five remotes in one view, the user must know whose status_map to write it in.
    warn_once.cache_clear()
    with caplog.at_level(logging.WARNING, logger="incident_tui.domain.mapping"):
        assert status_from_keywords("on hold", {}, remote="plant") is Status.TRIGGERED
        assert status_from_keywords("on hold", {}, remote="site") is Status.TRIGGERED
        assert status_from_code("PARKED", {}, {}, remote="ops") is Status.TRIGGERED
    assert [r.getMessage() for r in caplog.records] == [
        f"{name}: unknown status {word!r}, shown as triggered (the remote's status_map in the "
        "config can say what it means)"
        for name, word in (("plant", "on hold"), ("site", "on hold"), ("ops", "PARKED"))
    ]


def test_text_of_keeps_text_and_writes_the_rest_out() -> None:
    assert text_of(None) is None and text_of("") == "" and text_of("a b") == "a b"
    assert (text_of(7), text_of(2.5), text_of(True)) == ("7", "2.5", "true")
    assert text_of({"type": "doc", "text": "é"}) == '{"type":"doc","text":"é"}'
    assert text_of(["INC", 7]) == '["INC",7]'


def test_a_oneuptime_row_with_odd_types_is_stored(tmp_path: Path) -> None:
    # A description sent as a document, a number as a list, a user id as an object: each was
    # bound to SQLite as it came, and the pass ended in "Error binding parameter".
    config = OneuptimeRemote(name="status", kind="oneuptime", base_url="http://h",
                             project_id="p1")
    row = {
        "_id": "i1", "title": "Pump room", "description": {"type": "doc", "text": "tripped"},
        "incidentNumberWithPrefix": ["INC", 7], "projectId": {"_id": "p1"},
        "createdByUserId": {"id": "u1"}, "labels": 5, "monitors": {"name": "m"},
        "createdAt": "2026-11-22T10:00:00Z", "updatedAt": "2026-11-22T10:00:00Z",
    }
    incident = oneuptime_incident("status", config, Catalog(config), row, row)
    assert (incident.description, incident.ref) == ('{"type":"doc","text":"tripped"}', '["INC",7]')
    engine = make_engine(tmp_path / "c.db")
    store_page(engine, "status", "oneuptime", [incident], None, NOW)
    engine.dispose()
    stored = Reader.open(tmp_path / "c.db").detail("status:i1")
    assert stored is not None
    assert (stored.incident["description"], stored.incident["ref"], stored.incident["container"],
            stored.incident["reporter"]) == (incident.description, '["INC",7]', '{"_id":"p1"}',
                                             '{"id":"u1"}')
