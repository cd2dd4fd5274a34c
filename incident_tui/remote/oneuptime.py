"""Connector for OneUptime's ``/api/incident`` resources, per contracts/oneuptime.md.

Pull is keyset paging over ``updatedAt``, with a cursor that is safe after every page (see
:mod:`incident_tui.remote.oneuptime_paging`), then the notes written since the last pull,
which move no incident's ``updatedAt`` (see :mod:`incident_tui.remote.oneuptime_notes`).

The rows' state/severity relations usually decide status and severity; the cached catalog of
states and severities is read when they do not, and for writes. Pages are ``partial``: notes,
owners, the state timeline and the attachments (the postmortem's files and the notes' files)
come from :meth:`OneuptimeConnector.get`. Rows map to the common model in
:mod:`incident_tui.remote.oneuptime_mapping`.

A note's file is named after the note it is on (see the mapping). Only postmortem files can
be downloaded (:meth:`OneuptimeConnector.download_attachment_to`, through the incident's
helper route); no route for a note's files is documented.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import AsyncGenerator, Collection, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import urlsplit

import httpx

from incident_tui.config_remotes import OneuptimeRemote
from incident_tui.domain.capabilities import KIND_CAPABILITIES
from incident_tui.domain.mapping import parse_time, warn_once
from incident_tui.domain.model import (
    Attachment,
    Comment,
    Draft,
    Incident,
    Severity,
    Status,
    SummaryGaps,
)
from incident_tui.remote.base import Connector, Page
from incident_tui.remote.downloads import Progress, into_file, save_download
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    NotFound,
    Refused,
    RemoteError,
    Unsupported,
)
from incident_tui.remote.http import Http, Shape, Sleep, an_object
from incident_tui.remote.oneuptime_mapping import (
    FULL_SELECT,
    INCIDENT_SELECT,
    NOTE_SELECT,
    SEVERITY_SELECT,
    STATE_SELECT,
    Catalog,
    incident_from,
    note_files_named,
    plain,
    postmortem_url,
)
from incident_tui.remote.oneuptime_notes import NOTE_PATHS, PullCursor, notes_since
from incident_tui.remote.oneuptime_paging import LIMIT, keyset_pages, offset_pages
from incident_tui.remote.read_ahead import read_ahead

__all__ = ["KEY_FIELD", "OneuptimeConnector"]

KEY_FIELD = "incident_tui_key"
"""The ``customFields`` entry that carries our create idempotency key."""
CATALOG_TTL = 600.0
"""Seconds the cached states and severities are trusted before they are read again."""
FIND_SKEW = timedelta(minutes=15)
"""How far before ``since`` find_created looks, in case the server's clock is behind ours."""
UUID_RE = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.I)
_READS = ("/get-list", "/get-item", "/count")
NOTES_PER_PAGE = 500
"""Most notes a pull hands over in one page (they come a hundred a request)."""


class OneuptimeConnector(Connector):
    """A OneUptime project: keyset pulls, transitions by ``currentIncidentStateId``, notes as
    comments, creates carrying our key in ``customFields``."""

    kind = "oneuptime"
    capabilities = KIND_CAPABILITIES["oneuptime"]
    # Times come from the state timeline and assignees from the owners (contract 4.7):
    # separate listings that only get reads, never the list rows.
    summary_gaps = SummaryGaps(frozenset({"acknowledged_at", "resolved_at", "assignees"}))

    def __init__(self, config: OneuptimeRemote, *,
                 transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(config, transport=transport, sleep=sleep)
        self.config: OneuptimeRemote = config
        base = config.base_url.rstrip("/")
        base += "" if urlsplit(base).path.endswith("/api") else "/api"
        headers = {"Content-Type": "application/json", "Accept": "application/json"}
        if config.secret():
            headers["ApiKey"] = config.secret() or ""
        # Paced to the documented 100 operations a second (contract §3.1) by default: a
        # get reads five listings at once and hydration several incidents at once.
        self.http = Http(base, timeout=config.timeout, verify=config.verify_tls,
                         transport=transport, sleep=sleep, headers=headers, classify=_classify,
                         max_rate=config.max_rate)
        self.catalog = Catalog(config)
        self._catalog_at: float | None = None
        self._missed: set[str] = set()

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    # Requests --------------------------------------------------------------------------------

    async def _read(self, path: str, body: dict[str, Any], expect: Shape) -> tuple[Any, Any]:
        """A POST that only reads: safe to repeat, so retried, also on a garbled body or
        one not of the ``expect`` shape. Returns the payload as received and with typed
        values unwrapped (the same object when the answer has none, which spares a copy per
        row)."""
        response, payload = await self.http.until_parsed(
            lambda: self.http.request("POST", path, json=body, idempotent=True), expect=expect
        )
        return payload, plain(payload) if b'"_type"' in response.content else payload

    async def _list(self, path: str, body: dict[str, Any], skip: int = 0
                    ) -> tuple[list[Any], list[Any], int | None]:
        """One page: the rows as received and unwrapped, and ``count``, the number of rows
        matching the query (``None`` when the answer has no usable one)."""
        payload, unwrapped = await self._read(
            f"{path}/get-list?skip={skip}&limit={LIMIT}", body, _a_page
        )
        count = payload.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) else None
        return list(payload["data"]), list(unwrapped["data"]), count

    async def _list_all(self, path: str, incident_id: str, select: dict[str, Any],
                        sort: str = "createdAt") -> list[Any]:
        """Every row of a per-incident listing (notes, owners, timeline)."""
        body = {"query": {"incidentId": self._id(incident_id)}, "select": select,
                "sort": {sort: "ASC"}}
        return [row async for _, rows in offset_pages(self._list, path, body) for row in rows]

    def _id(self, value: str, kind: str = "ObjectID") -> Any:
        return {"_type": kind, "value": value} if self.config.typed_values else value

    # Catalog (states and severities) -----------------------------------------------------------

    async def _ensure_catalog(self, ids: Iterable[str] = (), force: bool = False) -> None:
        """(Re)read the project's states and severities when absent, stale, forced, or lacking
        one of ``ids`` (once per unknown id, so an invisible state is not a reload per row)."""
        stale = self._catalog_at is None or time.monotonic() - self._catalog_at > CATALOG_TTL
        unknown = {i for i in ids if i and not self.catalog.knows(i)} - self._missed
        if stale or unknown or force:
            states, severities = await asyncio.gather(*(
                self._list(path, {"select": select, "sort": {"order": "ASC"}}) for path, select
                in (("/incident-state", STATE_SELECT), ("/incident-severity", SEVERITY_SELECT))))
            self.catalog.load(states[1], severities[1])
            self._catalog_at = time.monotonic()
            self._missed = {i for i in unknown if not self.catalog.knows(i)}

    async def _map(self, raws: list[Any], rows: list[Any], **more: Any) -> list[Incident]:
        if any(self.catalog.needed(row) for row in rows):
            await self._ensure_catalog({str(row.get(k) or "") for row in rows for k in (
                "currentIncidentStateId", "incidentSeverityId")})
        return [incident_from(self.name, self.config, self.catalog, raw, row, **more)
                for raw, row in zip(raws, rows, strict=True)]

    async def states(self) -> list[dict[str, Any]]:
        """The project's incident states in order, each with the common ``status`` it maps to."""
        await self._ensure_catalog()
        return self.catalog.listing(self.catalog.states, "status")

    async def severities(self) -> list[dict[str, Any]]:
        """The project's severities in order, each with the common ``severity`` it maps to."""
        await self._ensure_catalog()
        return self.catalog.listing(self.catalog.severities, "severity")

    # Reading -----------------------------------------------------------------------------------

    async def pull(
        self, cursor: str | None, *, full: bool = False
    ) -> AsyncGenerator[Page, None]:
        """Keyset pages over ``updatedAt``; see :mod:`incident_tui.remote.oneuptime_paging`.
        The next page is requested while this one is mapped. Then, on full listings too,
        the notes written or edited since ``cursor`` (a note moves no incident's
        ``updatedAt``; see :mod:`incident_tui.remote.oneuptime_notes`), as the comments of
        the last page."""
        self.listing_may_skip = False

        def unkeyed(what: str) -> None:
            # Its incident may be a cached one: each cached incident a complete listing
            # missed is then asked for before it is taken for deleted.
            self.listing_may_skip = True
            warn_once(f"{self.name}: OneUptime listed {what}; it is left out and the others "
                      "are synced")

        place = PullCursor.decode(cursor)
        listing = keyset_pages(self._list, INCIDENT_SELECT, self._id, place.incidents, full,
                               unkeyed)
        last = Page([], partial=True)
        async for raws, rows, after, done, end in read_ahead(listing):
            place.incidents = after or place.incidents
            page = Page(await self._map(raws, rows), cursor=place.encode(), complete=done,
                        partial=True)
            if end:
                last = page
            else:
                yield page
        # The notes go with the listing's last page, stored after its incidents: a note on
        # one just listed finds it cached. Many go on in pages of their own, the last of
        # which ends the listing.
        last.comments = {}
        count = 0
        for kind in NOTE_PATHS:
            async for notes, after in notes_since(self._list, self._id, kind,
                                                  place.notes.get(kind), self.name):
                place.notes[kind] = after
                for remote_id, note in notes:
                    last.comments.setdefault(f"{self.name}:{remote_id}", []).append(note)
                count += len(notes)
                if count >= NOTES_PER_PAGE:
                    ends, last.complete, last.cursor = last.complete, False, place.encode()
                    yield last
                    last, count = Page([], complete=ends, partial=True, comments={}), 0
        last.cursor = place.encode()
        yield last

    async def get(self, remote_id: str) -> Incident:
        """The incident with its notes, owners, state timeline and attachments (the files of
        the postmortem and of the notes), in five concurrent reads."""
        remote_id = _checked(remote_id)
        results = await asyncio.gather(
            # Any object: {} is how OneUptime says it has no such incident (an empty
            # body is no answer at all, and asked again).
            self._read(f"/incident/{remote_id}/get-item", {"select": FULL_SELECT}, an_object),
            self._list_all("/incident-internal-note", remote_id, NOTE_SELECT),
            self._list_all("/incident-public-note", remote_id, {**NOTE_SELECT, "postedAt": True}),
            self._list_all("/incident-owner-user", remote_id,
                           {"userId": True, "user": {"name": True}}),
            self._list_all("/incident-state-timeline", remote_id, {
                "incidentStateId": True, "startsAt": True, "incidentState": STATE_SELECT},
                "startsAt"),
            return_exceptions=True)
        for failed in (r for r in results if isinstance(r, BaseException)):
            raise failed
        (raw, item), internal, public, owners, timeline = results
        if not isinstance(item, dict) or not item.get("_id"):
            # OneUptime answers 200 {} for an id it has no (visible) row for.
            raise NotFound(f"incident {remote_id} not found")
        if str(item["_id"]) != remote_id:
            # Taken as it is, it would be stored as a new incident under that id.
            raise BadResponse(
                f"incident {remote_id}/get-item: the answer is incident {str(item['_id'])!r:.80}"
            )
        internal = note_files_named(internal, "internal")
        public = note_files_named(public, "public")
        return (await self._map([raw], [item], internal=internal, public=public, owners=owners,
                                timeline=timeline, api_url=self.http.base_url))[0]

    # Attachments -------------------------------------------------------------------------------

    async def list_attachments(self, remote_id: str) -> list[Attachment]:
        """The incident's attachments: its postmortem's files, then its notes' files (each
        named with the note it is on)."""
        return (await self.get(remote_id)).attachments or []

    async def download_attachment_to(self, remote_id: str, file_id: str, dest_dir: Path,
                                     name: str, progress: Progress | None = None) -> Path:
        """Save a postmortem file in ``dest_dir`` under a safe, unused version of ``name``,
        streamed to disk as it comes, telling ``progress``.

        The bytes go to a temporary file in ``dest_dir`` that gets its name only when complete,
        so a failure leaves nothing behind and an existing file is never overwritten. A note's
        file raises :class:`Unsupported` (OneUptime documents no route for it); a file the
        incident does not have raises :class:`NotFound`.
        """
        remote_id, file_id = _checked(remote_id), _checked(file_id)
        project = await self._postmortem_project(remote_id, file_id)
        url = postmortem_url("", project, remote_id, file_id)

        async def fill(handle: BinaryIO) -> None:
            await self.http.streamed("GET", url, into_file(handle, progress),
                                     headers={"Accept": "*/*"})

        return await save_download(dest_dir, name, fill)

    async def _postmortem_project(self, remote_id: str, file_id: str) -> str:
        """The project to name in the download route of ``file_id``, after checking that it is
        one of the incident's postmortem files (the route answers a bare 404 otherwise, which
        could not tell a note's file from a missing one)."""
        _, item = await self._read(f"/incident/{remote_id}/get-item", {"select": {
            "projectId": True, "postmortemAttachments": {"_id": True}}}, an_object)
        if not isinstance(item, dict) or not item.get("_id"):
            raise NotFound(f"incident {remote_id} not found")
        wanted = file_id.casefold()
        if wanted in _file_ids([item], "postmortemAttachments"):
            return str(item.get("projectId") or self.config.project_id)
        notes = await asyncio.gather(*(
            self._list_all(path, remote_id, {"attachments": {"_id": True}})
            for path in ("/incident-internal-note", "/incident-public-note")))
        if any(wanted in _file_ids(listing, "attachments") for listing in notes):
            raise Unsupported("this file is attached to a note, and OneUptime has no download "
                              "route for a note's files (only postmortem files can be saved)")
        raise NotFound(f"incident {remote_id} has no attachment {file_id}")

    # Writing -----------------------------------------------------------------------------------

    async def _put(self, remote_id: str, data: dict[str, Any]) -> None:
        await self.http.json("PUT", f"/incident/{_checked(remote_id)}", json={"data": data})

    async def _move(self, current: Incident, status: Status) -> Incident | None:
        if current.status == status:
            return current  # already there ("Investigating" counts as acknowledged)
        await self._ensure_catalog()
        try:
            state_id = self.catalog.write_target(status)
        except Refused:
            # A state added or changed since the catalog was read may settle it.
            await self._ensure_catalog(force=True)
            state_id = self.catalog.write_target(status)
        await self._put(current.remote_id, {"currentIncidentStateId": self._id(state_id)})
        return None

    async def acknowledge(self, current: Incident) -> Incident | None:
        """Move to config ``ack_state_id``, else the state flagged isAcknowledgedState."""
        return await self._move(current, Status.ACKNOWLEDGED)

    async def resolve(
        self, current: Incident, *, made_at: datetime | None = None
    ) -> Incident | None:
        """Move to config ``resolved_state_id``, else the state flagged isResolvedState."""
        return await self._move(current, Status.RESOLVED)

    async def reopen(self, current: Incident) -> Incident | None:
        """Move to config ``created_state_id``, else the state flagged isCreatedState."""
        return await self._move(current, Status.TRIGGERED)

    async def edit(self, current: Incident, changes: dict[str, Any]) -> Incident | None:
        """Change title, description and/or severity in one partial update."""
        data: dict[str, Any] = {}
        for name, value in changes.items():
            if name not in ("title", "description", "severity"):
                raise Refused(f"cannot edit {name!r} on OneUptime")
            if name != "description" and not value:
                raise Refused(f"a OneUptime incident always has a {name}")
            if name == "severity":
                data["incidentSeverityId"] = self._id(await self._severity_id(Severity(value)))
            else:
                data[name] = value
        if data:
            await self._put(current.remote_id, data)
        return None

    async def _severity_id(self, severity: Severity | None) -> str:
        await self._ensure_catalog()
        found = self.catalog.severity_for(severity)
        if found is None:
            raise Refused(self.catalog.no_severity(severity))
        return found

    async def comment(self, current: Incident, body: str, *, public: bool = False) -> Comment:
        """Add an internal note (a public, status-page note with ``public=True``)."""
        path = "/incident-public-note" if public else "/incident-internal-note"
        data = {"projectId": self._id(current.container or self.config.project_id),
                "incidentId": self._id(current.remote_id), "note": body}
        payload = plain(await self.http.json("POST", path, json={"data": data}))
        if not isinstance(payload, dict) or not payload.get("_id"):
            raise BadResponse(f"{path}: created note without _id")
        return Comment(str(payload["_id"]), str(payload.get("note") or body),
                       parse_time(payload.get("postedAt") or payload.get("createdAt")),
                       None, "public" if public else "internal")

    async def add_note(self, current: Incident, body: str, public: bool) -> Comment:
        """Add an internal or public note (for the UI's note dialog)."""
        return await self.comment(current, body, public=public)

    async def delete_comment(self, current: Incident, comment_id: str) -> None:
        """Delete a note; unknown ids answer 200 ``{}``, so an unknown kind tries both."""
        kinds = {c.visibility for c in current.comments or [] if c.remote_id == comment_id}
        for kind in ("internal", "public"):
            if not kinds or kind in kinds:
                await self.http.json("DELETE", f"/incident-{kind}-note/{_checked(comment_id)}")

    async def delete(self, current: Incident) -> None:
        """Delete the incident (200 ``{}`` even when it was already gone)."""
        await self.http.json("DELETE", f"/incident/{_checked(current.remote_id)}")

    async def create(self, draft: Draft, key: str) -> Incident:
        """Create with our key in ``customFields.incident_tui_key`` (see find_created), declared
        when the user made it: one made offline is sent later, and the server would say then."""
        data: dict[str, Any] = {
            "title": draft.title,
            "incidentSeverityId": self._id(await self._severity_id(draft.severity)),
            "projectId": self._id(draft.container or self.config.project_id),
            "customFields": {KEY_FIELD: key},
        }
        if draft.made_at is not None:
            data["declaredAt"] = self._id(js_iso(draft.made_at), "DateTime")
        if draft.description:
            data["description"] = draft.description
        payload = await self.http.json("POST", "/incident", json={"data": data})
        if not isinstance(payload, dict) or not payload.get("_id"):
            raise BadResponse("/incident: created incident without _id")
        # The API reference's own example answers with the ids and a slug only: the fields
        # it leaves out are as we sent them (the title shown empty until the next pull).
        payload = {**data, **payload}
        return (await self._map([payload], [plain(payload)], internal=[], public=[]))[0]

    async def find_created(
        self, draft: Draft, key: str, since: datetime, *, taken: Collection[str] = ()
    ) -> Incident | None:
        """The incident carrying our key created since ``since`` (minus clock skew), if any."""
        start = self._id(js_iso(since.astimezone(UTC) - FIND_SKEW), "DateTime")
        body = {"query": {"createdAt": {"_type": "GreaterThanOrEqual", "value": start}},
                "select": INCIDENT_SELECT, "sort": {"createdAt": "ASC"}}
        async for raws, rows in offset_pages(self._list, "/incident", body):
            for raw, row in zip(raws, rows, strict=True):
                fields = row.get("customFields") if isinstance(row, dict) else None
                if isinstance(fields, dict) and fields.get(KEY_FIELD) == key:
                    return (await self._map([raw], [row]))[0]
        return None


def _file_ids(rows: list[Any], relation: str) -> set[str]:
    """The (case-folded) ids of the files in ``relation`` of every row."""
    return {str(f["_id"]).casefold() for row in rows if isinstance(row, dict)
            for f in row.get(relation) or () if isinstance(f, dict) and f.get("_id")}


def _checked(remote_id: str) -> str:
    """A OneUptime id fit for a path; anything else cannot exist there."""
    if not UUID_RE.match(remote_id):
        raise NotFound(f"{remote_id!r} is not a OneUptime id")
    return remote_id


def _classify(response: httpx.Response, reason: str) -> RemoteError | None:
    """400 "Invalid API Key" is an auth failure; 422 is an update that matched no row
    (NotFound) or a missing permission: AuthFailed on reads, where nothing can sync, Refused
    on writes, where only that change is refused."""
    status, text = response.status_code, reason.casefold()
    if status == 400 and "invalid api key" in text:
        return AuthFailed(f"HTTP 400: {reason}", status=status)
    if status != 422:
        return None
    if "unable to update" in text or "does not exist" in text:
        return NotFound(f"HTTP 422: {reason}", status=status)
    if "permission" in text or "not authorized" in text:
        denied = AuthFailed if response.request.url.path.endswith(_READS) else Refused
        return denied(f"HTTP 422 (permission denied): {reason}", status=status)
    return Refused(f"HTTP 422: {reason}", status=status)


def js_iso(value: datetime) -> str:
    """``Date.toISOString()`` form, the one the server parses and sends."""
    value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _a_page(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: a get-list answer, ``{count, data}``
    with its rows in a list."""
    if isinstance(body, dict) and isinstance(body.get("data"), list):
        return None
    return "expected {count, data}"
