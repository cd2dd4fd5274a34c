"""The OneUptime emulator's rows and what OneUptime's services do on a write: the checks of
written values and references, what a create sets (ids, numbers, slugs, default dates and the
created state), the state timeline a state change writes, and the server-set stamps.

``updatedAt`` stamps strictly increase (a millisecond past the previous one when the clock
stands still, as in tests), as a running wall clock would make them.

With ``precise_stamps=True`` the incident's server-set stamps (``createdAt``, ``updatedAt``)
keep microseconds, as Postgres stores ``now()``: sorting and filtering see them, while the API
still sends milliseconds (the JavaScript ``Date`` they pass through). Rows changed within one
millisecond then come back in the order of their microseconds, not of their ``_id``, although
their ``updatedAt`` reads the same. Stamps then step a microsecond when the clock stands still.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any

from incident_tui.emulators.oneuptime_data import make_tables
from incident_tui.emulators.oneuptime_table import Table
from incident_tui.emulators.oneuptime_values import BadData, Row, coerce, now_ms, utc
from incident_tui.emulators.server import Clock

_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class OneuptimeStore:
    """Every table of the emulator, and the writes shared by the HTTP path, the sample data
    and the test helpers (the emulator is a store with OneUptime's API in front of it)."""

    def __init__(self, *, clock: Clock, seed: int, precise_stamps: bool) -> None:
        self.tables = make_tables()
        self.clock = clock
        self.precise_stamps = precise_stamps
        self._rng = random.Random(seed)
        self._numbers: dict[str, int] = {}
        self.last_stamp = datetime(1970, 1, 1, tzinfo=UTC)
        """The latest server-set incident stamp: the next one comes after it."""

    def create_row(self, path: str, project: str, data: dict[str, Any]) -> Row:
        """Validate and store a new row of ``path`` in ``project`` as the create call does."""
        table = self.tables[path]
        row: Row = dict.fromkeys(table.columns)
        row.update({key: [] for key, _, many in table.relations.values() if many})
        row.update(self._values(table, project, data))
        now = self._stamp() if path == "incident" else now_ms(self.clock())
        row.update(_id=self.new_id(), projectId=project, createdAt=now, updatedAt=now)
        if path == "incident" and row["currentIncidentStateId"] is None:
            created = [s["_id"] for s in self.states(project) if s["isCreatedState"]]
            if not created:
                raise BadData("Created incident state not found for this project. Please add a "
                              "created incident state from settings.")
            row["currentIncidentStateId"] = created[0]
        # The services set these defaults from a JavaScript Date: milliseconds at most.
        instant = now_ms(now)
        for column in ("declaredAt", "startsAt", "postedAt"):
            if column in table.columns and row[column] is None:
                row[column] = instant
        self._check(table, project, row)
        if path == "incident-state-timeline":
            # The timeline service moves the incident to the new state (onCreateSuccess).
            incident = self.tables["incident"].rows[row["incidentId"]]
            self._enter_state(incident, row["incidentStateId"], row["startsAt"], row)
            incident["updatedAt"] = self._stamp()
            return row
        if path == "incident":
            number = self.next_number(project)
            row.update(incidentNumber=number, incidentNumberWithPrefix=f"INC-{number}",
                       slug=f"{slug(row['title'])}-{row['_id'][:8]}",
                       isVisibleOnStatusPage=row["isVisibleOnStatusPage"] is not False,
                       isCreatedAutomatically=False)
        table.insert(row)
        if path == "incident":
            self._enter_state(row, row["currentIncidentStateId"], instant)
        return row

    def update_row(self, path: str, row: Row, data: dict[str, Any]) -> None:
        """Apply a partial update as the update call does (state changes write the timeline)."""
        table = self.tables[path]
        changes = self._values(table, row["projectId"], data)
        self._check(table, row["projectId"], {**row, **changes})
        now = self._stamp() if path == "incident" else now_ms(self.clock())
        new_state = changes.pop("currentIncidentStateId", None)
        row.update(changes, updatedAt=now)
        if path == "incident" and new_state and new_state != row["currentIncidentStateId"]:
            self._enter_state(row, new_state, now_ms(now))
        table.changed()

    def _check(self, table: Table, project: str, row: Row) -> None:
        """Required columns are set and every reference a client may set is to a row of the
        same project (the services' onBefore* checks)."""
        for column in table.required:
            if row.get(column) in (None, ""):
                raise BadData(f"{column} is required")
        for key, target_path, many in table.relations.values():
            if many or key not in table.writable:
                continue
            target = self.tables[target_path]
            found = target.rows.get(row.get(key) or "")
            if found is None or (found["projectId"] != project and target_path != "user"):
                model = target.model.lower()
                raise BadData(f"Invalid {model} provided. The {model} does not exist or does not "
                              "belong to this project.")

    def _values(self, table: Table, project: str, data: dict[str, Any]) -> Row:
        """The writable fields of ``data`` as row values (unknown and read-only keys are
        ignored, as the server's model deserialiser does)."""
        values: Row = {}
        for key, value in data.items():
            if key in table.relations and table.relations[key][2]:
                target = self.tables[table.relations[key][1]]
                items = value if isinstance(value, list) else []
                ids = [str(item.get("_id") if isinstance(item, dict) else item) for item in items]
                values[table.relations[key][0]] = [
                    i for i in ids if i in target.rows and target.rows[i]["projectId"] == project
                ]
            elif key in table.writable:
                values[key] = coerce(table.columns[key], value, key)
        return values

    def _enter_state(
        self, incident: Row, state_id: str, at: datetime, entry: Row | None = None
    ) -> None:
        """Move an incident to a state: close the open timeline entry, add the new one."""
        timeline = self.tables["incident-state-timeline"]
        for previous in timeline.indexed(incident["_id"]):
            if previous["endsAt"] is None:
                previous["endsAt"] = at
        row = entry or dict.fromkeys(timeline.columns)
        row.update(_id=row["_id"] or self.new_id(), projectId=incident["projectId"],
                   incidentId=incident["_id"], incidentStateId=state_id, startsAt=at,
                   createdAt=row["createdAt"] or at, updatedAt=row["updatedAt"] or at)
        timeline.insert(row)
        incident["currentIncidentStateId"] = state_id
        self.tables["incident"].changed()

    def new_id(self) -> str:
        """A fresh (seeded, so reproducible) UUID v4."""
        # uuid.UUID(int=..., version=4) by hand: the 50,000-incident sample makes ~300k ids.
        bits = self._rng.getrandbits(128) & _UUID_CLEAR | _UUID_SET
        h = f"{bits:032x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def _stamp(self) -> datetime:
        """The next server-set incident stamp: the clock, kept strictly after the previous
        stamp, as a running clock would be (cut to milliseconds unless ``precise_stamps``)."""
        if self.precise_stamps:
            now, step = utc(self.clock()), timedelta(microseconds=1)
        else:
            now, step = now_ms(self.clock()), timedelta(milliseconds=1)
        if now <= self.last_stamp:
            now = self.last_stamp + step
        self.last_stamp = now
        return now

    def states(self, project: str) -> list[Row]:
        """The project's incident states, in order."""
        return self.tables["incident-state"].select(project, None, {"order": "ASC"})

    def setup_row(self, path: str, project: str, **values: Any) -> Row:
        """Insert a setup row directly (no hooks), stamped with the clock."""
        table = self.tables[path]
        now = now_ms(self.clock())
        row: Row = dict.fromkeys(table.columns)
        row.update(_id=self.new_id(), projectId=project, createdAt=now, updatedAt=now)
        row.update(values)
        return table.insert(row)

    def store_file(self, project: str, name: str, file_type: str, data: bytes) -> Row:
        """Store a File row (its bytes under ``file``, which no select renders)."""
        row = self.setup_row("file", project, name=name, fileType=file_type, isPublic=False)
        row.update(slug=f"{slug(name)}-{row['_id'][:8]}", file=bytes(data))
        return row

    def next_number(self, project: str) -> int:
        """The project's next incident number (``INC-<number>``)."""
        number = self._numbers[project] = self._numbers.get(project, 0) + 1
        return number


@lru_cache(maxsize=4096)
def slug(text: str) -> str:
    """``text`` as the server slugs a name: lower case, words joined by ``-``."""
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
