"""Kitehouse attachments through the API (contracts/kitehouse.md, attachments): the presigned
three-step upload (presign, PUT the bytes to storage, register) and the download URL lookup.

The API calls carry our token; the byte transfers go through the token-free storage client of
:mod:`incident_tui.remote.kitehouse_storage`.
"""

from __future__ import annotations

import asyncio
import mimetypes
import re
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path

import httpx

from incident_tui.domain.media_types import media_type_refusal
from incident_tui.domain.model import Attachment
from incident_tui.domain.text import counted
from incident_tui.remote.errors import Refused, Unsendable
from incident_tui.remote.http import Http
from incident_tui.remote.kitehouse_storage import put_file, storage_at

STORES = 3
"""Most times one upload sends a file's bytes to storage that the remote then refuses to
register, not having them (a proxy in front of the storage answering 200 without storing):
each refusal is looked up first, so the file is never registered twice."""
NOT_UPLOADED = re.compile(r"\bnot\b.*\buploaded\b", re.IGNORECASE)
"""How the remote refuses to register an object its storage does not hold ("Attachment has
not been uploaded"): the one refusal the bytes sent again can answer. Another (its schema's
400 for a name or a description it will not take) says nothing of the storage."""


async def upload(http: Http, storage: httpx.AsyncClient, base: str, path: Path,
                 content_type: str | None, description: str | None,
                 listed: Callable[[], Awaitable[list[Attachment]]]) -> Attachment:
    """Presign at ``base`` (an incident's ``/attachments``), PUT the file's bytes to storage
    (streamed, no token), then register it. ``listed`` reads the incident's attachments as
    the remote has them now: a refused registration is looked up there before it counts."""
    ctype = content_type or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    # Checked before the presign: a type no header can carry (queued before attach checked
    # it) would fail at the storage after the remote was told to expect the file.
    if refusal := media_type_refusal(ctype):
        raise Unsendable(f"{refusal}; discard this change and attach the file again")
    size = (await asyncio.to_thread(path.stat)).st_size
    # An answer without the grant (an empty body or a proxy's {}) is asked again, as a
    # garbled one is: a presign only reserves an object id.
    grant = await http.json("POST", base, idempotent=True, expect=_a_grant,
                            json={"content_type": ctype, "file_name": path.name})

    url = http.client.base_url.join(str(grant["url"]))
    object_id = str(grant["object_id"])
    body = {"object_id": object_id, "content_type": ctype, "file_name": path.name}
    if description:
        body["description"] = description
    stored = 0
    while True:
        stored += 1
        # A storage's busy moment (S3's 503 SlowDown, a 429) or a dropped connection is
        # tried again as an API request is: the same presigned link takes the same bytes.
        await http.read_again(lambda: put_file(storage, url, path, ctype, size,
                                               most=http.most_held, floor=http.speed_floor,
                                               window=http.speed_window))
        try:
            # Sent again on an answer without the attachment (an empty body, {}), as on a
            # lost one: counted as done, a registration that never reached the remote
            # loses the file.
            data = await http.json("PUT", base, json=body, expect=_an_attachment)
        except Refused as refused:
            # The registration is sent again when its answer is lost, and the server
            # refuses the repeat ("Attachment has not been uploaded"): the object is
            # registered already. Only the object id tells ours from another file of the
            # same name.
            made = next((a for a in await listed() if a.remote_id == object_id), None)
            if made is not None:
                return replace(made, size=size)
            if not NOT_UPLOADED.search(refused.message):
                # Sent again, the same bytes would meet the same refusal, and the storage
                # would be blamed for what the remote said of the registration itself.
                raise
            # Not registered: the storage's 200 may not have stored the bytes (a proxy in
            # front of it answering for it), so they go again before the file is refused.
            unstored = Refused(
                f"{refused.message}, though {storage_at(str(url))} answered the file's "
                f"upload as stored ({counted(stored, 'time')}): it, or a proxy in front of "
                "it, may answer without storing", status=refused.status,
            )
            if stored >= STORES:
                raise unstored from None
            await http.wait_to_retry(unstored, stored)
            continue
        return Attachment(str(data.get("object_id") or object_id),
                          str(data.get("name") or path.name), data.get("file_type") or ctype,
                          data.get("raw_url"), size)


REDIRECTS = (301, 302, 303, 307, 308)
"""The statuses a download link may come as, in the ``Location`` header."""


async def download_url(http: Http, path: str, object_id: str) -> str:
    """The (audit-logged) download URL from ``path`` (an incident's ``/attachments/download``):
    ``{"url"}`` JSON or a redirect's ``Location``.

    A 200 without the URL (an empty body, a proxy's HTML or text page, ``{}``) is asked
    again like a garbled read: asking for a link changes nothing but the audit log."""
    response, data = await http.until_parsed(
        lambda: http.request("GET", path, params={"objectId": object_id}, ok=REDIRECTS),
        expect=_a_url,
        unparsed=_redirected,
    )
    if _redirected(response):
        return str(response.url.join(response.headers["Location"]))
    return str(http.client.base_url.join(data["url"]))


def _a_grant(body: object) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: a presign's ``{url, object_id}``."""
    if isinstance(body, dict) and body.get("url") and body.get("object_id"):
        return None
    return "expected {url, object_id}"


def _an_attachment(body: object) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: a registration's answer, an object that
    says something of the attachment."""
    return None if isinstance(body, dict) and body else "expected the attachment"


def _redirected(response: httpx.Response) -> bool:
    """Whether ``response`` sends the download elsewhere (its body is not read)."""
    return response.is_redirect and bool(response.headers.get("Location"))


def _a_url(body: object) -> str | None:
    """A :data:`~incident_tui.remote.http.Shape`: ``{"url": "..."}``."""
    if isinstance(body, dict) and isinstance(body.get("url"), str) and body["url"]:
        return None
    return "expected {url}"
