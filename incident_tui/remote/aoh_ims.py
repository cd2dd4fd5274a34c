"""Connector for the AGIL Ops Hub IMS module (``/v1/incident``; contracts/aoh-ims.md).

The API has no change feed, so every pull is a full listing. Writes are full-object PUTs
guarded by ``occ_lock``: a stale lock answers 409 (or a lock-related 400), which surfaces as
:class:`Conflict` for the sync engine to merge; the connector never retries it blindly.

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
import json
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import aclosing
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote

import httpx

from incident_tui.config import AohImsRemote, RemoteBase
from incident_tui.domain.capabilities import KIND_CAPABILITIES
from incident_tui.domain.mapping import format_time, parse_time, status_from_code
from incident_tui.domain.model import Comment, Draft, Incident, Severity, Status
from incident_tui.remote.base import Connector, Page, in_pages
from incident_tui.remote.errors import BadResponse, Conflict, NotFound, Refused, RemoteError
from incident_tui.remote.http import Http, Sleep, utc_now
from incident_tui.remote.oidc import OidcSession, bearer

log = logging.getLogger(__name__)

STATUS_CODES: dict[str, Status] = {
    "NEW": Status.TRIGGERED,
    **dict.fromkeys(("OPEN", "IN_PROGRESS", "INVESTIGATING", "ACKNOWLEDGED"), Status.ACKNOWLEDGED),
    **dict.fromkeys(("RESOLVED", "CLOSED"), Status.RESOLVED),
}
SEVERITY_CODES: dict[str, Severity] = {
    "CRITICAL": Severity.CRITICAL,
    **dict.fromkeys(("HIGH", "MAJOR"), Severity.MAJOR),
    **dict.fromkeys(("MEDIUM", "MINOR", "LOW"), Severity.MINOR),
}
SEVERITY_WRITE = {Severity.CRITICAL: "CRITICAL", Severity.MAJOR: "MAJOR", Severity.MINOR: "MINOR"}
"""The code written for a common severity when ``severity_map`` names none."""
EDITABLE: dict[str, Any] = {
    **dict.fromkeys(("name", "status", "type", "date", "description", "reported_by"), ""),
    **{"location": "", "severity": "", "next_update": 0, "resolved_date": None, "backdated": False},
}
"""The full-PUT field set with the value sent when the current row lacks a field."""
NO_DESCRIPTION = "(no description)"
"""Sent when a description is empty: the API requires a non-empty one."""
PAGE_SIZE = 100
CREATE_CLOCK_SLACK = timedelta(seconds=60)
"""How far the server clock may lag ours when :meth:`find_created` compares ``created_at``."""
_LOCK_WORDS = re.compile(
    r"\b(occ_?lock|occ|lock(ed|ing)?|version|conflict(s|ing)?)\b", re.IGNORECASE
)


def _code(value: object) -> str:
    """A code-table value normalised: upper case, spaces and dashes as underscores."""
    return str(value or "").strip().upper().replace(" ", "_").replace("-", "_")


def _unwrap(body: Any) -> Any:
    """The payload of a ``{data, message, sent_at}`` envelope, or a bare body as it is."""
    if isinstance(body, dict) and "data" in body:
        return body["data"]
    return body


def _classify(response: httpx.Response, reason: str) -> RemoteError | None:
    """409, and a 400 about the lock, are conflicts (contract section 5.4). The lock may be
    named in any of the error body's messages, not only those ``reason`` is made of (the
    top-level ``message`` is left out of it when ``errors`` has entries)."""
    status = response.status_code
    about_lock = status == 400 and _LOCK_WORDS.search(f"{reason} {_top_message(response)}")
    if status == 409 or about_lock:
        return Conflict(f"HTTP {status}: {reason}", status=status)
    return None


def _top_message(response: httpx.Response) -> str:
    """The error body's ``errorMessage`` and ``message``, if it has them."""
    try:
        body = response.json()
    except ValueError:
        return ""
    if not isinstance(body, dict):
        return ""
    return " ".join(str(body[k]) for k in ("errorMessage", "message") if body.get(k))


def _token_identities(token: str | None) -> set[str]:
    """Who a JWT access token says we are (``name``, ``preferred_username``, ``sub``,
    ``email``), read without verification: only used to recognise our own incidents.
    Empty for an opaque token."""
    parts = (token or "").split(".")
    if len(parts) != 3:
        return set()
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
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
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``clock`` decides when a Keycloak access token is due for renewal."""
        super().__init__(config, transport=transport, sleep=sleep)
        assert isinstance(config, AohImsRemote)
        self.cfg = config
        # The static token goes into every request as a default header; without one the
        # request still goes out, so an unreachable server reads as offline, not as "no token".
        token = None if config.token_url else config.secret()
        headers = {"Accept": "application/json"}
        if token:
            headers.update(bearer(token))
        self.http = Http(
            config.base_url, timeout=config.timeout, verify=config.verify_tls,
            transport=transport, sleep=sleep, headers=headers, classify=self._classify,
        )
        self.identities = _token_identities(token)
        """Values the server may stamp as our ``created_by`` (token claims, then what it
        stamped on our own writes); empty when unknown."""
        self.oidc = (
            OidcSession(
                self.http, config, system="AOH IMS", clock=clock, on_token=self._learn_token
            )
            if config.token_url
            else None
        )
        """The Keycloak sign-in when ``token_url`` is configured, else ``None`` (static token)."""
        self._status_map = {_code(k): v for k, v in config.status_map.items()}
        self._severity_map = {_code(k): v for k, v in config.severity_map.items()}
        self._get_route_works = False
        self._get_route_missing = False

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self.http.aclose()

    # Auth and requests --------------------------------------------------------------------

    def _classify(self, response: httpx.Response, reason: str) -> RemoteError | None:
        """Token endpoint refusals first (a Keycloak 400 is a sign-in failure, not a
        conflict), then the API's own lock conflicts."""
        refused = self.oidc.classify(response, reason) if self.oidc else None
        return refused or _classify(response, reason)

    def _learn_token(self, token: str) -> None:
        # A renewed token names the same caller; claims only ever add identities.
        self.identities |= _token_identities(token)

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

    # Mapping -------------------------------------------------------------------------------

    def severity(self, raw: object) -> Severity | None:
        """The common severity of an IMS severity code (``severity_map`` first)."""
        code = _code(raw)
        if code in self._severity_map:
            value = self._severity_map[code]
            return Severity(value) if value else None
        return SEVERITY_CODES.get(code)

    def severity_code(self, severity: Severity | None, current: object = "") -> str:
        """The IMS code to write for a common severity; keeps ``current`` when it already
        means that severity (a deployment may use HIGH where we would write MAJOR)."""
        if severity is None:
            return ""
        if current and self.severity(current) == severity:
            return str(current)
        for code, value in self.cfg.severity_map.items():
            if value == severity.value:
                return code
        return SEVERITY_WRITE[severity]

    def to_incident(self, row: dict[str, Any], comments: list[Comment] | None = None) -> Incident:
        """Map one IMS incident object to the common model."""
        status_raw = str(row.get("status") or "")
        severity_raw = row.get("severity")
        attributes = row.get("attributes")
        if not isinstance(attributes, dict):
            attributes = row.get("attribute")
        created = parse_time(row.get("created_at")) or parse_time(row.get("date"))
        next_update = row.get("next_update")
        return Incident(
            remote=self.name,
            kind=self.kind,
            remote_id=str(row["id"]),
            title=str(row.get("name") or ""),
            status=status_from_code(_code(status_raw), STATUS_CODES, self._status_map),
            status_raw=status_raw,
            created_at=created or utc_now(),
            ref=None,
            container=str(row["tenant_id"]) if row.get("tenant_id") else None,
            description=row.get("description"),
            severity=self.severity(severity_raw),
            severity_raw=str(severity_raw) if severity_raw else None,
            category=str(row["type"]) if row.get("type") else None,
            occurred_at=parse_time(row.get("date")),
            updated_at=parse_time(row.get("updated_at")),
            resolved_at=parse_time(row.get("resolved_date")),
            reporter=row.get("reported_by") or None,
            custom_fields=dict(attributes) if isinstance(attributes, dict) else {},
            extra={
                "type": row.get("type"),
                "location": row.get("location") or None,
                "next_update": format_time(parse_time(next_update)) if next_update else None,
                "backdated": bool(row.get("backdated")),
                "created_by": row.get("created_by"),
                "updated_by": row.get("updated_by"),
            },
            version=str(row["occ_lock"]) if row.get("occ_lock") is not None else None,
            raw=row,
            comments=comments,
            attachments=[],  # the API has no attachments at all
        )

    @staticmethod
    def to_comment(row: dict[str, Any]) -> Comment:
        """Map one IMS comment object."""
        return Comment(
            remote_id=str(row.get("id")),
            body=str(row.get("text") or ""),
            created_at=parse_time(row.get("created_at")),
            author=row.get("name") or row.get("created_by") or None,
        )

    def _learn_caller(self, row: dict[str, Any], key: str) -> None:
        if isinstance(row.get(key), str) and row[key]:
            self.identities.add(row[key])

    # Reading -------------------------------------------------------------------------------

    async def _list(self, params: dict[str, int] | None = None) -> tuple[list[dict[str, Any]], int]:
        body = _unwrap(await self._json("GET", "/v1/incident", params=params))
        total: Any
        if isinstance(body, list):
            rows, total = body, len(body)
        elif isinstance(body, dict) and isinstance(body.get("incidents", []), list | None):
            rows = body.get("incidents") or []
            total = body.get("total")
        else:
            raise BadResponse("GET /v1/incident: no incident list in the answer")
        rows = [r for r in rows if isinstance(r, dict) and r.get("id") is not None]
        if not isinstance(total, int) or isinstance(total, bool):
            total = len(rows)
        return rows, total

    async def _all_rows(self) -> AsyncGenerator[tuple[list[dict[str, Any]], bool], None]:
        """Every row once, as ``(new rows, complete)`` batches; ``complete`` only on the last
        batch and only when as many distinct rows were seen as the largest ``total`` reported
        (a row deleted mid-listing shifts later pages, so a shortfall means rows were missed)."""
        rows, total = await self._list()
        seen = {str(r["id"]) for r in rows}
        most = total
        if len(seen) >= most:
            yield rows, True
            return
        yield rows, False
        page = 1
        while True:
            batch, total = await self._list({"page": page, "size": PAGE_SIZE})
            most = max(most, total)
            fresh = [r for r in batch if str(r["id"]) not in seen]
            seen.update(str(r["id"]) for r in fresh)
            if len(seen) >= most:
                yield fresh, True
                return
            if not batch or (not fresh and page > 1):
                if batch:
                    log.warning(
                        "%s: the server seems to ignore page/size; listed %d of %d incidents",
                        self.name, len(seen), most,
                    )
                yield fresh, False
                return
            yield fresh, False
            page += 1

    async def pull(self, cursor: str | None, *, full: bool = False) -> AsyncIterator[Page]:
        """Always the full listing (no change feed); rows lack comments, hence ``partial``."""
        async for rows, complete in self._all_rows():
            for chunk, last in in_pages(rows, last=complete):
                yield Page([self.to_incident(r) for r in chunk], complete=last, partial=True)

    async def _get_row(self, remote_id: str) -> dict[str, Any]:
        """The incident object: ``GET /v1/incident/{id}``, falling back to the listing when
        that (undocumented) route turns out not to exist."""
        if not self._get_route_missing:
            try:
                row = _unwrap(await self._json("GET", self._path(remote_id)))
            except NotFound:
                if self._get_route_works:
                    raise
            except Refused as error:
                if error.status != 405:
                    raise
            else:
                if not isinstance(row, dict) or row.get("id") is None:
                    raise BadResponse(f"GET incident {remote_id}: no incident in the answer")
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

    async def comments(self, remote_id: str) -> list[Comment]:
        """The incident's comments (empty when the server has no comment listing)."""
        try:
            body = _unwrap(await self._json("GET", self._path(remote_id, "comments")))
        except (NotFound, Refused) as error:
            if isinstance(error, Refused) and error.status != 405:
                raise
            return []
        rows = body if isinstance(body, list) else []
        return [self.to_comment(r) for r in rows if isinstance(r, dict)]

    async def get(self, remote_id: str) -> Incident:
        """The incident with its comments."""
        row = await self._get_row(remote_id)
        return self.to_incident(row, await self.comments(remote_id))

    # Writing -------------------------------------------------------------------------------

    @staticmethod
    def _path(remote_id: str, *rest: str) -> str:
        return "/".join(("/v1/incident", quote(remote_id, safe=""), *rest))

    def _lock(self, current: Incident) -> int:
        if current.version and current.version.lstrip("-").isdigit():
            return int(current.version)
        lock = current.raw.get("occ_lock")
        return lock if isinstance(lock, int) else 0

    async def _put(self, current: Incident, updates: dict[str, Any]) -> Incident | None:
        """Full PUT of the editable set from ``current.raw`` with ``updates`` and the lock."""
        body = {key: current.raw.get(key, default) for key, default in EDITABLE.items()}
        body.update(updates)
        if not body["description"]:
            body["description"] = NO_DESCRIPTION
        body["occ_lock"] = self._lock(current)
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
        return self.to_incident(answer)

    async def _already_applied(self, remote_id: str, body: dict[str, Any]) -> Incident | None:
        """After a conflict: our PUT may have landed before a lost answer and been retried.
        If the server holds exactly what we sent, one version on, that was our write."""
        try:
            row = await self._get_row(remote_id)
        except RemoteError:
            return None
        if row.get("occ_lock") != body["occ_lock"] + 1:
            return None
        for key, sent in body.items():
            have = row.get(key)
            if key in ("date", "resolved_date"):
                have, sent = parse_time(have), parse_time(sent)  # the server may reformat
            if key != "occ_lock" and have != sent:
                return None
        return self.to_incident(row)

    def _status_update(self, status: str) -> dict[str, Any]:
        resolved = status_from_code(_code(status), STATUS_CODES, self._status_map)
        if resolved is Status.RESOLVED:
            return {"status": status, "resolved_date": format_time(utc_now())}
        return {"status": status, "resolved_date": None}

    async def acknowledge(self, current: Incident) -> Incident | None:
        """PUT with the configured acknowledge status (default ``OPEN``)."""
        return await self._put(current, self._status_update(self.cfg.ack_status))

    async def resolve(self, current: Incident) -> Incident | None:
        """PUT with the configured resolve status and ``resolved_date`` now."""
        return await self._put(current, self._status_update(self.cfg.resolve_status))

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
            updates["severity"] = self.severity_code(severity, current.raw.get("severity"))
        return await self._put(current, updates)

    async def comment(self, current: Incident, body: str) -> Comment:
        """POST ``{"text"}``; the server fills the author from the token."""
        path = self._path(current.remote_id, "comments")
        answer = _unwrap(await self._json("POST", path, json={"text": body}))
        if not isinstance(answer, dict) or answer.get("id") is None:
            raise BadResponse("add comment: no comment in the answer")
        return self.to_comment(answer)

    async def delete_comment(self, current: Incident, comment_id: str) -> None:
        """DELETE ``.../comments/{commentId}``; already gone counts as done."""
        path = self._path(current.remote_id, "comments", quote(comment_id, safe=""))
        try:
            await self._request("DELETE", path)
        except NotFound:
            log.info("%s: comment %s was already gone", self.name, comment_id)

    async def delete(self, current: Incident) -> None:
        """DELETE the incident; already gone counts as done (a retried DELETE sees 404)."""
        try:
            await self._request("DELETE", self._path(current.remote_id))
        except NotFound:
            log.info("%s: incident %s was already gone", self.name, current.remote_id)

    async def create(self, draft: Draft, key: str) -> Incident:
        """POST a new incident (status NEW by default); ``key`` has no place on this API, see
        :meth:`find_created`."""
        body = {
            **EDITABLE,
            "name": draft.title,
            "status": self.cfg.reopen_status,
            "type": self.cfg.default_type,
            "date": format_time(utc_now()),
            "description": draft.description or NO_DESCRIPTION,
            "reported_by": self.cfg.reported_by,
            "severity": self.severity_code(draft.severity),
        }
        answer = _unwrap(await self._json("POST", "/v1/incident", json=body))
        if not isinstance(answer, dict) or answer.get("id") is None:
            raise BadResponse("create: no incident in the answer")
        self._learn_caller(answer, "created_by")
        return self.to_incident(answer, [])

    async def find_created(self, draft: Draft, key: str, since: datetime) -> Incident | None:
        """The incident an interrupted create made: created since ``since`` (less a minute of
        clock skew) with our title and ``reported_by``, by the caller when known; the oldest
        such one. Two identical drafts within that window cannot be told apart."""
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
                    and (not self.identities or row.get("created_by") in self.identities)
                ):
                    found.append((created, row))
        if not found:
            return None
        found.sort(key=lambda item: item[0])
        return self.to_incident(found[0][1])

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
        """Initialise (``create=True``, POST) or edit (PUT) one attribute value, sent as a
        native JSON value; returns the incident re-read, since the lock may have moved."""
        method = "POST" if create else "PUT"
        # Setting the same value twice is harmless, so even the POST may be retried.
        await self._request(
            method,
            self._path(current.remote_id, "attributes"),
            json={"name": name, "value": value},
            idempotent=True,
        )
        return await self.get(current.remote_id)
