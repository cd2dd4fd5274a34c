"""Custom attribute values compared as the remote stores them, by the attribute's type."""

from __future__ import annotations

import pytest

from incident_tui.domain.attributes import same_value, stored_as, type_of


def test_values_are_compared_as_the_remote_stores_them() -> None:
    # The remote's value carries its declared type: a STRING keeps our 123 as "123".
    assert same_value(123, "123") and same_value(True, "true") and not same_value(1.0, "1")
    assert same_value("5", 5) and same_value("5.0", 5) and same_value("true", True)
    assert not same_value(124, "123") and not same_value("abc", 5)
    # A BOOLEAN is never the number one, though Python says True == 1.
    assert not same_value(True, 1) and not same_value(1, True)
    assert same_value(None, None) and not same_value(None, "x") and not same_value("x", None)
    assert same_value(123, "123", "STRING") and not same_value("yes", True, "BOOLEAN")


@pytest.mark.parametrize(
    ("value", "kind", "stored"),
    [(7, "STRING", "7"), (False, "STRING", "false"), (" 8 ", "NUMBER", 8), (2.0, "NUMBER", 2),
     ("TRUE", "BOOLEAN", True), ("many", "NUMBER", "many"), ([1], "STRING", [1]), (5, None, 5)],
)
def test_stored_as_converts_what_a_server_converts(value: object, kind: str | None,
                                                   stored: object) -> None:
    assert stored_as(value, kind) == stored and type(stored_as(value, kind)) is type(stored)


def test_the_declared_type_wins_over_the_current_value() -> None:
    assert type_of("count", {"count": "NUMBER"}, {"count": "5"}) == "NUMBER"
    assert type_of("count", {}, {"count": "5"}) == "STRING"
    assert type_of("count", {}, {}) is None
