"""Connector for the AGIL Ops Hub IMS module (``/v1/incident``; contracts/aoh-ims.md).

The API has no change feed, so every pull is a full listing (:mod:`.aoh_ims_listing`). Writes
are full-object PUTs guarded by ``occ_lock``: a stale lock answers 409 (or a lock-related 400),
which surfaces as :class:`Conflict` for the sync engine to merge; the connector never retries it
blindly (:mod:`.aoh_ims_conflicts`). Rows map to the common model in :mod:`.aoh_ims_mapping`.

Auth is ``Authorization: Bearer``: a static token, or a Keycloak access token (:mod:`.oidc`,
client_credentials or password grant) renewed before it expires and once more after a 401.

Idempotent create: the API has no field for a client key, so :meth:`AohImsConnector.find_created`
recognises an interrupted create by content instead: an incident created since the attempt
started, with the same ``name`` and our ``reported_by``, and ``created_by`` the caller (one of
the token's identity claims, or what the server stamped on our earlier writes; unchecked when
neither is known).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import logging
from collections.abc import AsyncGenerator, Callable, Collection
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from incident_tui.clock import Clock, system_clock
from incident_tui.config_remotes import AohImsRemote, RemoteBase
from incident_tui.domain import jsontext
from incident_tui.domain.capabilities import KIND_CAPABILITIES
from incident_tui.domain.mapping import format_time, parse_time
from incident_tui.domain.model import Comment, Draft, Incident, Severity, Status
from incident_tui.remote.aoh_ims_conflicts import classify_conflict, holds_our_write, lock_of
from incident_tui.remote.aoh_ims_listing import all_rows
from incident_tui.remote.aoh_ims_mapping import NO_DESCRIPTION, ImsMapping, to_comment
from incident_tui.remote.base import Connector, Page, in_pages
from incident_tui.remote.errors import BadResponse, Conflict, NotFound, Refused, RemoteError
from incident_tui.remote.http import Http, Sleep
from incident_tui.remote.oidc import OidcSession, bearer

log = logging.getLogger(__name__)

EDITABLE: dict[str, Any] = {
    **dict.fromkeys(("name", "status", "type", "date", "description", "reported_by"), ""),
    **{"location": "", "severity": "", "next_update": 0, "resolved_date": None, "backdated": False},
}
"""The full-PUT field set with the value sent when the current row lacks a field."""
CREATE_CLOCK_SLACK = timedelta(seconds=60)
"""How far the server clock may lag ours when :meth:`find_created` compares ``created_at``."""


def _unwrap(body: Any) -> Any:
    """The payload of a ``{data, message, sent_at}`` envelope, or a bare body as it is."""
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


def _listing_shape(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: a listing answer, its incidents in a
    list, bare or as ``{incidents, total}``, in the envelope or without."""
    payload = _unwrap(body)
    if isinstance(payload, list) or (
        isinstance(payload, dict) and isinstance(payload.get("incidents"), list)
    ):
        return None
    return "no incident list in the answer"


def _an_incident(body: Any) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: an incident object with its ``id``, in
    the envelope or without."""
    payload = _unwrap(body)
    if isinstance(payload, dict) and payload.get("id") is not None:
        return None
    return "no incident in the answer"


def _token_identities(token: str | None) -> set[str]:
    """Who a JWT access token says we are (``name``, ``preferred_username``, ``sub``,
    ``email``), read without verification: only used to recognise our own incidents.
    Empty for an opaque token."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return set()
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = jsontext.loads(base64.urlsafe_b64decode(padded))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return set()
    if not isinstance(claims, dict):
        return set()
    keys = ("name", "preferred_username", "sub", "email")
    return {claims[k] for k in keys if isinstance(claims.get(k), str) and claims[k]}


class AohImsConnector(Connector):
    """A client for one AOH IMS deployment (one tenant: the token's)."""

    kind = "aoh_ims"
    capabilities = KIND_CAPABILITIES["aoh_ims"]

    def __init__(
        self,
        config: RemoteBase,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
        clock: Clock = system_clock,
    ) -> None:
        """``clock`` decides when a Keycloak access token is due for renewal, and stamps the
        ``date`` of a created incident and the ``resolved_date`` of a resolve."""
        super().__init__(config, transport=transport, sleep=sleep)
        assert isinstance(config, AohImsRemote)
        self.cfg = config
        self._clock = clock
        # The static token goes into every request as a default header; without one the
        # request still goes out, so an unreachable server reads as offline, not as "no token".
        token = None if config.token_url else config.secret()
        headers = {"Accept": "application/json"}
        if token:
            headers.update(bearer(token))
        self.http = Http(
            config.base_url, timeout=config.timeout, verify=config.verify_tls,
            transport=transport, sleep=sleep, headers=headers, classify=self._classify,
            max_rate=config.max_rate, also_to=[config.token_url] if config.token_url else [],
        )
        self.identities = _token_identities(token)
        """Values the server may stamp as our ``created_by`` (token claims, then what it
        stamped on our own writes); empty when unknown."""
        self._comments_tried = asyncio.Lock()
        """Held while the first comment listing tells whether there is one: full records
        read side by side would each ask, where one answer is enough."""
        self._comments_answered = False
        self.oidc = (
            OidcSession(
                self.http, config, system="AOH IMS", clock=clock, on_token=self._learn_token
            )
            if config.token_url
            else None
        )
        """The Keycloak sign-in when ``token_url`` is configured, else ``None`` (static token)."""
        self.mapping = ImsMapping(config, kind=self.kind)
        self._get_route_works = False
        self._get_route_missing = False
        self._listed_id: str | None = None
        """An incident the last listing had: asked for to tell a missing get-one route from
        a missing incident (see :meth:`_get_row`)."""

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    # Auth and requests --------------------------------------------------------------------

    def _classify(self, response: httpx.Response, reason: str) -> RemoteError | None:
        """Token endpoint refusals first (a Keycloak 400 is a sign-in failure, not a
        conflict), then the API's own lock conflicts."""
        refused = self.oidc.classify(response, reason) if self.oidc else None
        return refused or classify_conflict(response, reason)

    def _learn_token(self, token: str) -> None:
        # A renewed token names the same caller; claims only ever add identities.
        self.identities |= _token_identities(token)

    def _learn_caller(self, row: dict[str, Any], key: str) -> None:
        if isinstance(row.get(key), str) and row[key]:
            self.identities.add(row[key])

    async def _json(self, method: str, path: str, **kwargs: Any) -> Any:
        """An API call's parsed JSON body, with the Keycloak token when signing in."""
        if self.oidc is None:
            return await self.http.json(method, path, **kwargs)

        async def attempt(headers: dict[str, str]) -> Any:
            return await self.http.json(method, path, headers=headers, **kwargs)

        return await self.oidc.authorized(attempt)

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """An API call's response, with the Keycloak token when signing in."""
        if self.oidc is None:
            return await self.http.request(method, path, **kwargs)

        async def attempt(headers: dict[str, str]) -> httpx.Response:
            return await self.http.request(method, path, headers=headers, **kwargs)

        return await self.oidc.authorized(attempt)

    # Reading -------------------------------------------------------------------------------

    async def _listing(self, params: dict[str, int] | None) -> Any:
        raw = await self._json("GET", "/v1/incident", params=params, expect=_listing_shape)
        return _unwrap(raw)

    def _all_rows(
        self, unkeyed: Callable[[], None] = lambda: None
    ) -> AsyncGenerator[tuple[list[dict[str, Any]], bool], None]:
        """Every row once, as ``(new rows, complete)`` batches (see :func:`all_rows`)."""
        return all_rows(self._listing, self.name, unkeyed)

    async def pull(
        self, cursor: str | None, *, full: bool = False
    ) -> AsyncGenerator[Page, None]:
        """Always the full listing (no change feed); rows lack comments, hence ``partial``.

        A listing that needed page requests after the first answer may have skipped a row
        even when it counted as many as the total (a deletion on a page already read and a
        creation meanwhile), so the engine asks for each cached incident it missed before
        taking it for deleted. So it does after a listing that left out a row without an id,
        which may be a cached incident's."""
        answers, dropped = 0, False

        def unkeyed() -> None:
            nonlocal dropped
            dropped = True

        async for rows, complete in self._all_rows(unkeyed):
            answers += 1
            self.listing_may_skip = answers > 1 or dropped
            if rows and self._listed_id is None:
                self._listed_id = str(rows[0]["id"])
            for chunk, last in in_pages(rows, last=complete):
                incidents = [self.mapping.to_incident(r) for r in chunk]
                yield Page(incidents, complete=last, partial=True)

    async def _get_row(self, remote_id: str) -> dict[str, Any]:
        """The incident object: ``GET /v1/incident/{id}``, falling back to the listing when
        that (undocumented) route turns out not to exist."""
        if not self._get_route_missing:
            try:
                row = _unwrap(
                    await self._json("GET", self._path(remote_id), expect=_an_incident)
                )
            except NotFound:
                if self._get_route_works or await self._route_answers(remote_id):
                    raise
            except Refused as error:
                if error.status != 405:
                    raise
            else:
                if not isinstance(row, dict) or row.get("id") is None:
                    raise BadResponse(f"GET incident {remote_id}: no incident in the answer")
                if str(row["id"]) != remote_id:
                    # Taken as it is, it would be stored as a new incident under that id.
                    raise BadResponse(
                        f"GET incident {remote_id}: the answer is incident {str(row['id'])!r:.80}"
                    )
                self._get_route_works = True
                return row
        async with aclosing(self._all_rows()) as batches:
            async for rows, _ in batches:
                for row in rows:
                    if str(row["id"]) == remote_id:
                        if not self._get_route_missing:
                            log.info("%s: no get-one route; reading from the list", self.name)
                        self._get_route_missing = True
                        return row
        raise NotFound(f"incident {remote_id} not found", status=404)

    async def comments(self, remote_id: str) -> list[Comment] | None:
        """The incident's comments; ``None`` when the server has no comment listing.

        The listing is inferred (contract 5.6): a server may answer 404 or 405 to it. Its
        comments are then unknown, not none: an empty list would delete the cached ones
        (our own, sent from here) and hide a comment an interrupted send already made.
        """
        if not self.lists_comments:
            return None
        if self._comments_answered:
            return await self._comments(remote_id)
        async with self._comments_tried:
            if not self.lists_comments:
                return None
            listed = await self._comments(remote_id)
            self._comments_answered = listed is not None
            return listed

    async def _comments(self, remote_id: str) -> list[Comment] | None:
        try:
            body = _unwrap(await self._json("GET", self._path(remote_id, "comments")))
        except (NotFound, Refused) as error:
            if isinstance(error, Refused) and error.status != 405:
                raise
            log.info("%s: no comment listing (%s); comments are not read", self.name, error)
            self.lists_comments = False
            return None
        rows = body if isinstance(body, list) else []
        return [to_comment(r) for r in rows if isinstance(r, dict)]

    async def _route_answers(self, missing: str) -> bool:
        """After a 404 for ``missing`` from the get-one route, not yet seen to work: whether
        it answers for an incident the last listing had. Then that 404 means the incident
        is gone, without walking the whole listing to look for it (once per incident the
        engine asks for: a pass after many remote deletions walked it as many times)."""
        known = self._listed_id
        if known is None or known == missing:
            return False
        try:
            row = _unwrap(await self._json("GET", self._path(known)))
        except NotFound:
            return False  # no such route, or that one went too: the listing tells
        except Refused as error:
            if error.status != 405:
                raise
            return False
        self._get_route_works = isinstance(row, dict) and str(row.get("id")) == known
        return self._get_route_works

    async def get(self, remote_id: str) -> Incident:
        """The incident with its comments."""
        row = await self._get_row(remote_id)
        return self.mapping.to_incident(row, await self.comments(remote_id))

    # Writing -------------------------------------------------------------------------------

    @staticmethod
    def _path(remote_id: str, *rest: str) -> str:
        return "/".join(("/v1/incident", quote(remote_id, safe=""), *rest))

    async def _put(self, current: Incident, updates: dict[str, Any]) -> Incident | None:
        """Full PUT of the editable set from ``current.raw`` with ``updates`` and the lock."""
        body = {key: current.raw.get(key, default) for key, default in EDITABLE.items()}
        body.update(updates)
        if not body["description"]:
            body["description"] = NO_DESCRIPTION
        body["occ_lock"] = lock_of(current)
        try:
            answer = _unwrap(await self._json("PUT", self._path(current.remote_id), json=body))
        except Conflict:
            fresh = await self._already_applied(current.remote_id, body)
            if fresh is None:
                raise
            return fresh
        if not isinstance(answer, dict) or answer.get("id") is None:
            return None  # the seed's bare edit answer has no id: let the engine re-read
        self._learn_caller(answer, "updated_by")
        return self.mapping.to_incident(answer)

    async def _already_applied(self, remote_id: str, body: dict[str, Any]) -> Incident | None:
        """After a conflict: our PUT may have landed before a lost answer and been retried.
        If the server holds exactly what we sent, one version on, that was our write."""
        try:
            row = await self._get_row(remote_id)
        except RemoteError:
            return None
        return self.mapping.to_incident(row) if holds_our_write(row, body) else None

    def _status_update(self, status: str, made_at: datetime | None = None) -> dict[str, Any]:
        if self.mapping.status(status) is Status.RESOLVED:
            return {"status": status, "resolved_date": format_time(made_at or self._clock())}
        return {"status": status, "resolved_date": None}

    async def acknowledge(self, current: Incident) -> Incident | None:
        """PUT with the configured acknowledge status (default ``OPEN``)."""
        return await self._put(current, self._status_update(self.cfg.ack_status))

    async def resolve(
        self, current: Incident, *, made_at: datetime | None = None
    ) -> Incident | None:
        """PUT with the configured resolve status and ``resolved_date`` when the user
        resolved it (``made_at``: a resolve queued offline is sent later), else now."""
        return await self._put(current, self._status_update(self.cfg.resolve_status, made_at))

    async def reopen(self, current: Incident) -> Incident | None:
        """PUT with the configured reopen status and ``resolved_date`` null."""
        return await self._put(current, self._status_update(self.cfg.reopen_status))

    async def edit(self, current: Incident, changes: dict[str, Any]) -> Incident | None:
        """PUT with a new ``name``, ``description`` and/or ``severity``."""
        updates: dict[str, Any] = {}
        if "title" in changes:
            updates["name"] = changes["title"]
        if "description" in changes:
            updates["description"] = changes["description"] or ""
        if "severity" in changes:
            value = changes["severity"]
            severity = Severity(value) if value else None
            updates["severity"] = self.mapping.severity_code(severity, current.raw.get("severity"))
        return await self._put(current, updates)

    async def comment(self, current: Incident, body: str) -> Comment:
        """POST ``{"text"}``; the server fills the author from the token."""
        path = self._path(current.remote_id, "comments")
        answer = _unwrap(await self._json("POST", path, json={"text": body}))
        if not isinstance(answer, dict) or answer.get("id") is None:
            raise BadResponse("add comment: no comment in the answer")
        return to_comment(answer)

    async def delete_comment(self, current: Incident, comment_id: str) -> None:
        """DELETE ``.../comments/{commentId}``; :class:`NotFound` when already gone."""
        await self._request(
            "DELETE", self._path(current.remote_id, "comments", quote(comment_id, safe=""))
        )

    async def delete(self, current: Incident) -> None:
        """DELETE the incident; :class:`NotFound` when already gone (as a retried DELETE
        whose first attempt went through finds it)."""
        await self._request("DELETE", self._path(current.remote_id))

    async def create(self, draft: Draft, key: str) -> Incident:
        """POST a new incident (status NEW by default); ``key`` has no place on this API, see
        :meth:`find_created`."""
        body = {
            **EDITABLE,
            "name": draft.title,
            "status": self.cfg.reopen_status,
            "type": self.cfg.default_type,
            # When the user made it: one made offline is sent later.
            "date": format_time(draft.made_at or self._clock()),
            "description": draft.description or NO_DESCRIPTION,
            "reported_by": self.cfg.reported_by,
            "severity": self.mapping.severity_code(draft.severity),
        }
        answer = _unwrap(await self._json("POST", "/v1/incident", json=body))
        if not isinstance(answer, dict) or answer.get("id") is None:
            raise BadResponse("create: no incident in the answer")
        self._learn_caller(answer, "created_by")
        return self.mapping.to_incident(answer, [])

    async def find_created(
        self, draft: Draft, key: str, since: datetime, *, taken: Collection[str] = ()
    ) -> Incident | None:
        """The incident an interrupted create made: created since ``since`` (less a minute of
        clock skew) with our title and ``reported_by``, by the caller when known, and not
        ``taken`` by another create from here; the oldest such one. Two identical drafts
        within that window cannot otherwise be told apart."""
        earliest = since - CREATE_CLOCK_SLACK
        found: list[tuple[datetime, dict[str, Any]]] = []
        async for rows, _ in self._all_rows():
            for row in rows:
                created = parse_time(row.get("created_at"))
                if (
                    created is not None
                    and created >= earliest
                    and row.get("name") == draft.title
                    and row.get("reported_by") == self.cfg.reported_by
                    and str(row.get("id")) not in taken
                    and (not self.identities or row.get("created_by") in self.identities)
                ):
                    found.append((created, row))
        if not found:
            return None
        found.sort(key=lambda item: item[0])
        return self.mapping.to_incident(found[0][1])

    # Custom attributes (for the UI) --------------------------------------------------------

    async def attribute_definitions(self) -> list[dict[str, Any]]:
        """The deployment's attribute metadata: ``[{"name", "type"}]``."""
        body = _unwrap(await self._json("GET", "/v1/incident/attributes"))
        if not isinstance(body, list):
            raise BadResponse("GET /v1/incident/attributes: no list in the answer")
        return [
            {"name": str(item["name"]), "type": str(item.get("type") or "STRING")}
            for item in body
            if isinstance(item, dict) and item.get("name")
        ]

    async def set_attribute(
        self, current: Incident, name: str, value: Any, *, create: bool
    ) -> Incident | None:
        """Initialise (``create=True``, POST: the remote has no value) or edit (PUT: it has
        one) one attribute value, sent as a native JSON value; returns the incident re-read,
        since the lock may have moved. A server refusing the method that does not fit the
        value as it is now answers 409, a :class:`Conflict`: read again and choose anew."""
        method = "POST" if create else "PUT"
        # Setting the same value twice is harmless, so even the POST may be retried: if the
        # first landed, the retry's 409 sends the sync to read again, and it finds ours.
        await self._request(
            method,
            self._path(current.remote_id, "attributes"),
            json={"name": name, "value": value},
            idempotent=True,
        )
        return await self.get(current.remote_id)
