"""Connector for the 4HSE Incident API v2 (contracts/fourhse.md).

4HSE has no ``updated_at``, no comments and no severity, so every pull is a full listing of
the configured project/office. ``version`` stays empty: the store hashes the payload it keeps
anyway (:func:`~incident_tui.store.upsert.content_version`), one encoding per row. Auth is a
static Bearer token or the OAuth2 password flow against Keycloak (:mod:`.oidc`), refreshed
before expiry and once more after a 401. Creates carry a client-chosen ``office_incident_id``
derived from the idempotency key, which makes them safe to retry and easy to find after a lost
answer.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Callable, Collection
from datetime import datetime
from typing import Any
from urllib.parse import quote

import httpx

from incident_tui.clock import system_clock
from incident_tui.config_remotes import FourhseRemote, RemoteBase
from incident_tui.domain.capabilities import KIND_CAPABILITIES
from incident_tui.domain.mapping import warn_once
from incident_tui.domain.model import Draft, Incident, SummaryGaps
from incident_tui.remote.base import Connector, Page
from incident_tui.remote.errors import (
    AuthFailed,
    BadResponse,
    NotFound,
    Refused,
    RemoteError,
    Unsupported,
)
from incident_tui.remote.fourhse_listing import pages
from incident_tui.remote.fourhse_mapping import (
    CHILDREN,
    child_label,
    create_body,
    created_id,
    incident_from,
    office_refused,
    row_id,
    update_body,
)
from incident_tui.remote.http import Http, Shape, Sleep
from incident_tui.remote.oidc import OidcSession, bearer
from incident_tui.remote.read_ahead import read_ahead

DEFAULT_TOKEN_URL = "https://auth.4hse.com/realms/4hse/protocol/openid-connect/token"
"""The seed's Keycloak token endpoint."""


CHILD_EXTRA = frozenset(
    {f"{child}_count" for child in CHILDREN} | {f"involved_{child}" for child in CHILDREN}
)
"""The keys of ``Incident.extra`` that :meth:`FourhseConnector.get` fills from the
incident's people, resources and actions."""


class FourhseConnector(Connector):
    """4HSE Incident API v2, scoped to the configured project and/or office."""

    kind = "fourhse"
    capabilities = KIND_CAPABILITIES["fourhse"]
    # The involved people, resources and actions come from the child listings (get only).
    summary_gaps = SummaryGaps(extra=CHILD_EXTRA)

    def __init__(
        self,
        config: RemoteBase,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], datetime] = system_clock,
    ) -> None:
        """``clock`` decides token expiry, and the ``date_closed`` (``date_incident``) a
        resolve (create) writes when the change carries no time it was made."""
        if not isinstance(config, FourhseRemote):
            raise TypeError("FourhseConnector needs a fourhse remote config")
        super().__init__(config, transport=transport, sleep=sleep)
        self.cfg = config
        self._clock = clock
        self.token_url = config.token_url or DEFAULT_TOKEN_URL
        # Paths carry the /v2 prefix, and a base URL copied with it would double it.
        base = config.base_url.removesuffix("/v2")
        self.http = Http(
            base, timeout=config.timeout, verify=config.verify_tls, transport=transport,
            sleep=sleep, headers={"Accept": "application/json"}, classify=self._classify,
            max_rate=config.max_rate, also_to=[self.token_url] if config.username else [],
        )
        # Username + password win over a static token: they can be renewed when it expires.
        self.oidc = (
            OidcSession(self.http, config, system="4HSE", token_url=self.token_url, clock=clock)
            if config.username
            else None
        )

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    # Auth --------------------------------------------------------------------------------

    def _classify(self, response: httpx.Response, reason: str) -> RemoteError | None:
        """Keycloak refuses bad credentials with 400/401 ``invalid_grant``: that is AuthFailed."""
        return self.oidc.classify(response, reason) if self.oidc else None

    async def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One API request with a Bearer header (never the query-string token, which leaks
        into logs); after a 401 the OAuth token is renewed and the request sent once more."""
        if self.oidc is None:
            token = self.cfg.secret()
            if not token:
                raise AuthFailed("4HSE: no token or username/password configured")
            return await self.http.request(method, path, headers=bearer(token), **kwargs)

        async def attempt(headers: dict[str, str]) -> httpx.Response:
            return await self.http.request(method, path, headers=headers, **kwargs)

        return await self.oidc.authorized(attempt)

    async def _exchange(
        self, method: str, path: str, *, expect: Shape | None = None, **kwargs: Any
    ) -> tuple[httpx.Response, Any]:
        """Send and parse JSON, repeating on garbage: every call this connector makes is safe
        to repeat (creates carry their own id), and a garbled body is usually a flaky link.
        So is a read's answer not of the ``expect`` shape (an empty 200 from a proxy)."""
        return await self.http.until_parsed(
            lambda: self._send(method, path, **kwargs), expect=expect
        )

    async def _json(
        self, method: str, path: str, *, expect: Shape | None = None, **kwargs: Any
    ) -> Any:
        return (await self._exchange(method, path, expect=expect, **kwargs))[1]

    # Reading -----------------------------------------------------------------------------

    def _scope(self) -> dict[str, str]:
        scope = {"tenant_id": self.cfg.tenant_id, "subtenant_id": self.cfg.subtenant_id}
        return {key: value for key, value in scope.items() if value}

    async def _post_index(self, resource: str, body: dict[str, Any]) -> tuple[httpx.Response, Any]:
        return await self._exchange(
            "POST", f"/v2/{resource}/index", json=body, idempotent=True, expect=_rows_shape
        )

    async def pull(
        self, cursor: str | None, *, full: bool = False
    ) -> AsyncGenerator[Page, None]:
        """Always the full listing of the configured scope (4HSE has no ``updated_at``)."""
        seen: set[str] = set()
        # By the incident's own id, unique: among rows sharing a sort value (a created_at
        # to the second, shared by incidents imported together) a database keeps no fixed
        # order from one page request to the next. The contract documents one sort field.
        listing = pages(
            self._post_index, "incident", self._scope(), "office_incident_id",
            sort="office_incident_id",
        )
        read, dropped = 0, False
        async for rows, last, shifted in read_ahead(listing):
            read += 1
            incidents = []
            for row in rows:
                if row_id(row) is None:
                    # One such row used to fail the whole remote on every pass. Its incident
                    # may be a cached one: each cached incident the listing missed is asked
                    # for before it is taken for deleted.
                    dropped = True
                    warn_once(f"{self.name}: 4HSE listed an incident without an "
                              "office_incident_id; it is left out and the others are synced")
                    continue
                incident = self._map(row)
                if incident.remote_id not in seen:
                    seen.add(incident.remote_id)
                    # A summary: the involved people, resources and actions come with the
                    # full record (get), which the engine fetches for the newest incidents.
                    incident.comments = incident.attachments = None
                    incidents.append(incident)
            # A listing whose total moved, or that brought fewer distinct rows than its total,
            # skipped rows: it is not complete, and the engine takes none of the missing ones
            # for deleted. One over several pages may have skipped a row even when its total
            # stayed (a deletion on a page already read and a creation meanwhile), so the
            # engine asks for each one it missed.
            self.listing_may_skip = read > 1 or dropped
            yield Page(incidents, cursor=None, complete=last and not shifted, partial=True)

    async def still_listed(self, remote_id: str) -> Incident | None:
        """The incident as the listing's row, asked for by its id among the same filters
        as :meth:`pull` (project/office, not historicized): ``view`` answers for any
        incident of the account, in another office or historicized too, which the listing
        leaves out on purpose. One request, without the child listings ``get`` makes."""
        flt = {**self._scope(), "office_incident_id": remote_id}
        _, rows = await self._post_index("incident", {"filter": flt, "per-page": 1, "page": 1})
        if not isinstance(rows, list) or not all(isinstance(row, dict) for row in rows):
            raise BadResponse("4HSE incident/index: expected a JSON array of objects")
        if not rows:
            return None
        answered = str(rows[0].get("office_incident_id"))
        if answered != remote_id:
            # A server ignoring the filter: taking that for "not listed" would remove a
            # living incident.
            raise BadResponse(
                f"4HSE incident/index for {remote_id}: the answer is incident {answered!r:.80}"
            )
        incident = self._map(rows[0])
        incident.comments = incident.attachments = None
        return incident

    async def belongs_in_listing(self, remote_id: str) -> bool:
        """Whether ``view`` still has the incident in the configured project and office.
        Not asked of the filtered listing (:meth:`still_listed`): the listing's own answer
        is the one in doubt. One of another office is out of the synced scope, as after a
        narrowing of it to an office with no incidents."""
        try:
            payload = await self._view(remote_id)
        except NotFound:
            return False
        return all(str(payload.get(key)) == value for key, value in self._scope().items())

    async def _view(self, remote_id: str) -> dict[str, Any]:
        payload = await self._json(
            "GET", f"/v2/incident/view/{quote(remote_id, safe='')}", expect=_an_incident
        )
        if not isinstance(payload, dict) or not payload.get("office_incident_id"):
            raise BadResponse(f"4HSE incident/view {remote_id}: not an incident object")
        answered = str(payload["office_incident_id"])
        if answered != remote_id:
            # Taken as it is, it would be stored as a new incident under that id.
            raise BadResponse(
                f"4HSE incident/view {remote_id}: the answer is incident {answered!r:.80}"
            )
        return payload

    async def get(self, remote_id: str) -> Incident:
        """The incident with its involved people, resources and actions in ``extra``."""
        incident = self._map(await self._view(remote_id))
        kids = await self.children(remote_id)
        for kind, rows in kids.items():
            incident.extra[f"{kind}_count"] = len(rows)
            if rows:
                incident.extra[f"involved_{kind}"] = [child_label(kind, row) for row in rows]
        return incident

    async def children(self, remote_id: str) -> dict[str, list[dict[str, Any]]]:
        """The incident's ``people``, ``resources`` and ``actions`` rows (with their joined
        names). A child resource the server does not have (404) counts as empty, so that
        ``get`` never reports a living incident as gone."""

        async def rows_of(kind: str) -> list[dict[str, Any]]:
            resource, _, key = CHILDREN[kind]
            found: list[dict[str, Any]] = []
            try:
                flt = {"office_incident_id": remote_id}
                async for rows, _, _ in pages(self._post_index, resource, flt, key):
                    found.extend(rows)
            except NotFound:
                return []
            return found

        kinds = list(CHILDREN)
        results = await asyncio.gather(*(rows_of(kind) for kind in kinds))
        return dict(zip(kinds, results, strict=True))

    async def delete_preview(self, remote_id: str) -> dict[str, Any]:
        """What a forced delete would remove besides the incident: ``{"related": {model:
        [ids]}, "names": {model: [labels]}, "total": n}``.

        Built from the three child listings, not from the API's ``force=false`` delete,
        because that call deletes the incident outright when it has no children.
        """
        await self._view(remote_id)
        kids = await self.children(remote_id)
        related: dict[str, list[str]] = {}
        names: dict[str, list[str]] = {}
        for kind, (_, model, key) in CHILDREN.items():
            related[model] = [str(row.get(key)) for row in kids[kind]]
            names[model] = [child_label(kind, row) for row in kids[kind]]
        return {"related": related, "names": names, "total": sum(map(len, related.values()))}

    def _map(self, row: dict[str, Any]) -> Incident:
        """One 4HSE incident payload in the common model."""
        return incident_from(row, remote=self.name, clock=self._clock)

    # Writing -----------------------------------------------------------------------------

    def _day(self, moment: datetime | None) -> str:
        """The day of ``moment`` (``None``: now) as 4HSE dates take it."""
        # The user's calendar day, not UTC's: resolving at 00:30 in Milan closes it today.
        return (moment or self._clock()).astimezone().date().isoformat()

    async def _update(self, current: Incident, changes: dict[str, Any]) -> Incident | None:
        raw = current.raw or await self._view(current.remote_id)
        body = update_body(raw, changes)
        path = f"/v2/incident/update/{quote(current.remote_id, safe='')}"
        payload = await self._json("PUT", path, json=body)
        if not isinstance(payload, dict) or not payload.get("office_incident_id"):
            return None
        # The answer is the incident alone, stored as its full record: it must carry the
        # involved people, resources and actions (only get reads them) or they would be
        # lost. An update changes none of them, so the cached ones still hold; an incident
        # never read in full has none to carry, and the engine reads it (None).
        children = {key: current.extra[key] for key in CHILD_EXTRA if key in current.extra}
        if not all(f"{kind}_count" in children for kind in CHILDREN):
            return None
        fresh = self._map(payload)
        fresh.extra.update(children)
        return fresh

    async def acknowledge(self, current: Incident) -> Incident | None:
        """Status ``open`` with ``date_closed`` cleared: the incident may be closed on the
        server though our copy says otherwise, and an open one keeps no closing date
        (contract 6, as for reopen)."""
        return await self._update(current, {"status": "open", "date_closed": None})

    async def resolve(
        self, current: Incident, *, made_at: datetime | None = None
    ) -> Incident | None:
        """Status ``closed`` with ``date_closed`` the day the user resolved it, ``made_at``
        (kept if it was already closed): a resolve made offline yesterday and sent today
        was made yesterday, and the cache keeps its time within that day."""
        closed = current.raw.get("date_closed") if current.status_raw == "closed" else None
        changes = {"status": "closed", "date_closed": closed or self._day(made_at)}
        return await self._update(current, changes)

    async def reopen(self, current: Incident) -> Incident | None:
        """Status ``open`` with ``date_closed`` cleared (contract 6: reopen goes to ``open``)."""
        return await self._update(current, {"status": "open", "date_closed": None})

    async def edit(self, current: Incident, changes: dict[str, Any]) -> Incident | None:
        """Title -> ``name``, description -> ``description_event``; 4HSE has no severity."""
        fields = {"title": "name", "description": "description_event"}
        body = {fields[key]: value for key, value in changes.items() if key in fields}
        if not body:
            raise Unsupported("4HSE incidents have no severity")
        return await self._update(current, body)

    async def _placement(self, draft: Draft) -> tuple[str, str]:
        """(tenant_id, subtenant_id) for a new incident: the draft's office or the configured
        one, never a guess (an incident register belongs to one office), and only an office
        the pull lists (see :func:`office_refused`), else the new incident would vanish from
        the cache at the next sync. The project sent is the office's own: the configured
        pair as it is, otherwise the project of an existing incident of the office."""
        refused = office_refused(self.cfg, draft.container)
        if refused:
            raise Refused(refused)
        office = draft.container or self.cfg.subtenant_id or ""
        tenant = self.cfg.tenant_id
        if tenant and self.cfg.subtenant_id:
            return tenant, office
        found = await self._project_of(office)
        if tenant and found and found != tenant:
            # Sent with our project the server would refuse the pair, and created in its own
            # project the incident would be outside what the pull lists.
            raise Refused(
                f"4HSE office {office!r} belongs to project {found!r}, not to project "
                f"{tenant!r} that remote {self.name!r} syncs: create it in an office of "
                f"that project or configure a remote for the other"
            )
        # With only a project configured and no incident yet in the office, the server
        # checks that the office belongs to it (422 otherwise).
        tenant = tenant or found
        if not tenant:
            raise Refused(
                f"4HSE needs the project of office {office!r} to create an incident there: "
                f"set tenant_id for remote {self.name!r}"
            )
        return tenant, office

    async def _project_of(self, office: str) -> str | None:
        """The project (``tenant_id``) of the office's newest incident; ``None`` when the
        office has none (4HSE has no office listing in the contract)."""
        body = {"filter": {"subtenant_id": office}, "per-page": 1, "page": 1,
                "sort": "-created_at"}
        rows = await self._json("POST", "/v2/incident/index", json=body, idempotent=True)
        if isinstance(rows, list) and rows and isinstance(rows[0], dict):
            found = rows[0].get("tenant_id")
            return str(found) if found else None
        return None

    async def create(self, draft: Draft, key: str) -> Incident:
        """Create with ``office_incident_id`` derived from ``key``, dated the day the user made
        the draft (``date_incident``); a retry whose first attempt got through meets a 422
        "already taken" and returns the incident it made."""
        remote_id = created_id(key)
        tenant, office = await self._placement(draft)
        day = self._day(draft.made_at)
        body = create_body(draft, remote_id, tenant=tenant, office=office, day=day)
        try:
            payload = await self._json("POST", "/v2/incident/create", json=body, idempotent=True)
        except Refused as error:
            if error.status != 422:
                raise
            made = await self.find_created(draft, key, self._clock())
            if made is None:
                raise self._placement_refused(error, tenant, office) from None
            return made
        if isinstance(payload, dict) and payload.get("office_incident_id"):
            made = self._map(payload)
            # Just made: no people, resources or actions yet, as get would count them.
            made.extra.update({f"{kind}_count": 0 for kind in CHILDREN})
            return made
        try:
            return await self.get(remote_id)
        except NotFound:
            # A 200 without the incident (a proxy's empty answer) and no incident under
            # the id: the create never took. Sent again, not refused as "not found".
            raise BadResponse(
                f"4HSE answered the create without the incident, and {remote_id} is not "
                "there: it is sent again",
                status=200,  # answered: the next try need not wait for the server to finish
            ) from None

    def _placement_refused(self, error: Refused, tenant: str, office: str) -> Refused:
        """``error`` (a 422 to a create), saying what it likely means when it is about the
        office: with only a project configured, an office without incidents cannot be
        checked before sending, and the server refuses one of another project."""
        if "subtenant_id" not in error.message or self.cfg.subtenant_id:
            return error
        return Refused(
            f"4HSE refused office {office!r} as part of project {tenant!r} that remote "
            f"{self.name!r} syncs ({error.message.rstrip('.')}): create it in an office of "
            f"that project",
            status=error.status,
        )

    async def find_created(
        self, draft: Draft, key: str, since: datetime, *, taken: Collection[str] = ()
    ) -> Incident | None:
        """The incident a create with ``key`` made, found by its derived id."""
        try:
            return await self.get(created_id(key))
        except NotFound:
            return None

    async def delete(self, current: Incident) -> None:
        """Delete with ``force=true`` (children too); :class:`NotFound` when already gone."""
        path = f"/v2/incident/delete/{quote(current.remote_id, safe='')}"
        await self._send("DELETE", path, params={"force": "true"})


def _rows_shape(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: an index answer, an array of objects. An
    empty or ``null`` one read as an empty page would end a listing there."""
    if isinstance(body, list) and all(isinstance(row, dict) for row in body):
        return None
    return "expected a JSON array of objects"


def _an_incident(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: an incident object with its id."""
    if isinstance(body, dict) and body.get("office_incident_id"):
        return None
    return "not an incident object"
