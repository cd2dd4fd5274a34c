"""The detail's Conflict panel: the reason, the fields in dispute, and the remote's values
under one heading, each value in line with the incident's other fields."""

from __future__ import annotations

from incident_tui.ui.screens import detail_content


def test_their_values_line_up_under_a_heading() -> None:
    conflict = {
        "reason": "the remote changed status since the last pull",
        "fields": ["status", "description"],
        "theirs": {"status": "resolved", "description": "Fixed\\nby \x1b[31mthe day shift"},
    }
    plain = detail_content.conflict({"conflict": conflict}).plain
    assert plain.splitlines() == [
        "Reason        the remote changed status since the last pull",
        "Fields        status, description",
        "Theirs",
        "  description Fixed\\nby the day shift",
        "  status      resolved",
    ]


def test_no_values_of_theirs_no_heading() -> None:
    plain = detail_content.conflict({"conflict": {"reason": "deleted", "theirs": {}}}).plain
    assert plain.splitlines() == ["Reason        deleted"]


def _status_line(incident: dict[str, object]) -> str:
    lines = detail_content.fields(incident).plain.splitlines()
    return next(line for line in lines if line.startswith("Status"))


def test_status_row_gives_the_remotes_word_from_the_conflict() -> None:
    # Acknowledged here while the remote resolved it: the stored word ("triggered") is from
    # before, the conflict holds what the remote says now.
    incident = {
        "id": "pager:7", "remote": "pager", "kind": "revily",
        "status": "acknowledged", "status_raw": "triggered",
        "severity": "major", "severity_raw": "high",
        "conflict": {
            "reason": "the remote changed status since the last pull",
            "theirs": {"status": "resolved", "severity": "critical"},
            "theirs_raw": {"status_raw": "resolved", "severity_raw": "urgent"},
        },
    }
    assert _status_line(incident) == "Status        acknowledged  (remote: resolved)"
    severity = detail_content.fields(incident).plain.splitlines()[3]
    assert severity == "Severity      major  (remote: urgent)"


def test_status_row_without_conflict_keeps_the_stored_word() -> None:
    incident = {
        "id": "pager:7", "remote": "pager", "kind": "revily",
        "status": "acknowledged", "status_raw": "triggered", "conflict": None,
    }
    assert _status_line(incident) == "Status        acknowledged  (remote: triggered)"
    # A conflict from before words were kept (no theirs_raw) falls back to the stored word.
    incident["conflict"] = {"reason": "deleted", "theirs": {}}
    assert _status_line(incident) == "Status        acknowledged  (remote: triggered)"


def test_their_value_of_a_contested_attribute_is_listed_with_their_fields() -> None:
    # An AOH IMS attribute someone else changed: it is no field of the incident, so the
    # conflict keeps their value apart; listed only in the reason, it was easy to miss.
    conflict = {
        "reason": "the remote changed count since the last pull (it has 7)",
        "fields": ["count"],
        "theirs": {"status": "triggered"},
        "theirs_attributes": {"count": 7},
    }
    plain = detail_content.conflict({"conflict": conflict}).plain
    assert plain.splitlines()[2:] == ["Theirs", "  status      triggered", "  count       7"]
