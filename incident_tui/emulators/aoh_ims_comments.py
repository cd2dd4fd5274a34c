"""The AOH IMS emulator's comment routes under ``/v1/incident/{id}/comments``: list, add
(author and audit fields from the token) and delete (the comment id in the path, ``?id=`` or
a ``{"id"}`` body)."""

from __future__ import annotations

from incident_tui.emulators.aoh_ims_data import new_uuid, user_id
from incident_tui.emulators.aoh_ims_requests import ImsRequests, Row
from incident_tui.emulators.server import Request, Response


class CommentRoutes(ImsRequests):
    """Handlers for an incident's comments."""

    def list_comments(self, request: Request) -> Response:
        """The incident's comments, oldest first."""
        tenant, row, _ = self._find(request)
        comments = list(tenant.comments.get(row["id"], {}).values())
        return self._ok(comments, "comments retrieved")

    def add_comment(self, request: Request) -> Response:
        """Add ``{"text"}``; name, user and audit fields come from the token."""
        tenant, row, user = self._find(request)
        body = self._body(request)
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or not text.strip():
            raise self._invalid(["text is required"])
        stamp = self._stamp()
        comment: Row = {
            "id": new_uuid(self._rng),
            "incident_id": row["id"],
            "user_id": user_id(user),
            "name": user,
            "text": text,
            "created_at": stamp,
            "created_by": user,
            "updated_at": stamp,
            "updated_by": user,
            "occ_lock": 0,
            "tenant_id": row["tenant_id"],
        }
        tenant.comments.setdefault(row["id"], {})[comment["id"]] = comment
        return self._ok(comment, "comment added", 201)

    def delete_comment(self, request: Request) -> Response:
        """Delete a comment named in the path, ``?id=`` or a ``{"id"}`` body."""
        tenant, row, _ = self._find(request)
        comment_id = request.params.get("commentId") or request.arg("id")
        if not comment_id:
            body = self._body(request)
            comment_id = body.get("id") if isinstance(body, dict) else None
        if not isinstance(comment_id, str) or not comment_id:
            raise self._invalid(["comment id is required"])
        if tenant.comments.get(row["id"], {}).pop(comment_id, None) is None:
            raise self.fail(404, "comment not found")
        return self._ok(None, "comment deleted")
