"""Emulator of the Kitehouse "Incident Tracker API", faithful to contracts/kitehouse.md.

Every route of the seed (#1-#21) is served, scoped by ``{siteId}``; the emulator has one site
(``site_id``, default :data:`DEFAULT_SITE_ID`) and answers 403 for any other. Auth is
``Authorization: Bearer <token>`` (:data:`DEFAULT_TOKEN`, or :data:`ADMIN_TOKEN` for
``/reindex``); errors use Fastify's ``{statusCode, error, message}``. Paging is 1-based,
``limit`` defaults to 20 and is capped at 100, ``sortBy`` takes ``created_at``, ``updated_at``
or ``urn`` with an optional ``-`` (default ``-created_at``). Presigned attachment URLs point
at ``/_blob/<object_id>``, which takes a PUT of the bytes and a GET without auth, like S3.
This module holds the state and the incident and comment routes; the attachment routes are in
:mod:`~incident_tui.emulators.kitehouse_attachments`, the reports (dashboard, exports,
handover) in :mod:`~incident_tui.emulators.kitehouse_reports`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from incident_tui.domain.mapping import parse_time, status_from_keywords
from incident_tui.domain.model import Status
from incident_tui.emulators import kitehouse_attachments as attachments
from incident_tui.emulators import kitehouse_data as kd
from incident_tui.emulators import kitehouse_reports as reports
from incident_tui.emulators.kitehouse_data import ADMIN_TOKEN, DEFAULT_SITE_ID, DEFAULT_TOKEN
from incident_tui.emulators.kitehouse_render import (
    comment_json,
    create_response,
    full,
    search_row,
    summary,
)
from incident_tui.emulators.kitehouse_requests import (
    date_arg,
    fastify,
    json_body,
    number_arg,
    validate,
)
from incident_tui.emulators.sample import sample_incidents
from incident_tui.emulators.server import Clock, Emulator, Request, Response, utc_now

__all__ = ["ADMIN_TOKEN", "DEFAULT_SITE_ID", "DEFAULT_TOKEN", "KitehouseEmulator"]

RouteHandler = Callable[[Request, str], Response]
"""A handler that also gets the calling user's id."""

PUT_REQUIRED = ("attachments", "category", "people_involved", "priority", "source",
                "short_description", "staff", "status")
PUT_TYPES = dict.fromkeys(("assigned_to", "category", "description", "priority", "source",
                           "short_description", "status", "retrospective_raised_at"), "string")
PUT_TYPES |= {"people_involved": "array", "staff": "array", "attachments": "array",
              "custom_fields": "fields"}
SORT_FIELDS = ("created_at", "updated_at", "urn")
MAX_LIMIT = 100
"""Most rows one list request returns; a larger ``limit`` is capped silently (§6)."""
_state = status_from_keywords


class KitehouseEmulator(Emulator):
    """In-memory Kitehouse site: incidents, comments, presigned attachments, exports, SSE.

    ``tokens`` maps bearer tokens to user ids (default :data:`kd.TOKENS`; empty accepts anyone
    as the duty desk user). ``stale_hours`` is the age after which an open incident is listed
    by ``/stale``. ``download_redirect`` makes the download route answer 302 instead of
    ``{"url"}``; ``handover_delay`` sleeps between SSE events.
    """

    kind = "kitehouse"

    def __init__(self, *, clock: Clock = utc_now, sample: int = 0, seed: int = 7,
                 site_id: str = DEFAULT_SITE_ID, tokens: dict[str, str] | None = None,
                 stale_hours: float = 24.0, download_redirect: bool = False,
                 handover_delay: float = 0.0, first_page: int = 1,
                 before_first: int | None = None) -> None:
        """``first_page``: the number of the first list page (1, or 0 to act as a server
        counting its pages from 0, which contract 6 leaves possible); ``before_first``: the
        HTTP status a page before it gets (a server computing a negative offset answers
        500), instead of the first page's rows."""
        super().__init__(clock=clock)
        self.first_page = first_page
        self.before_first = before_first
        self.site_id = site_id
        self.tokens = dict(kd.TOKENS if tokens is None else tokens)
        self.stale_hours = stale_hours
        self.download_redirect = download_redirect
        self.handover_delay = handover_delay
        self.ids = kd.ObjectIds(seed)
        self.incidents: dict[str, kd.Record] = {}
        """Incidents by ``_id`` in insertion order."""
        self.blobs: dict[str, tuple[str, bytes]] = {}
        """Uploaded objects: object id -> (content type, bytes)."""
        self.pending: dict[str, tuple[str, str, str]] = {}
        """Presigned uploads: object id -> (incident id, content type, file name)."""
        self.blob_requests: list[dict[str, Any]] = []
        """Every ``/_blob`` request: method, object id and whether it carried Authorization."""
        self.audit: list[dict[str, str]] = []
        """The download audit log (who fetched which attachment URL)."""
        self.next_urn = 1001
        self._rev = 0
        self._sorted: dict[tuple[str, bool], tuple[int, list[kd.Record]]] = {}
        for item in sample_incidents(sample, now=self.clock(), seed=seed) if sample else []:
            rec, blobs = kd.record_from_sample(item, self.ids, site_id, self.next_urn)
            self.next_urn += 1
            self.incidents[rec.id] = rec
            self.blobs |= {oid: ("text/plain", data) for oid, data in blobs.items()}

    # Test helpers ------------------------------------------------------------------------

    def remote_config(self, name: str) -> dict[str, Any]:
        """Config for a ``kitehouse`` remote pointed at this emulator, with working credentials."""
        return {
            "kind": "kitehouse", "name": name, "base_url": self.base_url,
            "token": DEFAULT_TOKEN, "site_id": self.site_id,
            # What this server does with list requests (module docstring): the connector's
            # defaults are for a server whose limits and orders are unknown.
            "page_size": MAX_LIMIT, "updated_sort": "-updated_at",
            "default_priority_id": kd.DEFAULT_PRIORITY_ID,
            "priority_ids": {"critical": kd.PRIORITY_BY_NAME["Critical"],
                             "major": kd.PRIORITY_BY_NAME["High"],
                             "minor": kd.PRIORITY_BY_NAME["Medium"]},
        }

    def add(self, title: str, *, status: str = "open", priority: str | None = "High",
            description: str | None = None) -> dict[str, Any]:
        """Insert an incident as another user would and return its full JSON."""
        with self.lock:
            rec = self._new(list(kd.CATEGORIES)[0], list(kd.SOURCES)[0], kd.DUTY_DESK_ID, [])
            rec.short_description, rec.status, rec.description = title, status, description
            rec.priority = kd.PRIORITY_BY_NAME[priority] if priority else None
            return self.incident(rec.id)

    def touch(self, incident_id: str, **changes: Any) -> dict[str, Any]:
        """Change an incident as "someone else" (any ``Record`` field); ``updated_at`` moves
        to the clock's now unless it is one of the changes."""
        with self.lock:
            rec = self.incidents[incident_id]
            self.changed(rec)
            for key, value in changes.items():
                setattr(rec, key, value)
            return self.incident(incident_id)

    def incident(self, incident_id: str) -> dict[str, Any]:
        """One incident's full JSON as ``GET`` shows it (``KeyError`` if unknown)."""
        with self.lock:
            return full(self.incidents[incident_id], self.base_url)

    # Plumbing ----------------------------------------------------------------------------

    def error_body(self, status: int, message: str) -> Any:
        """Fastify's default error shape."""
        return fastify(status, message)

    def _route(self, method: str, pattern: str, handler: RouteHandler, *,
               admin: bool = False, public: bool = False) -> None:
        def guarded(request: Request) -> Response:
            user = "" if public else self._authenticate(request, admin)
            site = request.params.get("siteId")
            if site is not None and site != self.site_id:
                raise self.fail(403, f"You do not have access to site {site}")
            return handler(request, user)

        self.router.add(method, pattern, guarded)

    def _authenticate(self, request: Request, admin: bool) -> str:
        if not self.tokens:
            return kd.DUTY_DESK_ID
        header = request.headers.get("Authorization") or ""
        scheme, _, token = header.strip().partition(" ")
        if not header:
            raise self.fail(401, "No Authorization was found in request.headers")
        user = self.tokens.get(token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            raise self.fail(401, "Authorization token is invalid or has expired")
        if admin and user != kd.ADMIN_ID:
            raise self.fail(403, "Admin access required")
        return user

    def changed(self, rec: kd.Record | None = None) -> None:
        """Note a change of state; ``rec``'s ``updated_at`` moves to now."""
        self._rev += 1
        if rec is not None:
            rec.updated_at = self.clock()

    def _new(self, category: str, source: str, user: str, people: list[str]) -> kd.Record:
        now = self.clock()
        rec = kd.Record(id=self.ids.new(now), urn=self.next_urn, site=self.site_id, status="open",
                     category=category, source=source, priority=kd.DEFAULT_PRIORITY_ID,
                     raised_by=user, created_at=now, updated_at=now, people_involved=people)
        self.next_urn += 1
        self.incidents[rec.id] = rec
        self.changed()
        return rec

    def record(self, request: Request) -> kd.Record:
        """The incident the path names (404 if there is none)."""
        rec = self.incidents.get(request.params["incidentId"])
        if rec is None:
            raise self.fail(404, "Incident not found")
        return rec

    def ordered(self, request: Request, default: str = "-created_at") -> list[kd.Record]:
        """Every incident in the ``sortBy`` order (400 for an unknown field)."""
        spec = request.arg("sortBy") or default
        key, desc = spec.removeprefix("-"), spec.startswith("-")
        if key not in SORT_FIELDS:
            raise self.fail(400, "querystring/sortBy must be one of created_at, updated_at, "
                                 "urn (optionally prefixed with -)")
        cached = self._sorted.get((key, desc))
        if cached is not None and cached[0] == self._rev:
            return cached[1]
        rows = sorted(self.incidents.values(), key=lambda r: (getattr(r, key), r.urn),
                      reverse=desc)
        self._sorted[(key, desc)] = (self._rev, rows)
        return rows

    def _page(self, request: Request, rows: list[kd.Record]) -> list[kd.Record]:
        # A page before the first reads as the first, so a client counting from 0 on a
        # server counting from 1 sees page 1 twice.
        first = self.first_page
        asked = int(number_arg(request, "page", first))
        if asked < first and self.before_first is not None:
            raise self.fail(self.before_first, f"page must be at least {first}")
        page = max(first, asked) - first
        limit = int(number_arg(request, "limit", 20))
        limit = 20 if limit <= 0 else min(limit, MAX_LIMIT)
        return rows[page * limit: (page + 1) * limit]

    def filtered(self, request: Request) -> list[kd.Record]:
        """The incidents the search and export filters of the query keep, in ``sortBy`` order."""
        rows = self.ordered(request)
        text = (request.arg("search") or "").strip().casefold()
        student = request.arg("student")
        statuses = {s.strip().casefold() for s in (request.arg("status") or "").split(",")} - {""}
        assigned = request.arg("assignedTo")
        start, end = date_arg(request, "startDate"), date_arg(request, "endDate", end=True)
        if not (text or student or statuses or assigned or start or end):
            return rows

        def keep(r: kd.Record) -> bool:
            if statuses and r.status.casefold() not in statuses:
                return False
            if assigned and r.assigned_to != assigned:
                return False
            if (start and r.created_at < start) or (end and r.created_at >= end):
                return False
            if student and not any(
                student in (p, kd.STUDENTS.get(p, {}).get("student_id")) for p in r.people_involved
            ):
                return False
            haystack = f"{r.urn} {r.short_description} {r.description or ''}".casefold()
            return not text or text in haystack

        return [r for r in rows if keep(r)]

    # Routes ------------------------------------------------------------------------------

    def routes(self) -> None:
        """Register the 21 routes of the seed plus the ``/_blob`` object store."""
        site, one = "/incidents/{siteId}", "/incidents/{siteId}/{incidentId}"
        self._route("GET", "/incidents/reindex", self._reindex, admin=True)
        self._route("POST", "/incidents", self._create)
        site_routes: tuple[tuple[str, RouteHandler], ...] = (
            ("search", self._search), ("stale", self._stale),
            ("dashboard", partial(reports.dashboard, self)),
            ("export-csv", partial(reports.export_csv, self)),
            ("handover", partial(reports.handover, self)))
        for path, handler in site_routes:
            self._route("GET", f"{site}/{path}", handler)
        self._route("POST", f"{site}/upload", self._upload_unn)
        self._route("GET", site, self._list)
        self._route("GET", one, self._get)
        self._route("PUT", one, self._put)
        self._route("DELETE", one, self._delete)
        self._route("GET", f"{one}/export", partial(reports.export_pdf, self))
        self._route("POST", f"{one}/inventory", self._inventory)
        self._route("POST", f"{one}/sync", self._sync)
        self._route("POST", f"{one}/comments", self._add_comment)
        self._route("DELETE", f"{one}/comments/{{commentId}}", self._delete_comment)
        self._route("POST", f"{one}/attachments", partial(attachments.presign, self))
        self._route("PUT", f"{one}/attachments", partial(attachments.register, self))
        self._route("DELETE", f"{one}/attachments", partial(attachments.delete, self))
        self._route("GET", f"{one}/attachments/download", partial(attachments.download_url, self))
        self._route("PUT", "/_blob/{objectId}", partial(attachments.blob_put, self), public=True)
        self._route("GET", "/_blob/{objectId}", partial(attachments.blob_get, self), public=True)

    def _list(self, request: Request, user: str) -> Response:
        rows = self.ordered(request)
        if assigned := request.arg("assignedTo"):
            rows = [r for r in rows if r.assigned_to == assigned]
        return Response.json([summary(r) for r in self._page(request, rows)])

    def _search(self, request: Request, user: str) -> Response:
        rows = self._page(request, self.filtered(request))
        return Response.json([search_row(r) for r in rows])

    def _stale(self, request: Request, user: str) -> Response:
        cutoff = self.clock() - timedelta(hours=self.stale_hours)
        rows = [r for r in self.incidents.values()
                if r.updated_at < cutoff and _state(r.status) != Status.RESOLVED]
        return Response.json([search_row(r) for r in sorted(rows, key=lambda r: r.updated_at)])

    def _get(self, request: Request, user: str) -> Response:
        return Response.json(full(self.record(request), self.base_url))

    def _create(self, request: Request, user: str) -> Response:
        body = json_body(request)
        validate(body, ("site", "category", "source"), {
            "site": "string", "category": "string", "source": "string",
            "people_involved": "array"})
        if body["site"] != self.site_id:
            raise self.fail(403, f"You do not have access to site {body['site']}")
        self._check_refs(body)
        rec = self._new(body["category"], body["source"], user, body.get("people_involved", []))
        return Response.json(create_response(rec))

    def _upload_unn(self, request: Request, user: str) -> Response:
        raise self.fail(501, "Creating incidents from UNN reports is not supported here")

    def _check_refs(self, body: dict[str, Any]) -> None:
        tables: dict[str, dict[str, Any]] = {"category": kd.CATEGORIES, "source": kd.SOURCES,
                                             "priority": kd.PRIORITIES}
        for key, table in tables.items():
            if key in body and body[key] not in table:
                raise self.fail(400, f"body/{key}: unknown {key} {body[key]!r}")
        for key, people in (("people_involved", kd.STUDENTS), ("staff", kd.USERS)):
            unknown = [p for p in body.get(key, []) if p not in people]
            if unknown:
                raise self.fail(400, f"body/{key}: unknown id {unknown[0]!r}")
        if body.get("assigned_to") and body["assigned_to"] not in kd.USERS:
            raise self.fail(400, f"body/assigned_to: unknown user {body['assigned_to']!r}")

    def _put(self, request: Request, user: str) -> Response:
        body = json_body(request)
        validate(body, PUT_REQUIRED, PUT_TYPES)
        rec = self.record(request)
        self._check_refs(body)
        have = {a["object_id"]: a for a in rec.attachments}
        if missing := [oid for oid in body["attachments"] if oid not in have]:
            raise self.fail(400, f"body/attachments: unknown attachment {missing[0]!r}")
        retro = body.get("retrospective_raised_at")
        if retro and parse_time(retro) is None:
            raise self.fail(400, "body/retrospective_raised_at must be a date")
        old, new, now = _state(rec.status), _state(body["status"]), self.clock()
        if new != Status.TRIGGERED and rec.sla_first_response_at is None:
            rec.sla_first_response_at = now
        if new == Status.RESOLVED and old != Status.RESOLVED:
            rec.sla_resolved_at = now
        elif new != Status.RESOLVED:
            rec.sla_resolved_at = None
        # Full replacement: what the body leaves out is gone afterwards.
        rec.status, rec.short_description = body["status"], body["short_description"]
        rec.category, rec.source, rec.priority = body["category"], body["source"], body["priority"]
        rec.people_involved, rec.staff = list(body["people_involved"]), list(body["staff"])
        rec.attachments = [have[oid] for oid in dict.fromkeys(body["attachments"])]
        rec.description = body.get("description")
        rec.assigned_to = body.get("assigned_to") or None
        rec.retrospective_raised_at = parse_time(retro) if retro else None
        fields = body.get("custom_fields")
        rec.custom_fields = [dict(f) for f in fields] if fields is not None else None
        self.changed(rec)
        return Response.json({"success": True})

    def _delete(self, request: Request, user: str) -> Response:
        rec = self.record(request)
        del self.incidents[rec.id]
        for a in rec.attachments:
            self.blobs.pop(a["object_id"], None)
        self.changed()
        return Response.json({"success": True})

    def _inventory(self, request: Request, user: str) -> Response:
        rec = self.record(request)
        rec.extra["inventory_status"] = "prepared"
        self.changed(rec)
        return Response.json({"success": True, "inventory_status": "prepared"})

    def _sync(self, request: Request, user: str) -> Response:
        rec = self.record(request)
        rec.extra |= {"incident_tracker_sync_status": "synced",
                      "incident_tracker_reference": f"IT-{rec.urn}"}
        self.changed(rec)
        return Response.json({"success": True, "reference": f"IT-{rec.urn}"})

    def _reindex(self, request: Request, user: str) -> Response:
        return Response.json({"success": True,
                              "message": f"Reindexed {len(self.incidents)} incidents"})

    def _add_comment(self, request: Request, user: str) -> Response:
        body = json_body(request)
        validate(body, ("message",), {"message": "string"})
        if not body["message"].strip():
            raise self.fail(400, "body/message must NOT have fewer than 1 characters")
        rec, now = self.record(request), self.clock()
        comment = kd.CommentRecord(self.ids.new(now), body["message"], user, now)
        rec.comments.append(comment)
        self.changed(rec)
        return Response.json(comment_json(comment, rec.id))

    def _delete_comment(self, request: Request, user: str) -> Response:
        rec, wanted = self.record(request), request.params["commentId"]
        if not any(c.id == wanted for c in rec.comments):
            raise self.fail(404, "Comment not found")
        rec.comments = [c for c in rec.comments if c.id != wanted]
        self.changed(rec)
        return Response.json({"success": True})
