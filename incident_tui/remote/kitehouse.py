"""Connector for the Kitehouse "Incident Tracker API" (contracts/kitehouse.md).

Reads page through the site's list (``page`` from 1, ``limit`` = ``page_size``) until a short
page. ``sortBy`` is sent only where the config names the value that orders by last update
(``updated_sort``): then a sync reads newest-updated first and stops at the cursor (an
``updated_at``); otherwise every sync lists everything, as the contract advises (§6). List
rows are summaries, so pages are ``partial``. Writes are read-modify-write full PUTs
(§5.1). A title cannot be given on create, so create is POST then PUT (ambiguity #7), and the
PUT stores our idempotency key as the custom field ``incident-tui.client_key`` (kept on the
server through every full PUT, left out of the incident's custom fields). Attachments use
the presigned three-step flow; the storage URL never sees our token. Records map to the
common model in :mod:`incident_tui.remote.kitehouse_mapping`; the list walk, the create's
helpers, the attachment calls, storage transfers and the handover stream are in
``kitehouse_listing``, ``kitehouse_create``, ``kitehouse_attachments``, ``kitehouse_storage``
and ``kitehouse_handover``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncGenerator, AsyncIterator, Collection
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote

import httpx

from incident_tui.config_remotes import KitehouseRemote, RemoteBase
from incident_tui.domain.capabilities import KIND_CAPABILITIES, Capability
from incident_tui.domain.mapping import format_time, parse_time, warn_once
from incident_tui.domain.model import Attachment, Comment, Draft, Incident, SummaryGaps
from incident_tui.remote.base import Connector, Page
from incident_tui.remote.downloads import Progress, into_file, rewind, save_download
from incident_tui.remote.errors import BadResponse, Refused, Unavailable
from incident_tui.remote.http import Http, Sleep, a_list, parse_json
from incident_tui.remote.kitehouse_attachments import download_url, upload
from incident_tui.remote.kitehouse_create import (
    CREATE_SLACK,
    finish_create,
    learned_refs,
    ours_or_orphan,
)
from incident_tui.remote.kitehouse_handover import handover_text
from incident_tui.remote.kitehouse_listing import (
    PAGE_ZERO_REFUSALS,
    Listed,
    WalkEnd,
    created_candidates,
    cursor_for,
    cursor_parts,
    first_page,
    walk,
)
from incident_tui.remote.kitehouse_mapping import (
    FULL_ONLY_EXTRA,
    comment_from,
    has_id,
    incident_from,
    priority_id,
    put_body,
)
from incident_tui.remote.kitehouse_storage import fetch_bytes
from incident_tui.remote.read_ahead import read_ahead

log = logging.getLogger(__name__)


class KitehouseConnector(Connector):
    """A Kitehouse site: pull, get, full-PUT writes, comments, attachments, exports, handover."""

    kind = "kitehouse"
    capabilities = KIND_CAPABILITIES["kitehouse"]
    # List rows (§4.1) have no description, custom fields or SLA times (§4.3 has them).
    summary_gaps = SummaryGaps(
        frozenset({"description", "custom_fields", "acknowledged_at", "resolved_at"}),
        frozenset(FULL_ONLY_EXTRA),
    )
    # Pages by number with no total (contract 6), so a deletion mid-walk can hide a row.
    listing_may_skip = True

    def __init__(self, config: RemoteBase, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Sleep = asyncio.sleep) -> None:
        super().__init__(config, transport=transport, sleep=sleep)
        if not isinstance(config, KitehouseRemote):
            raise TypeError("KitehouseConnector needs a kitehouse remote config")
        self.cfg = config
        self.page_size = config.page_size
        """Rows per list request (``limit``)."""
        headers = {"Accept": "application/json"}
        if token := config.secret():
            headers[config.auth_header] = f"{config.auth_scheme} {token}".strip()
        self.http = Http(config.base_url, timeout=config.timeout, verify=config.verify_tls,
                         transport=transport, sleep=sleep, headers=headers,
                         max_rate=config.max_rate)
        # Presigned storage URLs carry their own signature: a separate client without our token.
        self.storage = httpx.AsyncClient(timeout=config.timeout, verify=config.verify_tls,
                                         transport=transport, follow_redirects=True)
        self._site = f"/incidents/{quote(config.site_id, safe='')}"
        self._create_refs: tuple[str, str] | None = None
        self._first_page: int | None = None
        """The number of the server's first list page, once known (contract 6 leaves it open)."""

    def _one(self, remote_id: str) -> str:
        return f"{self._site}/{quote(remote_id, safe='')}"

    async def aclose(self) -> None:
        """Close both HTTP clients."""
        await self.http.aclose()
        await self.storage.aclose()

    def can(self, capability: Capability) -> bool:
        """As for every Kitehouse site, except that an incremental pull needs a configured
        ``updated_sort``: without a known order there is nowhere to stop early."""
        if capability is Capability.INCREMENTAL:
            return self.cfg.updated_sort is not None
        return super().can(capability)

    def _map(self, raw: Any, *, full: bool) -> Incident:
        return incident_from(raw, remote=self.name, config=self.cfg, full=full)

    # Reading -----------------------------------------------------------------------------

    def _page_params(self, page: int, sort: str | None) -> dict[str, Any]:
        params: dict[str, Any] = {"page": page, "limit": self.page_size}
        if sort:
            params["sortBy"] = sort
        return params

    async def _rows(self, page: int, sort: str | None) -> Listed:
        data = await self.http.json(
            "GET", self._site, params=self._page_params(page, sort), expect=a_list
        )
        return self._checked_rows(data)

    async def _page_zero(self, page: int, sort: str | None) -> Listed | None:
        """Page ``page`` (0) as :meth:`_rows` reads it, but a refusal is :class:`Refused`
        at once, not retried, and an answer that is not rows, or a server error that
        outlasts the retries, is ``None``
        (:func:`.kitehouse_listing.first_page`): it may be how a server counting from 1
        answers page 0, and must not fail the pass."""
        try:
            response = await self.http.request(
                "GET", self._site, params=self._page_params(page, sort), ok=PAGE_ZERO_REFUSALS
            )
        except Unavailable as error:
            if error.status is None or error.status < 500:
                raise  # no answer at all: the link, not the page
            return None
        if response.status_code >= 400:
            raise Refused(f"{self._site}: page 0 answered HTTP {response.status_code}")
        try:
            return self._checked_rows(parse_json(response))
        except BadResponse:
            # Not rows: a server counting from 1 may say so with a 200 and a message, but
            # a garbled answer from one counting from 0 looks the same. Undecided: asked
            # again at the next full walk, and never the whole pass's failure.
            return None

    def _checked_rows(self, data: Any) -> Listed:
        """The rows of a list answer; one the listing cannot key is left out with a warning
        (one such row used to fail the remote on every pass). An answer that is no array at
        all is :class:`BadResponse`: read as an empty page it would end the listing."""
        if not isinstance(data, list):
            raise BadResponse(f"{self._site}: expected an array of incidents")
        rows = []
        for row in data:
            # An _id must be text: the listing keys rows by it (a list there was a TypeError),
            # and the contract's ids are ObjectId strings, which a number cannot stand for.
            if isinstance(row, dict) and has_id(row):
                rows.append(row)
            else:
                warn_once(f"{self.name}: Kitehouse listed {_unkeyed(row)}; it is left out "
                          "and the others are synced")
        return Listed(rows, len(data))

    async def _first(self) -> int:
        """The server's first page number, asked once (:func:`.kitehouse_listing.first_page`)."""
        if self._first_page is None:
            self._first_page = await first_page(
                self._page_zero, self._rows, self.cfg.updated_sort
            )
        return 1 if self._first_page is None else self._first_page

    def _walk(self, since: datetime | None, seen: dict[str, str], first: int
              ) -> AsyncGenerator[tuple[list[dict[str, Any]], WalkEnd | None], None]:
        """The site's rows from page ``first``, in ``updated_sort`` order if set
        (:func:`.kitehouse_listing.walk`)."""
        return walk(self._rows, self.page_size, self.cfg.updated_sort, since, seen, first)

    async def pull(
        self, cursor: str | None, *, full: bool = False
    ) -> AsyncGenerator[Page, None]:
        """Every row, plus (in ``updated_sort`` order) a catch-up pass for rows that moved to
        the front while we paged, which would otherwise look deleted; or, incrementally, the
        rows updated since ``cursor``. Complete only when the listing ended at a short page."""
        incremental = cursor and not full and self.cfg.updated_sort is not None
        since = None
        if cursor and incremental:
            stamp, known = cursor_parts(cursor)
            since = parse_time(stamp)
            self._first_page = known if known is not None else self._first_page
        seen: dict[str, str] = {}
        newest: tuple[datetime | None, str | None] = (since, cursor) if since else (None, None)

        def note(rows: list[dict[str, Any]]) -> list[Incident]:
            nonlocal newest
            incidents = [self._map(row, full=False) for row in rows]
            for incident in incidents:
                moment = incident.updated_at
                if moment is not None and (newest[0] is None or moment > newest[0]):
                    newest = (moment, incident.version)
            return incidents

        if since is not None:
            # Without asking: one request when nothing changed. A cursor from a walk that
            # knew no better starts at 1, and the next full walk finds out.
            first = 1 if self._first_page is None else self._first_page
            async for rows, end in read_ahead(self._walk(since, seen, first)):
                incidents = note(rows)
                after = cursor_for(newest[1], self._first_page) if end else None
                yield Page(incidents, cursor=after, partial=True)
            return
        first = await self._first()
        held: Page | None = None
        top: datetime | None = None
        ended: WalkEnd | None = None
        async for rows, end in read_ahead(self._walk(None, seen, first)):
            if held is not None:
                yield held
            held = Page(note(rows), partial=True)
            top, ended = top or newest[0], end
        if ended != "end":
            log.warning("%s: the server repeated a page; listed %d incidents, not all of them"
                        " (is page_size above its limit?)", self.name, len(seen))
        elif top is not None and self.cfg.updated_sort is not None:
            async for rows, _end in read_ahead(self._walk(top, seen, first)):
                if held is not None:
                    yield held
                held = Page(note(rows), partial=True)
        final = held or Page([], partial=True)
        final.cursor, final.complete = cursor_for(newest[1], self._first_page), ended == "end"
        yield final

    async def get(self, remote_id: str) -> Incident:
        """The full incident with comments and attachments."""
        raw = await self.http.json("GET", self._one(remote_id), expect=_an_incident)
        incident = self._map(raw, full=True)
        if incident.remote_id != remote_id:
            # Taken as it is, it would be stored as a new incident under that id.
            raise BadResponse(
                f"GET incident {remote_id}: the answer is incident {incident.remote_id!r:.80}"
            )
        return incident

    async def stale(self) -> list[Incident]:
        """Open incidents the server considers stale (summary rows)."""
        data = await self.http.json("GET", f"{self._site}/stale", expect=a_list)
        return [self._map(row, full=False) for row in data]

    # Writing -----------------------------------------------------------------------------

    async def _write(self, current: Incident, changes: dict[str, Any]) -> None:
        raw = current.raw
        if not isinstance(raw, dict) or "comments" not in raw or "attachments" not in raw:
            raw = (await self.get(current.remote_id)).raw  # a summary row would lose fields
        await self.http.request("PUT", self._one(current.remote_id),
                                json=put_body(raw, changes, remote=self.name, config=self.cfg))

    async def acknowledge(self, current: Incident) -> Incident | None:
        """Write the configured acknowledge status (full PUT)."""
        await self._write(current, {"status": self.cfg.ack_status})
        return None

    async def resolve(
        self, current: Incident, *, made_at: datetime | None = None
    ) -> Incident | None:
        """Write the configured resolve status (full PUT)."""
        await self._write(current, {"status": self.cfg.resolve_status})
        return None

    async def reopen(self, current: Incident) -> Incident | None:
        """Write the configured reopen status (full PUT)."""
        await self._write(current, {"status": self.cfg.reopen_status})
        return None

    async def edit(self, current: Incident, changes: dict[str, Any]) -> Incident | None:
        """Change title, description and/or severity (via ``priority_ids``)."""
        put: dict[str, Any] = {}
        for key, value in changes.items():
            if key == "title":
                put["short_description"] = str(value or "")
            elif key == "description":
                put["description"] = None if value is None else str(value)
            elif key == "severity":
                put["priority"] = priority_id(value, remote=self.name, config=self.cfg)
            else:
                raise Refused(f"Kitehouse cannot edit {key!r}")
        await self._write(current, put)
        return None

    async def comment(self, current: Incident, body: str) -> Comment:
        """Add a comment."""
        path = f"{self._one(current.remote_id)}/comments"
        return comment_from(await self.http.json("POST", path, json={"message": body}))

    async def _delete(self, path: str, **params: str) -> None:
        await self.http.request("DELETE", path, params=params or None)

    async def delete_comment(self, current: Incident, comment_id: str) -> None:
        """Delete a comment; :class:`NotFound` when it is already gone."""
        await self._delete(f"{self._one(current.remote_id)}/comments/{quote(comment_id, safe='')}")

    async def delete(self, current: Incident) -> None:
        """Delete the incident; :class:`NotFound` when it is already gone."""
        await self._delete(self._one(current.remote_id))

    # Create ------------------------------------------------------------------------------

    async def _category_and_source(self) -> tuple[str, str]:
        category, source = self.cfg.default_category_id, self.cfg.default_source_id
        if category and source:
            return category, source
        if self._create_refs is None:
            self._create_refs = learned_refs((await self._rows(1, None)).rows, self.name)
        return category or self._create_refs[0], source or self._create_refs[1]

    async def _finish(self, raw: dict[str, Any], draft: Draft, key: str, *, cleanup: bool) -> None:
        """The PUT half of a create (:func:`.kitehouse_create.finish_create`)."""
        await finish_create(self.http, self._one(str(raw["_id"])), raw, draft, key,
                            remote=self.name, config=self.cfg, cleanup=cleanup)

    async def create(self, draft: Draft, key: str) -> Incident:
        """POST the incident (site, category, source), then PUT its title and our key."""
        if draft.severity:
            # Refuse before anything exists remotely.
            priority_id(draft.severity, remote=self.name, config=self.cfg)
        category, source = await self._category_and_source()
        created = await self.http.json("POST", "/incidents", json={
            "site": self.cfg.site_id, "category": category, "source": source})
        if not isinstance(created, dict) or not created.get("_id"):
            raise BadResponse("POST /incidents answered without an _id")
        await self._finish(created, draft, key, cleanup=True)
        return await self.get(str(created["_id"]))

    async def find_created(
        self, draft: Draft, key: str, since: datetime, *, taken: Collection[str] = ()
    ) -> Incident | None:
        """The incident carrying ``key``; else an untitled one created since ``since`` (the
        process died between POST and PUT), which is then finished and returned."""
        floor = since - CREATE_SLACK
        # An incident created since ``floor`` was updated since then too, so in updated
        # order the walk stops there; in the server's own (unknown) order it reads them all.
        rows = self._walk(floor if self.cfg.updated_sort else None, {}, await self._first())
        candidates = await created_candidates(rows, floor, draft.title)
        ours, orphan = await ours_or_orphan(self.get, candidates, key, since)
        if ours is not None or orphan is None:
            return ours
        await self._finish(orphan.raw, draft, key, cleanup=False)
        return await self.get(orphan.remote_id)

    # Attachments ---------------------------------------------------------------------------

    async def list_attachments(self, remote_id: str) -> list[Attachment]:
        """The incident's attachments (from the full incident)."""
        return (await self.get(remote_id)).attachments or []

    async def upload_attachment(self, current: Incident, path: Path,
                                content_type: str | None = None,
                                description: str | None = None) -> Attachment:
        """Presign, PUT the file's bytes to storage (streamed, no token), then register it."""
        return await upload(self.http, self.storage, f"{self._one(current.remote_id)}/attachments",
                            path, content_type, description,
                            lambda: self.list_attachments(current.remote_id))

    async def delete_attachment(self, current: Incident, object_id: str) -> None:
        """Remove an attachment; :class:`NotFound` when it is already gone."""
        await self._delete(f"{self._one(current.remote_id)}/attachments", objectId=object_id)

    async def download_attachment(self, remote_id: str, object_id: str) -> str:
        """The (audit-logged) download URL: ``{"url"}`` JSON or a redirect's ``Location``."""
        return await download_url(self.http, f"{self._one(remote_id)}/attachments/download",
                                  object_id)

    async def fetch_bytes(self, url: str, dest: BinaryIO, progress: Progress | None = None) -> int:
        """Stream ``url`` (no token sent) into ``dest``, telling ``progress`` as the bytes
        come; the number of bytes written. A storage error or a cut-off answer is tried
        again as the API's reads are, ``dest`` emptied first."""

        async def fetch() -> int:
            await asyncio.to_thread(rewind, dest)
            return await fetch_bytes(self.storage, url, dest, progress,
                                     most=self.http.most_held, floor=self.http.speed_floor,
                                     window=self.http.speed_window)

        return await self.http.read_again(fetch)

    async def download_attachment_to(self, remote_id: str, object_id: str, dest_dir: Path,
                                     name: str, progress: Progress | None = None) -> Path:
        """Save an attachment in ``dest_dir`` under a safe, unused version of ``name``,
        telling ``progress`` as the bytes come.

        The bytes go to a temporary file in ``dest_dir`` that gets its name only when complete,
        so a failure leaves nothing behind and an existing file is never overwritten.
        """
        url = await self.download_attachment(remote_id, object_id)

        async def fill(handle: BinaryIO) -> None:
            await self.fetch_bytes(url, handle, progress)

        return await save_download(dest_dir, name, fill)

    # Exports and reports -------------------------------------------------------------------

    async def export_csv_to(self, dest_dir: Path, name: str, *, search: str | None = None,
                            status: str | None = None, start: datetime | None = None,
                            end: datetime | None = None, assigned_to: str | None = None,
                            student: str | None = None, sort_by: str | None = None,
                            progress: Progress | None = None) -> Path:
        """Save the server's CSV export of the incidents matching the filters in
        ``dest_dir`` under a safe, unused version of ``name``, streamed to disk as it comes
        (an export of every incident can be large), telling ``progress``."""
        params = {"search": search, "status": status, "startDate": format_time(start),
                  "endDate": format_time(end), "assignedTo": assigned_to, "student": student,
                  "sortBy": sort_by}

        async def fill(handle: BinaryIO) -> None:
            await self.http.streamed("GET", f"{self._site}/export-csv",
                                     into_file(handle, progress),
                                     params={k: v for k, v in params.items() if v})

        return await save_download(dest_dir, name, fill)

    async def export_pdf_to(self, remote_id: str, dest_dir: Path, name: str, *,
                            with_attachments: bool = False,
                            progress: Progress | None = None) -> Path:
        """Save the server's PDF export of one incident in ``dest_dir`` under a safe, unused
        version of ``name``, streamed to disk as it comes (with its attachments it can be
        large), telling ``progress``. An answer that is not a PDF raises
        :class:`BadResponse` and leaves nothing behind."""
        params = {"withAttachments": "true" if with_attachments else "false"}

        async def fill(handle: BinaryIO) -> None:
            sink = into_file(handle, progress, starts_with=b"%PDF-", what="a PDF")
            await self.http.streamed("GET", f"{self._one(remote_id)}/export", sink, params=params)

        return await save_download(dest_dir, name, fill)

    async def dashboard(self, start: datetime, end: datetime | None = None,
                        category_id: str | None = None) -> dict[str, Any]:
        """The dashboard analytics ``{incidents, totalCount}`` for a date range."""
        params = {"startDate": format_time(start), "endDate": format_time(end),
                  "categoryId": category_id}
        data = await self.http.json("GET", f"{self._site}/dashboard",
                                    params={k: v for k, v in params.items() if v})
        if not isinstance(data, dict) or not isinstance(data.get("incidents"), list):
            raise BadResponse("dashboard answer without incidents")
        return data

    def handover_stream(self, hours: float = 12) -> AsyncIterator[str]:
        """The AI handover e-mail as it streams (SSE), text chunk by chunk, until ``end``."""
        return handover_text(self.http.client, f"{self._site}/handover", hours,
                             most=self.http.most_held)


def _unkeyed(row: Any) -> str:
    """What is wrong with a list entry the listing cannot key, for a warning."""
    if not isinstance(row, dict):
        return f"an entry that is no incident ({type(row).__name__})"
    if row.get("_id") in (None, ""):
        return "an incident without an _id"
    return f"an incident whose _id is not text ({type(row['_id']).__name__})"


def _an_incident(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: an incident record with its ``_id``."""
    if isinstance(body, dict) and has_id(body):
        return None
    return "expected an incident with its _id"
