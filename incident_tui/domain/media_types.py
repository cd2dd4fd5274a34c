"""Whether a MIME type given for an upload can go out as an HTTP ``Content-Type``.

Checked against the media-type grammar of RFC 9110 section 8.3.1 (``type/subtype`` tokens,
then optional ``; name=value`` parameters), token by token. The standard library's ``email``
header parser is lenient where HTTP is not: it takes non-ASCII text (RFC 6532) without a
defect, and such a value cannot be written into an HTTP header at all.
"""

from __future__ import annotations

import re

_TOKEN = r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+"
_QUOTED = r'"(?:[\t \x21\x23-\x5b\x5d-\x7e]|\\[\t \x21-\x7e])*"'
_MEDIA_TYPE = re.compile(
    rf"{_TOKEN}/{_TOKEN}(?:[ \t]*;[ \t]*(?:{_TOKEN}=(?:{_TOKEN}|{_QUOTED}))?)*"
)


def is_media_type(value: str) -> bool:
    """Whether ``value`` is a media type HTTP can carry: ``text/plain``,
    ``application/vnd.ms-excel``, ``text/plain; charset=utf-8``."""
    return _MEDIA_TYPE.fullmatch(value) is not None


def media_type_refusal(value: str) -> str | None:
    """Why ``value`` cannot be an upload's content type (one line, the value quoted with its
    control characters escaped), or ``None`` when it can."""
    if is_media_type(value):
        return None
    return (
        f"content type {value!r} is not a MIME type: give it as type/subtype in plain "
        f"ASCII, such as text/plain or application/pdf"
    )
