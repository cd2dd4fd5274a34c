"""How the Revily emulator reads requests, as Rails 3.2 would: params merged from the query
string and the (form or JSON) body, text and ``details`` parameters, positive integers as
Kaminari takes them, the responder's 422 validation error, and the ``Link``/``Total`` headers
api-pagination writes on HEAD's paged listings.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from incident_tui.emulators.server import HttpError, Request


def invalid(field_name: str, message: str) -> HttpError:
    """A Rails 3.2 responder validation error."""
    return HttpError(422, {"errors": {field_name: [message]}})


def request_params(request: Request) -> dict[str, Any]:
    """Rails' params: the query string merged with the (form or JSON) body."""
    merged: dict[str, Any] = {k: v[0] for k, v in request.query.items()}
    merged.update(request.form())
    return merged


def form_value(request: Request, name: str) -> str | None:
    """A form field of a non-GET body, ``None`` if absent or the body is unreadable."""
    if request.method == "GET" or not request.body:
        return None
    try:
        value = request.form().get(name)
    except HttpError:
        return None
    return value if isinstance(value, str) else None


def as_text(value: Any) -> str | None:
    """A parameter as text (JSON bodies may send numbers)."""
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def details_param(params: dict[str, Any]) -> dict[str, Any] | None:
    """``details`` from a JSON object or from form fields ``details[name]=value``."""
    value = params.get("details")
    if isinstance(value, dict):
        return value
    found = {
        name[len("details[") : -1]: item
        for name, item in params.items()
        if name.startswith("details[") and name.endswith("]")
    }
    return found or None


def positive_int(value: str | None, default: int) -> int:
    """A positive integer query parameter, else ``default`` (as Kaminari treats junk)."""
    try:
        number = int(value) if value is not None else default
    except ValueError:
        return default
    return number if number > 0 else default


def pagination_headers(
    base_url: str, request: Request, page: int, size: int, total: int
) -> dict[str, str]:
    """``Link`` and ``Total`` as api-pagination 2.1 writes them: first/prev unless on the first
    page, next/last unless on the last, absolute URLs keeping the other query parameters."""
    pages = max(1, -(-total // size))
    rels: list[tuple[str, int]] = []
    if page > 1:
        rels += [("first", 1), ("prev", page - 1)]
    if page < pages:
        rels += [("next", page + 1), ("last", pages)]
    links = []
    for rel, number in rels:
        query = {k: v[0] for k, v in request.query.items()}
        query["page"] = str(number)
        url = f"{base_url}{request.path}?{urlencode(sorted(query.items()))}"
        links.append(f'<{url}>; rel="{rel}"')
    headers = {"Total": str(total)}
    if links:
        headers["Link"] = ", ".join(links)
    return headers
