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
