"""How the Kitehouse emulator reads requests, as Fastify would: the JSON body and its schema
checks, numeric and date query parameters, and Fastify's default error body.
"""

from __future__ import annotations

import json
import math
from datetime import datetime, timedelta
from http import HTTPStatus
from typing import Any

from incident_tui.domain.mapping import parse_time
from incident_tui.emulators.server import HttpError, Request


def fastify(status: int, message: str) -> dict[str, Any]:
    """Fastify's default error body ``{statusCode, error, message}``."""
    try:
        reason = HTTPStatus(status).phrase
    except ValueError:
        reason = "Error"
    return {"statusCode": status, "error": reason, "message": message}


def bad_request(message: str) -> HttpError:
    """A 400 as Fastify's schema validation words it, to ``raise``."""
    return HttpError(400, fastify(400, message))


def json_body(request: Request) -> dict[str, Any]:
    """The request's JSON object body (400 if it is not one)."""
    try:
        data = json.loads(request.body) if request.body else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise bad_request("Body is not valid JSON") from None
    if not isinstance(data, dict):
        raise bad_request("body must be object")
    return data


def validate(body: dict[str, Any], required: tuple[str, ...], types: dict[str, str]) -> None:
    """Check ``required`` keys and the ``types`` (string, array of strings, custom fields)."""
    for key in required:
        if key not in body:
            raise bad_request(f"body must have required property '{key}'")
    for key, kind in types.items():
        value = body.get(key)
        if key not in body:
            continue
        if kind == "string" and not isinstance(value, str):
            raise bad_request(f"body/{key} must be string")
        if kind == "array" and not (
            isinstance(value, list) and all(isinstance(v, str) for v in value)
        ):
            raise bad_request(f"body/{key} must be array of string")
        if kind == "fields" and not (isinstance(value, list) and all(
            isinstance(f, dict) and all(isinstance(v, str) for v in f.values()) for f in value
        )):
            raise bad_request(f"body/{key} must be array of {{form_id, field_id, value}}")


def number_arg(request: Request, name: str, default: float) -> float:
    """A numeric query parameter, coerced as Fastify does (400 if not a number)."""
    raw = request.arg(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise bad_request(f"querystring/{name} must be number")
    return value


def date_arg(request: Request, name: str, *, end: bool = False) -> datetime | None:
    """A date query parameter; a bare date as the ``end`` of a range means that whole day."""
    raw = request.arg(name)
    if not raw:
        return None
    value = parse_time(raw)
    if value is None:
        raise bad_request(f"querystring/{name} must be a date")
    return value + timedelta(days=1) if end and len(raw.strip()) == 10 else value
