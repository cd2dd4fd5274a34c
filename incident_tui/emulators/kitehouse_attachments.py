"""The Kitehouse emulator's attachment routes: presigned uploads to its ``/_blob`` object
store (which answers like S3 and takes no API token), registering an upload on an incident,
deleting an attachment, and the audit-logged download URL.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from incident_tui.emulators.kitehouse_data import Record, attachment
from incident_tui.emulators.kitehouse_requests import json_body, validate
from incident_tui.emulators.server import Request, Response

if TYPE_CHECKING:
    from incident_tui.emulators.kitehouse import KitehouseEmulator


def _s3_error(status: int, code: str, message: str) -> Response:
    body = (f'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>{code}</Code>'
            f"<Message>{message}</Message></Error>").encode()
    return Response(status, body, {"Content-Type": "application/xml"})


def presign(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``POST .../attachments``: a presigned ``/_blob`` upload URL and its object id."""
    body = json_body(request)
    validate(body, ("content_type", "file_name"),
             {"content_type": "string", "file_name": "string"})
    rec = emu.record(request)
    oid = emu.ids.new(emu.clock())
    emu.pending[oid] = (rec.id, body["content_type"], body["file_name"])
    signature = hashlib.sha256(f"{oid}{body['content_type']}".encode()).hexdigest()
    url = f"{emu.base_url}/_blob/{oid}?X-Amz-Expires=900&X-Amz-Signature={signature}"
    return Response.json({"url": url, "object_id": oid})


def blob_put(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``PUT /_blob/{objectId}``: store the bytes of a presigned upload."""
    oid = request.params["objectId"]
    emu.blob_requests.append({"method": "PUT", "object_id": oid,
                              "authorization": "Authorization" in request.headers})
    if oid not in emu.pending:
        return _s3_error(403, "AccessDenied", "Request has expired or is not signed")
    ctype = request.headers.get("Content-Type") or ""
    if ctype != emu.pending[oid][1]:
        return _s3_error(403, "SignatureDoesNotMatch", "Content-Type is not the signed one")
    emu.blobs[oid] = (ctype, request.body)
    return Response(200, headers={"ETag": f'"{hashlib.md5(request.body).hexdigest()}"'})


def blob_get(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``GET /_blob/{objectId}``: a stored object's bytes."""
    oid = request.params["objectId"]
    emu.blob_requests.append({"method": "GET", "object_id": oid,
                              "authorization": "Authorization" in request.headers})
    if oid not in emu.blobs:
        return _s3_error(404, "NoSuchKey", "The specified key does not exist.")
    ctype, data = emu.blobs[oid]
    return Response(200, data, {"Content-Type": ctype})


def register(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``PUT .../attachments``: attach an uploaded object to the incident."""
    body = json_body(request)
    validate(body, ("object_id", "content_type", "file_name"), {
        k: "string" for k in ("object_id", "content_type", "file_name", "description",
                              "evidence_type", "retention_label")})
    rec, oid = emu.record(request), body["object_id"]
    if emu.pending.get(oid, ("",))[0] != rec.id or oid not in emu.blobs:
        raise emu.fail(400, "Attachment has not been uploaded")
    del emu.pending[oid]
    more = {k: body[k] for k in ("description", "evidence_type", "retention_label")
            if k in body}
    item = attachment(oid, body["file_name"], body["content_type"], rec.site, rec.id, **more)
    rec.attachments.append(item)
    emu.changed(rec)
    return Response.json({"name": item["name"], "raw_url": f"{emu.base_url}/_blob/{oid}",
                          "source_uri": item["source_uri"], "file_type": item["file_type"],
                          "uploaded": True, "object_id": oid})


def _attachment_of(emu: KitehouseEmulator, request: Request) -> tuple[Record, str]:
    rec, oid = emu.record(request), request.arg("objectId")
    if not oid:
        raise emu.fail(400, "querystring must have required property 'objectId'")
    if not any(a["object_id"] == oid for a in rec.attachments):
        raise emu.fail(404, "Attachment not found")
    return rec, oid


def delete(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``DELETE .../attachments?objectId=``: remove an attachment and its object."""
    rec, oid = _attachment_of(emu, request)
    rec.attachments = [a for a in rec.attachments if a["object_id"] != oid]
    emu.blobs.pop(oid, None)
    emu.changed(rec)
    return Response.json({"success": True})


def download_url(emu: KitehouseEmulator, request: Request, user: str) -> Response:
    """``GET .../attachments/download?objectId=``: the object's URL (``{"url"}`` or a 302),
    noted in the audit log."""
    rec, oid = _attachment_of(emu, request)
    emu.audit.append({"user": user, "incident": rec.id, "object_id": oid,
                      "at": emu.clock().isoformat()})
    url = f"{emu.base_url}/_blob/{oid}"
    if emu.download_redirect:
        return Response(302, headers={"Location": url})
    return Response.json({"url": url})
