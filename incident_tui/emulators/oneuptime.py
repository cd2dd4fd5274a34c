"""Emulator of OneUptime's ``/api`` incident resources, faithful to contracts/oneuptime.md.

Every resource speaks OneUptime's generic CRUD API: ``get-list`` (POST or GET, ``skip``/``limit``
from the query string, else the body; ``query``/``select``/``sort`` in the body), ``count``,
``:id/get-item`` (200 ``{}`` when not found), create (``POST {data}``, 200), update (``PUT :id``
plus the ``update-item`` aliases, ``{data}`` wrapper required, 200 ``{}``) and delete (plus the
``delete-item`` aliases, 200 ``{}``). Served: incident, incident-state, incident-severity,
incident-state-timeline, incident-internal-note, incident-public-note, incident-owner-user,
label and monitor.

Files: incidents carry ``postmortemAttachments`` and notes ``attachments``, lists of ``File``
rows (``_id``, ``name``, ``fileType``, ``slug``, ``isPublic``) that a select returns like any
relation; the sample gives a few postmortems and notes some. The File API itself (upload) is
not served. ``GET /api/incident/postmortem/attachment/:projectId/:incidentId/:fileId`` serves a
postmortem file's bytes with its ``fileType`` as ``Content-Type`` and no-cache headers, as
``IncidentAPI.getPostmortemAttachment`` does: 404 ``Attachment not found`` for an id that is not
a UUID, an incident outside the key's project or not matching ``:projectId``, or a file that is
not among its postmortem files (a note's file included); auth as for a read of an incident.

Auth is the ``ApiKey`` header; the key's project scopes everything (see the key constants in
:mod:`oneuptime_data`). Errors are ``{"error": ...}``. Values are plain strings unless
``typed_values=True``, which switches ObjectID and Date columns to ``{_type, value}`` as the live
server sends them. ``updatedAt`` stamps strictly increase (a millisecond past the previous one
when the clock stands still, as in tests), as a running wall clock would make them.

With ``precise_stamps=True`` the incident's server-set stamps (``createdAt``, ``updatedAt``)
keep microseconds, as Postgres stores ``now()``: sorting and filtering see them, while the API
still sends milliseconds (the JavaScript ``Date`` they pass through). Rows changed within one
millisecond then come back in the order of their microseconds, not of their ``_id``, although
their ``updatedAt`` reads the same. Stamps then step a microsecond when the clock stands still.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from incident_tui.emulators.oneuptime_data import (
    API_KEY,
    API_KEYS,
    CUSTOM_STATE,
    DEFAULT_SEVERITIES,
    DEFAULT_STATES,
    NO_PERMISSION_API_KEY,
    OTHER_API_KEY,
    OTHER_PROJECT_ID,
    PROJECT_ID,
    READ_ONLY_API_KEY,
    REMEDIATIONS,
    ROOT_CAUSES,
    SAMPLE_FILE_OWNERS,
    SAMPLE_NOTE_FILES,
    SAMPLE_POSTMORTEM_FILES,
    UUID_RE,
    BadData,
    Row,
    Table,
    coerce,
    everything,
    make_tables,
    now_ms,
    render,
    utc,
)
from incident_tui.emulators.sample import PEOPLE, PLACES, sample_incidents
from incident_tui.emulators.server import Clock, Emulator, Request, Response, utc_now

__all__ = ["API_KEY", "NO_PERMISSION_API_KEY", "OTHER_API_KEY", "OTHER_PROJECT_ID", "PROJECT_ID",
           "READ_ONLY_API_KEY", "OneuptimeEmulator"]

_BODY = 'Invalid request body. The %s payload should be an object of the form { "data": { ... } }'
_VERBS = {"read": "Read", "create": "Create", "update": "Edit", "delete": "Delete"}
_SERVER_SET = ("_id", "createdAt", "updatedAt")
_NOT_SERVED = ("user", "file")
"""Tables kept for relations only: no CRUD routes (the File API is out of scope)."""
_NO_CACHE = {"Cache-Control": "no-store, no-cache, must-revalidate", "Pragma": "no-cache",
             "Expires": "0"}
"""What ``Response.setNoCacheHeaders`` adds to a served file."""
_UUID_CLEAR = ~((0xF000 << 64) | (0xC000 << 48))
_UUID_SET = (0x4000 << 64) | (0x8000 << 48)


class OneuptimeEmulator(Emulator):
    """In-memory OneUptime with two projects (the default keys' and another one).

    Options: ``typed_values`` (typed ObjectID/DateTime encoding), ``max_limit`` (largest
    ``limit``; 100 as documented), ``limit_cap`` (answer at most this many rows a page, whatever
    ``limit`` asks for, as a server configured with a lower maximum may; off by default),
    ``rate_limit`` (operations per second per project above which the answer is 429; off by
    default), ``investigating_state`` (add an unflagged "Investigating" state between
    Acknowledged and Resolved; the sample data then uses it), ``precise_stamps`` (incident
    stamps keep microseconds, as the live database does; see the module docstring).
    """

    kind = "oneuptime"

    def __init__(self, *, clock: Clock = utc_now, sample: int = 0, seed: int = 7,
                 typed_values: bool = False, max_limit: int = 100, limit_cap: int | None = None,
                 rate_limit: int | None = None, investigating_state: bool = False,
                 precise_stamps: bool = False,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.tables = make_tables()
        self.typed_values = typed_values
        self.precise_stamps = precise_stamps
        self.max_limit = max_limit
        self.limit_cap = limit_cap
        self.rate_limit = rate_limit
        self._monotonic = monotonic
        self._window: dict[str, tuple[int, int]] = {}
        self._rng = random.Random(seed)
        self._numbers: dict[str, int] = {}
        self._last_stamp = datetime(1970, 1, 1, tzinfo=UTC)
        super().__init__(clock=clock)
        for project in (PROJECT_ID, OTHER_PROJECT_ID):
            self._seed_project(project, investigating_state)
        if sample:
            self._load_sample(sample, seed, investigating_state)

    # Routing, auth, rate limit ------------------------------------------------------------

    def routes(self) -> None:
        """Register the generic CRUD routes for every served resource, and the postmortem
        attachment route."""
        self.router.add("GET", "/api/incident/postmortem/attachment/{projectId}/{incidentId}/"
                        "{fileId}", self._postmortem_attachment)
        for path in self.tables:
            if path in _NOT_SERVED:
                continue
            base = f"/api/{path}"
            add = self.router.add
            for method in ("POST", "GET"):
                add(method, f"{base}/get-list", partial(self._list, path))
                add(method, f"{base}/{{id}}/get-item", partial(self._get_item, path))
                add(method, f"{base}/{{id}}/update-item", partial(self._update, path))
                add(method, f"{base}/{{id}}/delete-item", partial(self._delete, path))
            add("POST", f"{base}/count", partial(self._count, path))
            add("POST", base, partial(self._create, path))
            add("PUT", f"{base}/{{id}}", partial(self._update, path))
            add("DELETE", f"{base}/{{id}}", partial(self._delete, path))

    def _auth(self, request: Request, table: Table, op: str) -> str:
        """The project of the request's ``ApiKey``, after the permission and rate checks."""
        keys = request.headers.get_all("ApiKey") or []
        if not keys:
            raise self.fail(
                401, f"Authenticated user or a valid API key is needed to {op} record of "
                f"{table.model}.")
        key = keys[0].strip().lower()
        if len(keys) > 1 or not UUID_RE.match(key) or key not in API_KEYS:
            raise self.fail(400, "Invalid API Key")
        project, granted = API_KEYS[key]
        if op not in granted:
            raise self.fail(
                422, f"You do not have permission to {op} {table.model}. You need one of these "
                f"permissions: Project Owner, Project Admin, Project Member, "
                f"{_VERBS[op]} {table.model}")
        self._count_operation(project)
        return project

    def _count_operation(self, project: str) -> None:
        if not self.rate_limit:
            return
        second = int(self._monotonic())
        window, used = self._window.get(project, (second, 0))
        used = used + 1 if window == second else 1
        self._window[project] = (second, used)
        if used > self.rate_limit:
            raise self.fail(429, "You have made too many requests. Please try again later.")

    def _body(self, request: Request) -> dict[str, Any]:
        body = request.json()
        if body is None:
            return {}
        if not isinstance(body, dict):
            raise BadData("Invalid request body")
        return body

    def _row(self, request: Request, table: Table, project: str) -> Row | None:
        """The row named by the ``:id`` path parameter (400 for a non-UUID id)."""
        row_id = request.params["id"]
        if not UUID_RE.match(row_id):
            raise BadData("Invalid ID")
        row = table.rows.get(row_id.lower())
        return row if row is not None and row["projectId"] == project else None

    # Generic CRUD -------------------------------------------------------------------------

    def _list(self, path: str, request: Request) -> Response:
        table = self.tables[path]
        project = self._auth(request, table, "read")
        body = self._body(request)
        query_skip = _number(request.arg("skip"), "skip")
        query_limit = _number(request.arg("limit"), "limit")
        skip = query_skip if query_skip is not None else _number(body.get("skip"), "skip") or 0
        limit = query_limit if query_limit is not None else _number(body.get("limit"), "limit")
        limit = 10 if limit is None else limit
        if limit > self.max_limit:
            raise BadData(f"Limit should be less than {self.max_limit}")
        if limit <= 0:
            raise BadData("Limit should be greater than 0")
        if skip < 0:
            raise BadData("Skip should be greater than or equal to 0")
        if self.limit_cap:
            limit = min(limit, self.limit_cap)
        rows = table.select(project, body.get("query"), body.get("sort"))
        data = [self._render(table, row, body.get("select")) for row in rows[skip : skip + limit]]
        # The live server echoes skip/limit from the query string only (Response.ts).
        return Response.json({
            "count": len(rows),
            "limit": 10 if query_limit is None else query_limit,
            "skip": 0 if query_skip is None else query_skip,
            "data": data,
        })

    def _count(self, path: str, request: Request) -> Response:
        table = self.tables[path]
        project = self._auth(request, table, "read")
        body = self._body(request)
        return Response.json({"count": len(table.select(project, body.get("query"), None))})

    def _get_item(self, path: str, request: Request) -> Response:
        table = self.tables[path]
        project = self._auth(request, table, "read")
        row = self._row(request, table, project)
        if row is None:
            return Response.json({})
        return Response.json(self._render(table, row, self._body(request).get("select")))

    def _create(self, path: str, request: Request) -> Response:
        table = self.tables[path]
        project = self._auth(request, table, "create")
        data = self._body(request).get("data")
        if not isinstance(data, dict):
            raise BadData(_BODY % "create")
        row = self.create_row(path, project, data)
        return Response.json(self._render(table, row, everything(table)))

    def _update(self, path: str, request: Request) -> Response:
        table = self.tables[path]
        project = self._auth(request, table, "update")
        data = self._body(request).get("data")
        if not isinstance(data, dict):
            raise BadData(_BODY % "update")
        changes = {k: v for k, v in data.items() if k not in _SERVER_SET}
        if not changes:
            raise BadData("No fields to update. The data object should have at least one field.")
        row = self._row(request, table, project)
        if row is None:
            raise self.fail(
                422, f"Unable to update this {table.model.lower()}. It either does not exist, "
                "has been deleted, or you do not have permission to update it.")
        self.update_row(path, row, changes)
        return Response.json({})

    def _delete(self, path: str, request: Request) -> Response:
        table = self.tables[path]
        project = self._auth(request, table, "delete")
        row = self._row(request, table, project)
        if row is not None:
            table.remove(row["_id"])
            if path == "incident":
                for child in ("incident-state-timeline", "incident-internal-note",
                              "incident-public-note", "incident-owner-user"):
                    for item in self.tables[child].indexed(row["_id"]):
                        self.tables[child].remove(item["_id"])
        return Response.json({})

    def _postmortem_attachment(self, request: Request) -> Response:
        """One postmortem file's bytes (see the module docstring)."""
        incidents = self.tables["incident"]
        project = self._auth(request, incidents, "read")
        wanted = [request.params[k] for k in ("projectId", "incidentId", "fileId")]
        if not all(UUID_RE.match(value) for value in wanted):
            raise self.fail(404, "Attachment not found")
        project_id, incident_id, file_id = (value.lower() for value in wanted)
        incident = incidents.rows.get(incident_id)
        file = self.tables["file"].rows.get(file_id)
        if (incident is None or incident["projectId"] != project or project_id != project
                or file_id not in (incident.get("postmortemAttachments") or ())
                or file is None or file.get("file") is None):
            raise self.fail(404, "Attachment not found")
        headers = {"Content-Type": file["fileType"] or "application/octet-stream", **_NO_CACHE}
        return Response(200, bytes(file["file"]), headers)

    def _render(self, table: Table, row: Row, select: Any) -> Row:
        return render(table, row, select, self.typed_values, self.tables.__getitem__)

    # Writes shared by the HTTP path and the test helpers ----------------------------------

    def create_row(self, path: str, project: str, data: dict[str, Any]) -> Row:
        """Validate and store a new row of ``path`` in ``project`` as the create call does."""
        table = self.tables[path]
        row: Row = dict.fromkeys(table.columns)
        row.update({key: [] for key, _, many in table.relations.values() if many})
        row.update(self._values(table, project, data))
        now = self._stamp() if path == "incident" else now_ms(self.clock())
        row.update(_id=self.new_id(), projectId=project, createdAt=now, updatedAt=now)
        if path == "incident" and row["currentIncidentStateId"] is None:
            created = [s["_id"] for s in self._states(project) if s["isCreatedState"]]
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
            number = self._numbers[project] = self._numbers.get(project, 0) + 1
            row.update(incidentNumber=number, incidentNumberWithPrefix=f"INC-{number}",
                       slug=f"{_slug(row['title'])}-{row['_id'][:8]}",
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
        if now <= self._last_stamp:
            now = self._last_stamp + step
        self._last_stamp = now
        return now

    def _states(self, project: str) -> list[Row]:
        return self.tables["incident-state"].select(project, None, {"order": "ASC"})

    # Setup and sample data ----------------------------------------------------------------

    def _plain(self, path: str, project: str, **values: Any) -> Row:
        """Insert a setup row directly (no hooks), stamped with the clock."""
        table = self.tables[path]
        now = now_ms(self.clock())
        row: Row = dict.fromkeys(table.columns)
        row.update(_id=self.new_id(), projectId=project, createdAt=now, updatedAt=now)
        row.update(values)
        return table.insert(row)

    def _seed_project(self, project: str, investigating: bool) -> None:
        states = [(name, color, flag) for name, color, flag in DEFAULT_STATES]
        if investigating:
            states.insert(2, (*CUSTOM_STATE, ""))
        for order, (name, color, flag) in enumerate(states, start=1):
            self._plain("incident-state", project, name=name, slug=_slug(name), color=color,
                        order=order, isCreatedState=flag == "created",
                        isAcknowledgedState=flag == "acknowledged",
                        isResolvedState=flag == "resolved")
        for order, (name, color) in enumerate(DEFAULT_SEVERITIES, start=1):
            self._plain("incident-severity", project, name=name, slug=_slug(name), color=color,
                        order=order)

    def _load_sample(self, count: int, seed: int, investigating: bool) -> None:
        rng = random.Random(seed + 1)
        users = {name: self._plain("user", PROJECT_ID, name=name,
                                   email=_slug(name).replace("-", ".") + "@example.com")["_id"]
                 for name in PEOPLE}
        monitors = {place: self._plain("monitor", PROJECT_ID, name=place)["_id"]
                    for place in PLACES}
        labels: dict[str, str] = {}
        states = {s["name"]: s["_id"] for s in self._states(PROJECT_ID)}
        severities = {s["name"].split()[0].lower(): s["_id"]
                      for s in self.tables["incident-severity"].select(PROJECT_ID, None, None)}
        incidents = self.tables["incident"]
        now = now_ms(self.clock())
        for item in sample_incidents(count, now=self.clock(), seed=seed):
            created, updated = now_ms(item.created_at), now_ms(item.updated_at)
            if updated >= now:
                # The generator clamps future activity to "now"; spread those rows over the
                # last milliseconds, as no real server stamps hundreds of rows at once.
                updated = max(created, now - timedelta(milliseconds=count - item.number + 1))
            if item.category not in labels:
                labels[item.category] = self._plain("label", PROJECT_ID, name=item.category)["_id"]
            number = self._numbers[PROJECT_ID] = self._numbers.get(PROJECT_ID, 0) + 1
            resolved = item.status == "resolved"
            row: Row = dict.fromkeys(incidents.columns)
            row.update(
                _id=self.new_id(), projectId=PROJECT_ID, createdAt=created, updatedAt=updated,
                title=item.title, description=item.description, declaredAt=created,
                createdByUserId=users[item.reporter], incidentNumber=number,
                incidentNumberWithPrefix=f"INC-{number}", isVisibleOnStatusPage=True,
                isCreatedAutomatically=False, incidentSeverityId=severities[item.severity or
                                                                           "minor"],
                customFields={"location": item.location}, labels=[labels[item.category]],
                monitors=[monitors[item.location]] if item.location in monitors else [],
                rootCause=rng.choice(ROOT_CAUSES) if resolved else None,
                remediationNotes=rng.choice(REMEDIATIONS) if item.status != "triggered" else None,
                postmortemNote=f"Post-mortem for INC-{number}: {rng.choice(ROOT_CAUSES)}"
                if resolved and item.severity == "critical" else None)
            row["slug"] = f"{_slug(item.title)}-{row['_id'][:8]}"
            # The generator may place an acknowledgement after "now"; history cannot.
            steps = [("Identified", created)]
            if item.acknowledged_at:
                steps.append(("Acknowledged", min(now_ms(item.acknowledged_at), updated)))
                if investigating and item.status == "acknowledged" and number % 2 == 0:
                    steps.append(("Investigating", steps[-1][1]))
            if item.resolved_at:
                steps.append(("Resolved", min(now_ms(item.resolved_at), updated)))
            for index, (name, at) in enumerate(steps):
                self._plain("incident-state-timeline", PROJECT_ID, incidentId=row["_id"],
                            incidentStateId=states[name], startsAt=at, createdAt=at,
                            updatedAt=at, endsAt=steps[index + 1][1] if index + 1 < len(steps)
                            else None)
            row["currentIncidentStateId"] = states[steps[-1][0]]
            incidents.insert(row)
            for index, comment in enumerate(item.comments):
                public, at = (number + index) % 3 == 0, now_ms(comment.at)
                self._plain("incident-public-note" if public else "incident-internal-note",
                            PROJECT_ID, incidentId=row["_id"], note=comment.body,
                            createdByUserId=users[comment.author], createdAt=at, updatedAt=at,
                            **({"postedAt": at} if public else {}))
            if item.status != "triggered":
                self._plain("incident-owner-user", PROJECT_ID, incidentId=row["_id"],
                            userId=users[rng.choice(PEOPLE)], createdAt=created,
                            updatedAt=created)
            self._last_stamp = max(self._last_stamp, updated)
        # After every incident and note, so the files take no ids the rows had before.
        self._sample_files()

    def _sample_files(self) -> None:
        """Give the first few postmortems and notes of each kind files, without a write (the
        sample is history, as loaded)."""
        # Resolved incidents have the postmortems; those with a written one first (a small
        # sample may have none, and a postmortem's files do not need its note).
        resolved = [row for row in self.tables["incident"].rows.values() if row["rootCause"]]
        owners = sorted(resolved, key=lambda row: not row["postmortemNote"])[:SAMPLE_FILE_OWNERS]
        for index, row in enumerate(owners):
            # Every other postmortem has both files, so some incident holds more than one.
            files = SAMPLE_POSTMORTEM_FILES[: 1 + index % 2]
            row["postmortemAttachments"] = [
                self._file(row["projectId"], f"{row['incidentNumberWithPrefix']}-{name}", kind,
                           data)["_id"] for name, kind, data in files]
        for path in ("incident-internal-note", "incident-public-note"):
            notes = list(self.tables[path].rows.values())[:SAMPLE_FILE_OWNERS]
            for index, note in enumerate(notes):
                name, kind, data = SAMPLE_NOTE_FILES[index % len(SAMPLE_NOTE_FILES)]
                note["attachments"] = [self._file(note["projectId"], name, kind, data)["_id"]]
        for path in ("incident", "incident-internal-note", "incident-public-note"):
            self.tables[path].changed()

    def _file(self, project: str, name: str, file_type: str, data: bytes) -> Row:
        """Store a File row (its bytes under ``file``, which no select renders)."""
        row = self._plain("file", project, name=name, fileType=file_type, isPublic=False)
        row.update(slug=f"{_slug(name)}-{row['_id'][:8]}", file=bytes(data))
        return row

    # Helpers for tests and the demo -------------------------------------------------------

    def remote_config(self, name: str) -> dict[str, Any]:
        """Config dict of a ``oneuptime`` remote pointed at this emulator."""
        # The server root, as interface.md asks of base_url; the connector appends /api.
        return {"kind": "oneuptime", "name": name, "base_url": self.base_url,
                "token": API_KEY, "project_id": PROJECT_ID, "typed_values": self.typed_values}

    def state_id(self, name: str, project: str = PROJECT_ID) -> str:
        """The id of the project's state called ``name``."""
        return next(s["_id"] for s in self._states(project) if s["name"] == name)

    def severity_id(self, name: str, project: str = PROJECT_ID) -> str:
        """The id of the project's severity called ``name``."""
        rows = self.tables["incident-severity"].select(project, None, None)
        return next(s["_id"] for s in rows if s["name"] == name)

    def incident(self, incident_id: str) -> Row:
        """The stored row of an incident (internal values); ``KeyError`` if there is none."""
        return self.tables["incident"].rows[incident_id]

    def add(self, title: str, *, severity: str = "Minor Incident", project: str = PROJECT_ID,
            **fields: Any) -> Row:
        """Create an incident directly (as someone else would through the UI)."""
        with self.lock:
            data = {"title": title, "incidentSeverityId": self.severity_id(severity, project),
                    **fields}
            return self.create_row("incident", project, data)

    def touch(self, incident_id: str, **changes: Any) -> Row:
        """Change an incident as someone else would (bumps ``updatedAt`` even with no change)."""
        with self.lock:
            row = self.tables["incident"].rows[incident_id]
            self.update_row("incident", row, changes)
            return row

    def attach_file(self, owner_id: str, name: str, data: bytes,
                    file_type: str = "application/octet-stream") -> Row:
        """Store a File and add it to an incident's postmortem files or to a note's files,
        whichever ``owner_id`` names, as an update through the UI would (the owner's
        ``updatedAt`` moves); the File row."""
        with self.lock:
            for path, relation in (("incident", "postmortemAttachments"),
                                   ("incident-internal-note", "attachments"),
                                   ("incident-public-note", "attachments")):
                owner = self.tables[path].rows.get(owner_id)
                if owner is not None:
                    file = self._file(owner["projectId"], name, file_type, data)
                    held = [*(owner.get(relation) or []), file["_id"]]
                    self.update_row(path, owner, {relation: held})
                    return file
            raise KeyError(owner_id)

    def add_note(self, incident_id: str, note: str, *, public: bool = False) -> Row:
        """Add an internal (or public) note to an incident directly."""
        with self.lock:
            path = "incident-public-note" if public else "incident-internal-note"
            project = self.tables["incident"].rows[incident_id]["projectId"]
            return self.create_row(path, project, {"incidentId": incident_id, "note": note})


def _number(value: Any, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        return int(str(value))
    except ValueError:
        raise BadData(f"{name.capitalize()} should be a number") from None


@lru_cache(maxsize=4096)
def _slug(text: str) -> str:
    return "-".join("".join(c if c.isalnum() else " " for c in text.lower()).split())
