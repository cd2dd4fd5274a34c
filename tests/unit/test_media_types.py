"""Which MIME types an upload may carry as its HTTP ``Content-Type`` (RFC 9110 media types)."""

from __future__ import annotations

import pytest

from incident_tui.domain.media_types import is_media_type, media_type_refusal


@pytest.mark.parametrize(
    "value",
    [
        "text/plain",
        "application/pdf",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "image/svg+xml",
        "text/plain; charset=utf-8",
        'text/plain;charset="utf 8"',
    ],
)
def test_media_types_http_can_carry(value: str) -> None:
    assert is_media_type(value) and media_type_refusal(value) is None


@pytest.mark.parametrize(
    "value",
    [
        "t\u00ebxt/plain",  # not ASCII: no header can carry it
        "text/plain\r\nX-Note: 1",  # a second header smuggled in
        "text/plain\n",
        "text",
        "text/",
        "a/b/c",
        "text/ plain",
        'text/plain; charset="\u00fc"',
        "",
    ],
)
def test_values_that_are_no_media_type(value: str) -> None:
    assert not is_media_type(value)
    refusal = media_type_refusal(value)
    assert refusal is not None and "\n" not in refusal and "\r" not in refusal
