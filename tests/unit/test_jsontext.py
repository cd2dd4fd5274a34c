"""The fast JSON helpers read and write what the standard library would, and fail the same way."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from incident_tui.domain import jsontext


def test_loads_takes_what_the_standard_library_takes() -> None:
    assert jsontext.loads(b'{"a": [1, "\\u00e9"]}') == {"a": [1, "é"]}
    # orjson refuses these; remotes may still send them.
    big = jsontext.loads(b'{"n": 123456789012345678901234567890}')
    assert big == {"n": 123456789012345678901234567890}
    # The edges of orjson's 64 bits: the first integer it would turn into a float, the most
    # negative one, and long digit runs inside text that must not change anything.
    edges = [2**64 - 1, 2**64, -(2**63) - 1, 10**19 - 1, "12345678901234567890123"]
    assert jsontext.loads(json.dumps(edges).encode()) == edges
    assert str(jsontext.loads(b"[NaN]")[0]) == "nan"
    assert jsontext.loads('"ok"'.encode("utf-16")) == "ok"


@pytest.mark.parametrize("garbage", [b"{bad", b'{"a": 1', b"", b"\xff\xfe\x00"])
def test_loads_garbage_raises_value_error(garbage: bytes) -> None:
    with pytest.raises(ValueError):
        jsontext.loads(garbage)


def test_dumps_is_compact_and_round_trips() -> None:
    value = {"b": [1, None], "a": "é [/]\x1b", "c": {"x": 1.5}}
    text = jsontext.dumps(value)
    assert json.loads(text) == value
    assert " " not in jsontext.dumps({"a": 1, "b": 2})


def test_dumps_sorted_is_canonical() -> None:
    assert jsontext.dumps({"b": 1, "a": {"d": 2, "c": 3}}, sort_keys=True) == (
        '{"a":{"c":3,"d":2},"b":1}'
    )
    assert jsontext.dumps({"b": 1, "a": 2}, sort_keys=True) == jsontext.dumps(
        {"a": 2, "b": 1}, sort_keys=True
    )


def test_dumps_falls_back_for_what_orjson_refuses() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    assert json.loads(jsontext.dumps({"at": moment})) == {"at": str(moment)}
    assert json.loads(jsontext.dumps({"n": 10**30})) == {"n": 10**30}
    assert json.loads(jsontext.dumps({1: "int key"})) == {"1": "int key"}


@pytest.mark.parametrize(
    ("body", "long"),
    [
        (b'{"n": 123456789012345678901}', True),
        (b'{"n":123456789012345678901}', True),
        (b"[1,123456789012345678901]", True),
        (b"[123456789012345678901]", True),
        (b'{"n": -123456789012345678901}', True),
        (b'{"n":\n123456789012345678901}', True),
        (b"123456789012345678901", True),
        (b'{"n": 12345678901234567890.5}', True),  # a float anyway: the exact path is harmless
        # Digit runs inside text: MongoDB object ids, a long numeric string.
        (b'{"_id": "65f000010000000000000001"}', False),
        (b'{"ref": "123456789012345678901"}', False),
        (b'{"n": 1234567890123456789}', False),
    ],
)
def test_only_number_tokens_of_twenty_digits_take_the_exact_decoder(
    body: bytes, long: bool
) -> None:
    assert jsontext._has_long_number(body) is long
    assert jsontext.loads(body) == json.loads(body)


@pytest.mark.parametrize(
    "body",
    [
        b'{"t": "a \\ud800 b", "\\udc80k": ["\\uDBFF", {"n": "\\udfff!"}]}',
        # The exact decoder's path (a long number) repairs as well.
        b'{"n": 123456789012345678901, "t": "a \\ud800 b", "\\udc80k": ["\\uDBFF", '
        b'{"n": "\\udfff!"}]}',
        # A surrogate encoded as if it were UTF-8, which the standard library reads.
        b'{"t": "a \xed\xa0\x80 b", "\xed\xb2\x80k": ["\\uDBFF", {"n": "\\udfff!"}]}',
    ],
)
def test_a_lone_surrogate_becomes_the_replacement_character(body: bytes) -> None:
    value = jsontext.loads(body)
    assert value["t"] == "a \ufffd b"
    assert value["\ufffdk"] == ["\ufffd", {"n": "\ufffd!"}]
    jsontext.dumps(value).encode()  # what the store does with it: no UnicodeEncodeError


def test_surrogate_pairs_and_text_near_surrogates_stay_as_they_are() -> None:
    # A valid pair (an emoji), Hangul (UTF-8 bytes starting like an encoded surrogate) and
    # an escaped backslash before "ud800" are no lone surrogates.
    body = '{"e": "\\ud83d\\ude00", "k": "한국어 \ud7ff", "b": "\\\\ud800"}'.encode()
    assert jsontext.loads(body) == {"e": "😀", "k": "한국어 \ud7ff", "b": "\\ud800"}
    big = b'{"n": 123456789012345678901, "e": "\\ud83d\\ude00 \\ud800"}'
    assert jsontext.loads(big) == {"n": 123456789012345678901, "e": "😀 \ufffd"}


def test_utf16_text_with_a_lone_surrogate_is_repaired() -> None:
    body = '{"t": "a \\ud800 b"}'.encode("utf-16")
    assert jsontext.loads(body) == {"t": "a \ufffd b"}
