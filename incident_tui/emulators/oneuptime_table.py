"""A table of the OneUptime emulator and the generic CRUD API's engine over it: the rows, the
conditions compiled from a request's ``query``, the ``sort`` (kept sorted between writes, so
paging does not sort once per page) and the ``select`` that renders a row with its relations.
"""

from __future__ import annotations

import bisect
import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from incident_tui.emulators.oneuptime_values import (
    OPERATORS,
    BadData,
    Row,
    coerce,
    encode,
    unwrap,
)

_RANGE = {
    "GreaterThan", "GreaterThanOrEqual", "LessThan", "LessThanOrEqual", "EqualTo", "InBetween",
}
_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "EqualTo": operator.eq, "NotEqual": operator.ne, "GreaterThan": operator.gt,
    "GreaterThanOrEqual": operator.ge, "LessThan": operator.lt, "LessThanOrEqual": operator.le,
}
_COMMON = {"_id": "id", "projectId": "id", "createdAt": "date", "updatedAt": "date"}


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
