"""How the 4HSE emulator reads requests and words errors, as Yii2 does: the JSON object body,
the id in the path or as ``?id=``, leniently parsed integers, and Yii2's error object
``{"name", "message", "code", "status"}``.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any
from urllib.parse import unquote

from incident_tui.emulators.server import HttpError, Request


def yii2_error(status: int, message: str) -> dict[str, Any]:
    """Yii2's error object."""
    try:
        name = HTTPStatus(status).phrase
    except ValueError:
        name = "Error"
    return {"name": name, "message": message, "code": 0, "status": status}


def _fail(status: int, message: str) -> HttpError:
    return HttpError(status, yii2_error(status, message))


def as_int(value: object, default: int) -> int:
    """``value`` as an integer; ``default`` when it is missing, blank or not a number."""
    try:
        return int(str(value)) if value not in (None, "") else default
    except ValueError:
        return default


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (none is ``{}``; 400 if it is not an object)."""
    try:
        body = request.json()
    except HttpError:
        raise _fail(400, "Invalid JSON data in request body: Syntax error.") from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise _fail(400, "The request body must be a JSON object.")
    return body


def request_id(request: Request) -> str:
    """The id in the path (``view/{id}``) or the query (``view?id=``); 400 without one."""
    key = unquote(request.params.get("id") or "") or request.arg("id")
    if not key:
        raise _fail(400, "Missing required parameters: id")
    return key
