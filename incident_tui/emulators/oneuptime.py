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
server sends them. ``?output-type=csv`` on a list or item call answers CSV instead
(:mod:`oneuptime_csv`). The rows, what a write does to them and the server-set stamps (strictly
increasing; with ``precise_stamps=True`` kept to the microsecond) live in
:mod:`oneuptime_store`, the states, severities and sample every emulator starts with in
:mod:`oneuptime_sample`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import partial
from typing import Any

from incident_tui.emulators import oneuptime_csv
from incident_tui.emulators.oneuptime_data import (
    API_KEY,
    API_KEYS,
    NO_PERMISSION_API_KEY,
    OTHER_API_KEY,
    OTHER_PROJECT_ID,
    PROJECT_ID,
    READ_ONLY_API_KEY,
)
from incident_tui.emulators.oneuptime_sample import load_sample, seed_project
from incident_tui.emulators.oneuptime_store import OneuptimeStore
from incident_tui.emulators.oneuptime_table import Table, everything, render
from incident_tui.emulators.oneuptime_values import UUID_RE, BadData, Row
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


class OneuptimeEmulator(OneuptimeStore, Emulator):
    """In-memory OneUptime with two projects (the default keys' and another one).

    Options: ``typed_values`` (typed ObjectID/DateTime encoding), ``max_limit`` (largest
    ``limit``; 100 as documented), ``limit_cap`` (answer at most this many rows a page, whatever
    ``limit`` asks for, as a server configured with a lower maximum may; off by default),
    ``rate_limit`` (operations per second per project above which the answer is 429; off by
    default), ``investigating_state`` (add an unflagged "Investigating" state between
    Acknowledged and Resolved; the sample data then uses it), ``precise_stamps`` (incident
    stamps keep microseconds, as the live database does; see :mod:`oneuptime_store`).
    """

    kind = "oneuptime"

    def __init__(self, *, clock: Clock = utc_now, sample: int = 0, seed: int = 7,
                 typed_values: bool = False, max_limit: int = 100, limit_cap: int | None = None,
                 rate_limit: int | None = None, investigating_state: bool = False,
                 precise_stamps: bool = False,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        OneuptimeStore.__init__(self, clock=clock, seed=seed, precise_stamps=precise_stamps)
        self.typed_values = typed_values
        self.max_limit = max_limit
        self.limit_cap = limit_cap
        self.rate_limit = rate_limit
        self._monotonic = monotonic
        self._window: dict[str, tuple[int, int]] = {}
        Emulator.__init__(self, clock=clock)
        for project in (PROJECT_ID, OTHER_PROJECT_ID):
            seed_project(self, project, investigating_state)
        if sample:
            load_sample(self, sample, seed, investigating_state)

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
        if oneuptime_csv.wanted(request):
            return oneuptime_csv.csv_response(data)
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
        item = {} if row is None else self._render(table, row, self._body(request).get("select"))
        if oneuptime_csv.wanted(request):
            return oneuptime_csv.csv_response([item])
        return Response.json(item)

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

    # Helpers for tests and the demo -------------------------------------------------------

    def remote_config(self, name: str) -> dict[str, Any]:
        """Config dict of a ``oneuptime`` remote pointed at this emulator."""
        # The server root, as interface.md asks of base_url; the connector appends /api.
        return {"kind": "oneuptime", "name": name, "base_url": self.base_url,
                "token": API_KEY, "project_id": PROJECT_ID, "typed_values": self.typed_values}

    def state_id(self, name: str, project: str = PROJECT_ID) -> str:
        """The id of the project's state called ``name``."""
        return next(s["_id"] for s in self.states(project) if s["name"] == name)

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
                    file = self.store_file(owner["projectId"], name, file_type, data)
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
