"""Data layer of the OneUptime emulator: tables, the query/select/sort engine of the generic
CRUD API, the value encoding (plain or typed ``{_type, value}``) and the fixed credentials.

Rows keep plain Python values: ids as strings, dates as aware ``datetime`` cut to milliseconds
(what Postgres returns through TypeORM), so ISO strings round-trip exactly and equality on a
date sent back by a client holds. The one exception is the emulator's ``precise_stamps`` option:
incident stamps then keep the microseconds Postgres stores, which every comparison and sort here
sees and :func:`iso` cuts off on the way out, as the live server does.
"""

from __future__ import annotations

import bisect
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from incident_tui.emulators.server import HttpError

PROJECT_ID = "5f8b9c0d-e1a2-4b3c-8d5e-6f7a8b9c0d1e"
"""The project the default key belongs to (the seed's example project)."""
OTHER_PROJECT_ID = "0b7e4a52-3c1d-4f6e-9a8b-7c6d5e4f3a2b"
"""A second project, to show that a key only ever sees its own project."""
API_KEY = "3f9a2c7e-5b1d-4e8f-a6c3-9d2b7e4f1a05"
"""Key of PROJECT_ID with every permission (Project Admin)."""
READ_ONLY_API_KEY = "6c1e8b4a-2f7d-4a9c-b3e5-8d0f2a6c4e71"
"""Key of PROJECT_ID with read permissions only (writes answer 422)."""
NO_PERMISSION_API_KEY = "a4d2f6b8-1c3e-4f5a-9b7d-2e4c6a8f0b13"
"""A fresh key of PROJECT_ID: valid, but granted nothing (every call answers 422)."""
OTHER_API_KEY = "d8b6f4a2-9e7c-4b5d-8f3a-1c9e7b5d3f26"
"""Key of OTHER_PROJECT_ID with every permission."""

ALL_PERMISSIONS = frozenset({"read", "create", "update", "delete"})
API_KEYS: dict[str, tuple[str, frozenset[str]]] = {
    API_KEY: (PROJECT_ID, ALL_PERMISSIONS),
    READ_ONLY_API_KEY: (PROJECT_ID, frozenset({"read"})),
    NO_PERMISSION_API_KEY: (PROJECT_ID, frozenset()),
    OTHER_API_KEY: (OTHER_PROJECT_ID, ALL_PERMISSIONS),
}
"""Every key the emulator knows: key -> (project, granted operations)."""

UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)

OPERATORS = frozenset({
    "EqualTo", "NotEqual", "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual",
    "IsNull", "NotNull", "Includes", "Search", "InBetween",
})
"""The query operators (``_type`` of a query value) the emulator understands."""

_RANGE = {
    "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "EqualTo", "InBetween",
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "EqualTo": operator.eq, "NotEqual": operator.ne, "GreaterThan": operator.gt,
    "GreaterThanOrEqual": operator.ge, "LessThan": operator.lt, "LessThanOrEqual": operator.le,
}
_COMMON = {"_id": "id", "projectId": "id", "createdAt": "date", "updatedAt": "date"}

Row = dict[str, Any]


class BadData(HttpError):
    """A request the server rejects with 400 (BadDataException) and ``{"error": message}``."""

    def __init__(self, message: str) -> None:
        super().__init__(400, {"error": message})
        self.message = message

    def __str__(self) -> str:
        return self.message


def utc(value: datetime) -> datetime:
    """``value`` as an aware UTC datetime (naive values are taken as UTC)."""
    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)


def now_ms(value: datetime) -> datetime:
    """``value`` in UTC, cut to milliseconds (the precision the API serialises)."""
    value = utc(value)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso(value: datetime) -> str:
    """JavaScript's ``Date.toISOString()``: ``2024-01-15T09:30:00.000Z``."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def unwrap(value: Any) -> Any:
    """The plain value of a typed ``{"_type": "ObjectID"|"DateTime"|..., "value": v}``."""
    if isinstance(value, dict) and "_type" in value and value["_type"] not in OPERATORS:
        return value.get("value")
    return value


def parse_date(value: Any, name: str) -> datetime:
    """A client date (ISO string, typed DateTime or epoch milliseconds) as a row value."""
    value = unwrap(value)
    try:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return now_ms(datetime.fromtimestamp(value / 1000, UTC))
        text = str(value).strip()
        text = text[:-1] + "+00:00" if text.endswith(("Z", "z")) else text
        return now_ms(datetime.fromisoformat(text))
    except (TypeError, ValueError, OverflowError):
        raise BadData(f"Invalid date for {name}: {value!r}") from None


def coerce(kind: str, value: Any, name: str) -> Any:
    """A client value as the row stores a column of ``kind``; ``BadData`` if it cannot be."""
    value = unwrap(value)
    if value is None:
        return None
    if kind == "date":
        return parse_date(value, name)
    if kind == "id":
        if not isinstance(value, str) or not UUID_RE.match(value):
            raise BadData(f"Invalid ObjectID for {name}: {value!r}")
        return value.lower()
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, int | float):
            try:
                return int(str(value))
            except ValueError:
                raise BadData(f"{name} should be a number") from None
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise BadData(f"{name} should be a boolean")
        return value
    if kind == "json":
        if not isinstance(value, dict | list):
            raise BadData(f"{name} should be a JSON object")
        return value
    return str(value)


def encode(kind: str, value: Any, typed: bool) -> Any:
    """A row value as the server serialises it (typed ObjectID/DateTime when ``typed``)."""
    if value is None:
        return None
    if kind == "date":
        return {"_type": "DateTime", "value": iso(value)} if typed else iso(value)
    if kind == "id" and typed:
        return {"_type": "ObjectID", "value": value}
    return value


@dataclass
class Cond:
    """One compiled query condition on a column."""

    column: str
    op: str
    value: Any = None
    high: Any = None

    def test(self, actual: Any) -> bool:
        """Whether a row value satisfies the condition."""
        op = self.op
        if op in ("IsNull", "NotNull"):
            return (actual is None) == (op == "IsNull")
        if op == "Includes":
            return actual in self.value
        if op in ("EqualTo", "NotEqual"):
            return bool(_COMPARE[op](actual, self.value))
        if actual is None:
            return False
        if op == "Search":
            return str(self.value).casefold() in str(actual).casefold()
        try:
            if op == "InBetween":
                return bool(self.value <= actual <= self.high)
            return bool(_COMPARE[op](actual, self.value))
        except TypeError:
            raise BadData(f"Cannot compare {self.column} with {self.value!r}") from None


@dataclass
class Table:
    """One resource of the generic CRUD API (``/api/<path>``) and its rows.

    ``columns`` maps column -> kind (id, date, text, number, bool, json); ``relations`` maps a
    relation name -> (the row key holding the id or list of ids, target table path, many).
    """

    path: str
    model: str
    columns: dict[str, str]
    relations: dict[str, tuple[str, str, bool]] = field(default_factory=dict)
    writable: frozenset[str] = frozenset()
    required: tuple[str, ...] = ()
    index_column: str | None = None
    rows: dict[str, Row] = field(default_factory=dict)
    generation: int = 0
    _index: dict[str, dict[str, None]] = field(default_factory=dict)
    _cache: dict[tuple[Any, ...], tuple[int, list[Row], list[Any]]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.columns = {**_COMMON, **self.columns}

    def insert(self, row: Row) -> Row:
        """Store a new row (insertion order is the tie-break of every sort)."""
        self.rows[row["_id"]] = row
        if self.index_column and row.get(self.index_column):
            self._index.setdefault(row[self.index_column], {})[row["_id"]] = None
        self.changed()
        return row

    def remove(self, row_id: str) -> Row | None:
        """Delete a row; the removed row or ``None``."""
        row = self.rows.pop(row_id, None)
        if row is not None and self.index_column and row.get(self.index_column):
            self._index.get(row[self.index_column], {}).pop(row_id, None)
        self.changed()
        return row

    def changed(self) -> None:
        """Invalidate the sorted views after a write."""
        self.generation += 1

    def indexed(self, value: Any) -> list[Row]:
        """Rows whose ``index_column`` equals ``value``, in insertion order."""
        return [self.rows[i] for i in self._index.get(value, {}) if i in self.rows]

    def ordered(self, project: str, sort: list[tuple[str, bool]]) -> tuple[list[Row], list[Any]]:
        """The project's rows sorted by ``sort`` and the first sort column's values (cached
        until the next write, so paging 50,000 rows does not sort once per page)."""
        key = (project, *sort)
        hit = self._cache.get(key)
        if hit and hit[0] == self.generation:
            return hit[1], hit[2]
        rows = sort_rows([r for r in self.rows.values() if r["projectId"] == project], sort)
        keys = [r.get(sort[0][0]) for r in rows]
        self._cache[key] = (self.generation, rows, keys)
        return rows, keys

    def compile(self, query: Any) -> list[Cond]:
        """Turn a ``query`` object into conditions; ``BadData`` for unknown columns/operators."""
        if query is None:
            return []
        if not isinstance(query, dict):
            raise BadData("query should be an object")
        conds: list[Cond] = []
        for column, spec in query.items():
            kind = self.columns.get(column)
            if kind is None:
                raise BadData(f"Invalid column in query: {column}")
            if isinstance(spec, dict) and spec.get("_type") in OPERATORS:
                op = str(spec["_type"])
                if op in ("IsNull", "NotNull"):
                    conds.append(Cond(column, op))
                elif op == "InBetween":
                    low, high = spec.get("startValue"), spec.get("endValue")
                    conds.append(Cond(column, op, coerce(kind, low, column),
                                      coerce(kind, high, column)))
                elif op == "Includes":
                    values = unwrap(spec.get("value"))
                    if not isinstance(values, list):
                        raise BadData(f"Includes on {column} needs an array value")
                    conds.append(Cond(column, op, [coerce(kind, v, column) for v in values]))
                elif op == "Search":
                    conds.append(Cond(column, op, str(unwrap(spec.get("value")) or "")))
                else:
                    conds.append(Cond(column, op, coerce(kind, spec.get("value"), column)))
            elif isinstance(spec, dict) and "_type" in spec and spec.get("_type") not in (
                "ObjectID", "DateTime", "Date"
            ):
                raise BadData(f"Unknown query operator {spec.get('_type')!r} on {column}")
            elif unwrap(spec) is None:
                conds.append(Cond(column, "IsNull"))
            else:
                conds.append(Cond(column, "EqualTo", coerce(kind, spec, column)))
        return conds

    def parse_sort(self, sort: Any) -> list[tuple[str, bool]]:
        """``{"col": "ASC"|"DESC"|1|-1}`` as (column, descending) pairs; default createdAt
        DESC."""
        if not sort:
            return [("createdAt", True)]
        if not isinstance(sort, dict):
            raise BadData("sort should be an object")
        result: list[tuple[str, bool]] = []
        for column, direction in sort.items():
            if self.columns.get(column) in (None, "json"):
                raise BadData(f"Invalid column in sort: {column}")
            word = str(direction).upper()
            if word not in ("ASC", "DESC", "1", "-1"):
                raise BadData(f"Invalid sort order {direction!r} for {column}")
            result.append((column, word in ("DESC", "-1")))
        return result

    def select(self, project: str, query: Any, sort: Any) -> list[Row]:
        """Every row of ``project`` matching ``query``, in ``sort`` order."""
        conds = self.compile(query)
        order = self.parse_sort(sort)
        pinned = [c for c in conds if c.column == self.index_column and c.op == "EqualTo"]
        if pinned:
            rows = [r for r in self.indexed(pinned[0].value) if r["projectId"] == project]
            return sort_rows([r for r in rows if all(c.test(r.get(c.column)) for c in conds)],
                             order)
        rows, keys = self.ordered(project, order)
        if not conds:
            return rows
        first, descending = order[0]
        if (len(conds) == 1 and conds[0].column == first and not descending
                and conds[0].op in _RANGE and first in ("createdAt", "updatedAt")):
            return rows[slice(*_bounds(conds[0], keys))]
        return [r for r in rows if all(c.test(r.get(c.column)) for c in conds)]


def _bounds(cond: Cond, keys: list[Any]) -> tuple[int, int]:
    """The slice of an ascending, null-free key list that satisfies a range condition."""
    low, high = 0, len(keys)
    if cond.op in ("GreaterThan",):
        low = bisect.bisect_right(keys, cond.value)
    elif cond.op in ("GreaterThanOrEqual", "EqualTo", "InBetween"):
        low = bisect.bisect_left(keys, cond.value)
    if cond.op == "LessThan":
        high = bisect.bisect_left(keys, cond.value)
    elif cond.op in ("LessThanOrEqual", "EqualTo"):
        high = bisect.bisect_right(keys, cond.value)
    elif cond.op == "InBetween":
        high = bisect.bisect_right(keys, cond.high)
    return low, max(low, high)


def sort_rows(rows: list[Row], order: list[tuple[str, bool]]) -> list[Row]:
    """Stable multi-column sort; nulls last ascending and first descending (as Postgres)."""
    for column, descending in reversed(order):
        rows.sort(key=_sort_key(column), reverse=descending)
    return rows


def _sort_key(column: str) -> Callable[[Row], tuple[bool, Any]]:
    def key(row: Row) -> tuple[bool, Any]:
        value = row.get(column)
        return (value is None, value)

    return key


Resolver = Callable[[str], Table]


def render(table: Table, row: Row, select: Any, typed: bool, tables: Resolver) -> Row:
    """A row as the API returns it: ``_id`` plus the selected columns and relations
    (``{"relation": true}`` gives ``_id`` only, a nested object selects its columns)."""
    out: Row = {"_id": row["_id"]}
    if not isinstance(select, dict):
        return out
    for name, want in select.items():
        if not want:
            continue
        if name in table.relations:
            key, target_path, many = table.relations[name]
            target = tables(target_path)
            inner = want if isinstance(want, dict) else {}
            if many:
                out[name] = [render(target, target.rows[i], inner, typed, tables)
                             for i in row.get(key) or [] if i in target.rows]
            else:
                related = target.rows.get(row.get(key) or "")
                out[name] = render(target, related, inner, typed, tables) if related else None
        elif name in table.columns and name != "_id":
            out[name] = encode(table.columns[name], row.get(name), typed)
    return out


def everything(table: Table) -> dict[str, bool]:
    """A select of every column (what create answers with)."""
    return {column: True for column in table.columns}


def make_tables() -> dict[str, Table]:
    """The resources the emulator serves, by path."""
    note = {"incidentId": "id", "note": "text", "createdByUserId": "id"}
    note_relations = {"createdByUser": ("createdByUserId", "user", False),
                      "incident": ("incidentId", "incident", False),
                      "attachments": ("attachments", "file", True)}
    state_like = {"name": "text", "slug": "text", "color": "text", "description": "text",
                  "order": "number"}
    tables = [
        Table("incident", "Incident", {
            "title": "text", "description": "text", "declaredAt": "date", "slug": "text",
            "createdByUserId": "id", "currentIncidentStateId": "id", "incidentSeverityId": "id",
            "changeMonitorStatusToId": "id", "customFields": "json", "rootCause": "text",
            "postmortemNote": "text", "remediationNotes": "text", "incidentNumber": "number",
            "incidentNumberWithPrefix": "text", "isVisibleOnStatusPage": "bool",
            "shouldStatusPageSubscribersBeNotifiedOnIncidentCreated": "bool",
            "isCreatedAutomatically": "bool", "impactStartedAt": "date",
            "incidentEpisodeId": "id", "postmortemPostedAt": "date",
            "showPostmortemOnStatusPage": "bool",
        }, {
            "currentIncidentState": ("currentIncidentStateId", "incident-state", False),
            "incidentSeverity": ("incidentSeverityId", "incident-severity", False),
            "labels": ("labels", "label", True), "monitors": ("monitors", "monitor", True),
            "createdByUser": ("createdByUserId", "user", False),
            "postmortemAttachments": ("postmortemAttachments", "file", True),
        }, frozenset({
            "title", "description", "declaredAt", "currentIncidentStateId", "incidentSeverityId",
            "changeMonitorStatusToId", "customFields", "rootCause", "postmortemNote",
            "remediationNotes", "isVisibleOnStatusPage", "impactStartedAt", "incidentEpisodeId",
            "shouldStatusPageSubscribersBeNotifiedOnIncidentCreated", "postmortemPostedAt",
            "showPostmortemOnStatusPage",
        }), ("title", "incidentSeverityId")),
        Table("incident-state", "Incident State", {
            **state_like, "isCreatedState": "bool", "isAcknowledgedState": "bool",
            "isResolvedState": "bool"},
            writable=frozenset({*state_like, "isCreatedState", "isAcknowledgedState",
                                "isResolvedState"}), required=("name",)),
        Table("incident-severity", "Incident Severity", dict(state_like),
              writable=frozenset(state_like), required=("name",)),
        Table("incident-state-timeline", "Incident State Timeline", {
            "incidentId": "id", "incidentStateId": "id", "startsAt": "date", "endsAt": "date",
            "rootCause": "text"},
            {"incidentState": ("incidentStateId", "incident-state", False),
             "incident": ("incidentId", "incident", False)},
            frozenset({"incidentId", "incidentStateId", "startsAt", "rootCause"}),
            ("incidentId", "incidentStateId"), "incidentId"),
        Table("incident-internal-note", "Incident Internal Note", dict(note), note_relations,
              frozenset({"incidentId", "note"}), ("incidentId", "note"), "incidentId"),
        Table("incident-public-note", "Incident Public Note", {**note, "postedAt": "date"},
              note_relations, frozenset({"incidentId", "note", "postedAt"}),
              ("incidentId", "note"), "incidentId"),
        Table("incident-owner-user", "Incident Owner User", {"incidentId": "id", "userId": "id"},
              {"user": ("userId", "user", False), "incident": ("incidentId", "incident", False)},
              frozenset({"incidentId", "userId"}),
              ("incidentId", "userId"), "incidentId"),
        Table("label", "Label", {"name": "text", "color": "text", "description": "text"},
              writable=frozenset({"name", "color", "description"}), required=("name",)),
        Table("monitor", "Monitor", {"name": "text", "description": "text"},
              writable=frozenset({"name", "description"}), required=("name",)),
        Table("user", "User", {"name": "text", "email": "text"}),
        # FileModel's columns; the bytes (column ``file``) stay in the row under "file" and are
        # never rendered: clients read them through the postmortem attachment route.
        Table("file", "File", {"name": "text", "fileType": "text", "slug": "text",
                               "isPublic": "bool"}),
    ]
    return {table.path: table for table in tables}

