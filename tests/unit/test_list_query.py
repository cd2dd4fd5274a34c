"""What the list's title (and the dashboard's and an export's) says of the query: the search
as it was typed, without escapes of its own and without a terminal's control sequences."""

from __future__ import annotations

import pytest

from incident_tui.domain.model import Status
from incident_tui.domain.query import ListQuery


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("disk full", "search 'disk full'"),
        ("C:\\logs\\app", "search 'C:\\logs\\app'"),
        ("o'brien", "search \"o'brien\""),
        ("ünïcode 🔥", "search 'ünïcode 🔥'"),
        ("\x1b[31mred\x1b[0m\tline\nnext", "search 'red line next'"),
    ],
)
def test_the_search_reads_as_typed(typed: str, shown: str) -> None:
    assert ListQuery(search=typed).describe() == shown


def test_filters_and_search_read_together() -> None:
    query = ListQuery(statuses=frozenset({Status.TRIGGERED}), search="a\\b", pending_only=True)
    assert query.describe() == "status triggered; search 'a\\b'; pending only"
