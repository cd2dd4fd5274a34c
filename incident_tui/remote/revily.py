"""Connector for Revily (Reveille) v1, per contracts/revily.md.

Revily has no ``updated_at`` and no filter by change time, so every pull is a full listing:
``GET /incidents?page=1``, then the ``Link rel="next"`` pages while a server (HEAD) paginates;
a 2013 server ignores ``page`` and answers everything at once. Incidents carry no comments, so
listed rows are complete. The state machine guards transitions (422), and a 422 on a
transition the incident has already made counts as success.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import AsyncGenerator, AsyncIterator, Collection
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from incident_tui.clock import system_clock
from incident_tui.config_remotes import RemoteBase
from incident_tui.domain import jsontext
from incident_tui.domain.capabilities import KIND_CAPABILITIES
from incident_tui.domain.mapping import parse_time, warn_once
from incident_tui.domain.model import Draft, Incident, Status
from incident_tui.remote.base import Connector, Page, in_pages
from incident_tui.remote.errors import BadResponse, NotFound, Refused, Unsupported
from incident_tui.remote.http import Http, Shape, Sleep, a_list, parse_json

STATES: dict[str, Status] = {
    "pending": Status.TRIGGERED,
    "triggered": Status.TRIGGERED,
    "acknowledged": Status.ACKNOWLEDGED,
    "resolved": Status.RESOLVED,
}
"""Revily ``state`` to common status (``pending`` only exists for an instant)."""

_RANK = {Status.TRIGGERED: 0, Status.ACKNOWLEDGED: 1, Status.RESOLVED: 2}

MAX_PAGES = 100_000
"""A runaway ``Link`` chain stops here rather than looping forever."""


class RevilyConnector(Connector):
    """A Revily server: full listings, acknowledge/resolve via the state machine, create in a
    service with our idempotency key as the incident ``key``, delete."""

    kind = "revily"
    capabilities = KIND_CAPABILITIES["revily"]

    def __init__(
        self,
        config: RemoteBase,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        super().__init__(config, transport=transport, sleep=sleep)
        headers = {"Accept": "application/json"}
        token = config.secret()
        if token:
            # The quotes are part of the syntax: the server's pattern is ^Token token="(.+)"$.
            headers["Authorization"] = f'Token token="{token}"'
        self.http = Http(
            config.base_url,
            timeout=config.timeout,
            verify=config.verify_tls,
            transport=transport,
            sleep=sleep,
            headers=headers,
            max_rate=config.max_rate,
        )
        self._default_service: str | None = getattr(config, "service_id", None) or None

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    # Reading -----------------------------------------------------------------------------

    async def pull(
        self, cursor: str | None, *, full: bool = False
    ) -> AsyncGenerator[Page, None]:
        """Every incident, page by page; always a full listing (``complete`` on the last page).

        A row without an id is left out with a warning.
        A listing whose ``Total`` moved while paging (an incident added or deleted between
        pages may have shifted rows past us) is not marked complete, so the engine does not
        take a row it missed for a remote deletion. One ``Total`` and as many rows do not
        prove that none was missed either (a deletion on a page already read and a creation
        meanwhile), so after a listing of several pages the engine asks for each cached
        incident it missed before taking it for deleted.
        """
        read, dropped = 0, False
        async for rows, last, consistent in self._listing("/incidents"):
            read += 1
            keyed = [row for row in rows if _row_id(row) is not None]
            if len(keyed) < len(rows):
                # One such row used to fail the whole remote on every pass. Its incident may
                # be a cached one (by its id last time): each cached incident the listing
                # missed is asked for before it is taken for deleted.
                dropped = True
                warn_once(f"{self.name}: Revily listed an incident without an id; it is left "
                          "out and the others are synced")
            self.listing_may_skip = read > 1 or dropped
            for chunk, ends in in_pages(keyed, last=last):
                yield Page(
                    [self.to_incident(row) for row in chunk],
                    cursor=None,
                    complete=ends and consistent,
                    partial=False,
                )

    async def get(self, remote_id: str) -> Incident:
        """The incident; :class:`NotFound` when it is gone."""
        body = await self._get_json(f"/incidents/{_segment(remote_id)}", _an_incident)
        if str(body["id"]) != remote_id:
            # Taken as it is, it would be stored as a new incident under that id.
            raise BadResponse(
                f"GET /incidents/{remote_id}: the answer is incident {str(body['id'])!r:.80}"
            )
        return self.to_incident(body)

    async def services(self) -> list[dict[str, Any]]:
        """The account's services as ``{id, name, state}`` (where new incidents can go)."""
        body = await self._get_json("/services", a_list)
        return [
            {"id": str(s["id"]), "name": s.get("name") or str(s["id"]), "state": s.get("state")}
            for s in body
            if isinstance(s, dict) and s.get("id")
        ]

    # Writing -----------------------------------------------------------------------------

    async def create(self, draft: Draft, key: str) -> Incident:
        """``POST /services/:id/incidents`` form-encoded, with ``key`` as the incident key."""
        service_id = await self._service_for(draft)
        form = {"message": draft.title, "key": key}
        if draft.description:
            form["description"] = draft.description
        try:
            response = await self.http.request(
                "POST", f"/services/{_segment(service_id)}/incidents", data=form
            )
        except NotFound:
            # Still NotFound: the sync first checks that the remote answers at all.
            raise NotFound(
                f"Revily has no service {service_id!r} (`incident-tui services {self.name}` "
                "lists where incidents can go)",
                status=404,
            ) from None
        body = parse_json(response)
        if isinstance(body, dict) and body.get("id"):
            return self.to_incident(body)
        # An empty 201 still names the new incident in Location.
        location = response.headers.get("Location", "")
        if "/incidents/" in location:
            return await self.get(location.rstrip("/").rsplit("/", 1)[-1])
        found = await self.find_created(draft, key, system_clock())
        if found is None:
            raise BadResponse("create answered without the new incident")
        return found

    async def find_created(
        self, draft: Draft, key: str, since: datetime, *, taken: Collection[str] = ()
    ) -> Incident | None:
        """The incident whose ``key`` is our idempotency key, if a lost create made one.

        Lists the draft's (or configured) service when known, else every incident.
        """
        service_id = draft.container or self._default_service
        path = f"/services/{_segment(service_id)}/incidents" if service_id else "/incidents"
        try:
            async for rows, _last, _consistent in self._listing(path):
                for row in rows:
                    if row.get("key") == key:
                        return self.to_incident(row)
        except NotFound:
            if path == "/incidents":
                raise
            return None  # the service itself is gone, so nothing was created there
        return None

    async def acknowledge(self, current: Incident) -> Incident | None:
        """``PUT /incidents/:id/acknowledge`` (204)."""
        return await self._transition(current, "acknowledge", Status.ACKNOWLEDGED)

    async def resolve(
        self, current: Incident, *, made_at: datetime | None = None
    ) -> Incident | None:
        """``PUT /incidents/:id/resolve`` (204)."""
        return await self._transition(current, "resolve", Status.RESOLVED)

    async def reopen(self, current: Incident) -> Incident | None:
        """Revily's state machine has no way back from resolved."""
        raise Unsupported("Revily cannot reopen an incident: resolved is final")

    async def delete(self, current: Incident) -> None:
        """``DELETE /incidents/:id``; :class:`NotFound` when already gone (as a retried DELETE
        whose first attempt went through finds it)."""
        await self.http.request("DELETE", f"/incidents/{_segment(current.remote_id)}")

    # Mapping -----------------------------------------------------------------------------

    def to_incident(self, row: dict[str, Any]) -> Incident:
        """Map one incident JSON object to the common model."""
        remote_id = _row_id(row)
        if remote_id is None:
            raise BadResponse("incident without an id")
        state = str(row.get("state") or "")
        status = STATES.get(state)
        if status is None:
            warn_once(f"{self.name}: unknown Revily state {state!r}, shown as triggered")
            status = Status.TRIGGERED
        triggered = parse_time(row.get("triggered_at"))
        acknowledged = parse_time(row.get("acknowledged_at"))
        resolved = parse_time(row.get("resolved_at"))
        created = parse_time(row.get("created_at")) or triggered
        stamps = [t for t in (created, triggered, acknowledged, resolved) if t is not None]
        links = _links(row.get("_links"))
        assignee = _last_segment(links.get("current_user")) or _str(row.get("current_user_id"))
        details = row.get("details")
        extra: dict[str, Any] = {
            "service": _str(row.get("service_id")),
            "escalation policy rule": links.get("current_policy_rule"),
            "key": _str(row.get("key")),
            "links": links,
        }
        if row.get("escalation_loop_count") is not None:
            extra["escalation loops"] = row.get("escalation_loop_count")
        return Incident(
            remote=self.name,
            kind=self.kind,
            remote_id=remote_id,
            title=_str(row.get("message")) or "",
            status=status,
            status_raw=state,
            created_at=min(stamps) if stamps else system_clock(),
            ref=_str(row.get("key")),
            container=_str(row.get("service_id")),
            description=_str(row.get("description")),
            severity=None,
            occurred_at=triggered,
            updated_at=max(stamps) if stamps else None,
            acknowledged_at=acknowledged,
            resolved_at=resolved,
            assignees=[assignee] if assignee else [],
            custom_fields=dict(details) if isinstance(details, dict) else {},
            extra={k: v for k, v in extra.items() if v is not None and v != {}},
            version=_version(row),
            raw=row,
            comments=[],
            attachments=[],
        )

    # Helpers -----------------------------------------------------------------------------

    async def _transition(self, current: Incident, event: str, target: Status) -> Incident | None:
        path = f"/incidents/{_segment(current.remote_id)}/{event}"
        try:
            await self.http.request("PUT", path)
        except Refused as error:
            if error.status != 422:
                raise
            # Already there (a retried PUT, or someone else was first) is what we wanted.
            fresh = await self.get(current.remote_id)
            if _RANK[fresh.status] >= _RANK[target]:
                return fresh
            raise Refused(
                f"Revily refused to {event} (state {fresh.status_raw}): {error.message}",
                status=422,
            ) from None
        return None

    async def _service_for(self, draft: Draft) -> str:
        if draft.container:
            return draft.container
        if self._default_service is None:
            listed = await self.services()
            if not listed:
                raise Refused("Revily has no service to create the incident in")
            self._default_service = listed[0]["id"]
        return self._default_service

    async def _listing(
        self, path: str
    ) -> AsyncIterator[tuple[list[dict[str, Any]], bool, bool]]:
        """Yield ``(rows, is_last, consistent)`` for each page of a list endpoint."""
        url: str = f"{path}?page=1"
        seen_urls: set[str] = set()
        seen_ids: set[str] = set()
        unnamed = 0  # rows without an id count in Total all the same
        totals: set[str] = set()
        for _ in range(MAX_PAGES):
            seen_urls.add(url)
            # An answer that is no array (an empty 200 from a proxy) is sent for again: read
            # as an empty page it would end the listing.
            response, body = await self._get_with_response(url, a_list)
            rows = [row for row in body if isinstance(row, dict)]
            ids = [_row_id(row) for row in rows]
            seen_ids.update(row_id for row_id in ids if row_id is not None)
            unnamed += ids.count(None)
            if response.headers.get("Total") is not None:
                totals.add(response.headers["Total"])
            following = response.links.get("next", {}).get("url")
            if following and following in seen_urls:
                raise BadResponse(f"GET {path}: pagination loops back to {following}")
            if following and not self._same_origin(following):
                # Following it would hand our token to another host.
                raise BadResponse(f"GET {path}: next page is on another server")
            consistent = len(totals) <= 1 and (
                not totals or str(len(seen_ids) + unnamed) == next(iter(totals))
            )
            yield rows, not following, consistent
            if not following:
                return
            url = following
        raise BadResponse(f"GET {path}: more than {MAX_PAGES} pages")

    def _same_origin(self, url: str) -> bool:
        target = httpx.URL(url)
        if target.is_relative_url:
            return True
        base = self.http.client.base_url
        return (target.scheme, target.host, target.port) == (base.scheme, base.host, base.port)

    async def _get_json(self, path: str, expect: Shape) -> Any:
        return (await self._get_with_response(path, expect))[1]

    async def _get_with_response(self, path: str, expect: Shape) -> tuple[httpx.Response, Any]:
        """GET and parse; a garbled body (a flaky link), or one not of the ``expect`` shape,
        is fetched again like a 5xx would be."""
        return await self.http.until_parsed(
            lambda: self.http.request("GET", path), expect=expect
        )


def _an_incident(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: an incident object, with its id."""
    return None if isinstance(body, dict) and body.get("id") else "not an incident"


def _segment(value: str) -> str:
    """A path segment, escaped so an odd id can never walk to another endpoint."""
    return quote(str(value), safe="")


def _row_id(row: Any) -> str | None:
    """An incident row's ``id`` as text (Rails sends a number, some servers a string);
    ``None`` when it has none that could name it."""
    value = row.get("id") if isinstance(row, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | str) or value == "":
        return None
    return str(value)


def _str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return str(value)


def _links(value: Any) -> dict[str, str]:
    """HAL ``_links`` flattened to ``rel -> href``."""
    if not isinstance(value, dict):
        return {}
    found: dict[str, str] = {}
    for rel, link in value.items():
        if isinstance(link, dict) and isinstance(link.get("href"), str):
            found[str(rel)] = link["href"]
    return found


def _last_segment(href: str | None) -> str | None:
    if not href:
        return None
    return href.rstrip("/").rsplit("/", 1)[-1] or None


def _version(row: dict[str, Any]) -> str:
    """A content hash of the whole incident object: Revily has no version of its own, and an
    escalation changes only who is paged (``_links``), which the cache must not miss."""
    text = jsontext.dumps(row, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:16]
