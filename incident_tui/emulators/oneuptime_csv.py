"""OneUptime's ``?output-type=csv`` (contracts/oneuptime.md §3.2): a list or item call
answered as CSV instead of JSON, as ``Response.sendJsonArrayResponse`` and
``sendJsonObjectResponse`` do through ``JsonToCsv`` (json-2-csv).

A list gives one row per ``data`` entry (``count``, ``skip`` and ``limit`` are not in it), an
item one row (none for the ``{}`` of a missing row). The header is every key met, in the order
first met; nested objects are spread into dotted columns (``currentIncidentState.name``,
``createdAt._type`` with typed values), lists are written as JSON, ``null`` as an empty field, and
fields are quoted as RFC 4180 asks `[inferred]` (json-2-csv's defaults). Express sends a string
body as ``text/html``, so that is the ``Content-Type``, not ``text/csv`` `[src:P7]`.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from incident_tui.emulators.server import Request, Response

CONTENT_TYPE = "text/html; charset=utf-8"
"""What Express's ``res.send(string)`` labels the CSV with."""


def wanted(request: Request) -> bool:
    """Whether the call asks for CSV (``?output-type=csv``, exactly, as the server compares)."""
    return request.arg("output-type") == "csv"


def csv_response(rows: list[dict[str, Any]]) -> Response:
    """The rows as OneUptime's CSV answer (200)."""
    return Response(200, to_csv(rows).encode(), {"Content-Type": CONTENT_TYPE})


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV text: a header of every (dotted) key, then one line per row; empty
    when there is no column."""
    flat = [_flatten(row) for row in rows]
    header = list(dict.fromkeys(key for row in flat for key in row))
    if not header:
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in flat:
        writer.writerow([_cell(row.get(key)) for key in header])
    return out.getvalue()


def _flatten(value: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects spread into dotted keys; an empty object stays one (empty) field."""
    flat: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict) and item:
            flat.update(_flatten(item, f"{name}."))
        else:
            flat[name] = item
    return flat


def _cell(value: Any) -> str:
    if value is None or value == {}:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    return str(value)
