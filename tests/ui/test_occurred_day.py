"""4HSE says only on which day an incident occurred: the detail shows that day, not its
midnight (which, read as UTC, was the evening before west of Greenwich)."""

from __future__ import annotations

from incident_tui.ui.screens import detail_content


def test_the_detail_shows_a_4hse_occurrence_as_its_day(new_york: None) -> None:
    occurred = "2026-11-25T05:00:00.000000Z"  # the 25th's start in New York, as stored
    plain = detail_content.fields({"kind": "fourhse", "occurred_at": occurred}).plain
    assert "Occurred      2026-11-25\n" in plain + "\n"
    plain = detail_content.fields({"kind": "aoh_ims", "occurred_at": occurred}).plain
    assert "Occurred      2026-11-25 00:00" in plain
