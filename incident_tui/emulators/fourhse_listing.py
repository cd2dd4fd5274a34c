"""How the 4HSE emulator answers an ``index`` (contracts/fourhse.md §5.1), as Yii2's data
provider does: ``per-page`` and ``page`` from the body or the query, the ``filter`` fields a
row must match, the ``sort`` order and the ``X-Pagination-*`` headers.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from incident_tui.emulators.fourhse_requests import as_int
from incident_tui.emulators.server import Request

MAX_PER_PAGE = 100


def paging(body: dict[str, Any], request: Request) -> tuple[int, int]:
    """``(page, per_page)`` of an ``index``: ``per-page`` within 1..100 (default 100),
    ``page`` from 1."""
    per_page = as_int(body.get("per-page", request.arg("per-page")), MAX_PER_PAGE)
    per_page = min(max(per_page, 1), MAX_PER_PAGE)
    page = max(as_int(body.get("page", request.arg("page")), 1), 1)
    return page, per_page


def matching(
    rows: Mapping[str, Mapping[str, Any]],
    candidates: Iterable[str],
    flt: dict[str, Any],
    sort: str,
    *,
    history: bool,
    historic: set[str],
) -> list[str]:
    """The ids among ``candidates`` whose row has every ``flt`` field (a list: any of its
    values), ``historic`` ones only with ``history``, ordered by ``sort`` (``-field`` for
    descending; rows without the field sort after the others, ascending)."""
    tests = [
        (k, {str(x) for x in v} if isinstance(v, list) else {str(v)}) for k, v in flt.items()
    ]
    ids = [
        key for key in candidates
        if (history or key not in historic)
        and all(str(rows[key].get(k)) in wanted for k, wanted in tests)
    ]
    field = sort.lstrip("-")
    if field:
        def order(key: str) -> tuple[bool, str]:
            value = rows[key].get(field)
            return (value is None, str(value) if value is not None else "")

        ids.sort(key=order, reverse=sort.startswith("-"))
    return ids


def ties_turned(rows: Mapping[str, Mapping[str, Any]], ids: list[str], sort: str) -> list[str]:
    """``ids`` (ordered by ``sort``) with each run of rows sharing their ``sort`` value in
    reverse: another order among equal values, as a database may give on another request."""
    field = sort.lstrip("-")
    if not field:
        return list(ids)
    turned: list[str] = []
    run: list[str] = []
    for key in ids:
        if run and rows[run[0]].get(field) != rows[key].get(field):
            turned += reversed(run)
            run = []
        run.append(key)
    return turned + run[::-1]


def pagination_headers(page: int, per_page: int, total: int) -> dict[str, str]:
    """Yii2's ``X-Pagination-*`` headers for ``page`` of a listing of ``total`` rows."""
    return {
        "X-Pagination-Current-Page": str(page),
        "X-Pagination-Page-Count": str(math.ceil(total / per_page)),
        "X-Pagination-Per-Page": str(per_page),
        "X-Pagination-Total-Count": str(total),
    }
