"""User actions: each writes the cache and its outbox row in one transaction, then returns.

The user sees the change at once (with a pending mark); the sync engine pushes it later. A
change that the incident's remote kind cannot make is refused here, before anything is queued,
and so is a status change that makes no sense from the incident's current (local) status.
Deleting what never reached the remote (an incident created here, a comment or file not sent
yet) queues nothing: its unsent changes are cancelled. What is being sent, or was cut off while
it was (its change ``sending``), may be on the remote already: its deletion is queued behind
it, and goes once the sync has settled it.
"""

from __future__ import annotations

import json
import shutil
import uuid
from collections.abc import Collection, Mapping, Sequence
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, select

from incident_tui.clock import Clock, system_clock, to_db
from incident_tui.domain.capabilities import KIND_TITLES, Capability, can, lacking
from incident_tui.domain.gone import gone_words
from incident_tui.domain.media_types import media_type_refusal
from incident_tui.domain.model import (
    EDITABLE_FIELDS,
    LOCAL_ID_PREFIX,
    ChangeKind,
    Draft,
    Severity,
    Status,
    status_after,
)
from incident_tui.domain.text import clean
from incident_tui.files import readable, upload_refusal
from incident_tui.paths import make_folder, outbox_files_dir
from incident_tui.store import fts
from incident_tui.store.bookkeeping import (
    drop_staged_files,
    hide_while_deleting,
    recount_pending,
    remove_incident,
)
from incident_tui.store.engine import make_engine, session
from incident_tui.store.in_flight import in_flight
from incident_tui.store.queued import (
    READ_BASE,
    Queued,
    Skipped,
    StatusQueued,
    deleted_on_remote,
    status_skip,
    times_after,
)
from incident_tui.store.schema import AttachmentRow, CommentRow, IncidentRow, OutboxRow
from incident_tui.store.upload_copies import held, sweep

CAPABILITY_OF: dict[ChangeKind, Capability] = {
    ChangeKind.CREATE: Capability.CREATE,
    ChangeKind.ACKNOWLEDGE: Capability.ACKNOWLEDGE,
    ChangeKind.RESOLVE: Capability.RESOLVE,
    ChangeKind.REOPEN: Capability.REOPEN,
    ChangeKind.COMMENT: Capability.COMMENT,
    ChangeKind.DELETE_COMMENT: Capability.DELETE_COMMENT,
    ChangeKind.EDIT: Capability.EDIT,
    ChangeKind.DELETE: Capability.DELETE,
    ChangeKind.ATTACH: Capability.ATTACHMENTS,
    ChangeKind.DELETE_ATTACHMENT: Capability.DELETE_ATTACHMENT,
    ChangeKind.SET_ATTRIBUTE: Capability.ATTRIBUTES,
}


class ActionError(Exception):
    """The action cannot be queued (unknown incident, unsupported by its remote, bad input)."""


class StatusRefused(ActionError):
    """A status change queued nothing and refused at least one incident; :attr:`skipped`
    has every incident left alone, its text their reasons on one line."""

    def __init__(self, skipped: Sequence[Skipped]) -> None:
        super().__init__("; ".join(item.reason for item in skipped))
        self.skipped: tuple[Skipped, ...] = tuple(skipped)


class Actions:
    """Queues user changes. Thread-safe: every call is its own ``BEGIN IMMEDIATE`` transaction."""

    def __init__(
        self,
        engine: Engine,
        *,
        db_path: Path,
        clock: Clock = system_clock,
        remotes: Collection[str] | None = None,
    ) -> None:
        self.engine = engine
        self.db_path = db_path
        self.clock = clock
        self.remotes = None if remotes is None else frozenset(remotes)
        """The configured remotes (``None``: not checked). A change to an incident of
        another would wait in the outbox for good: no sync sends it."""

    @classmethod
    def open(
        cls, path: Path, *, clock: Clock = system_clock, remotes: Collection[str] | None = None
    ) -> Actions:
        """Actions over the cache at ``path``, for the incidents of ``remotes``."""
        return cls(make_engine(path), db_path=path, clock=clock, remotes=remotes)

    # Status changes ------------------------------------------------------------------------

    def acknowledge(self, ids: Sequence[str]) -> StatusQueued:
        """Queue acknowledging the incidents in ``ids`` (see :meth:`_status`)."""
        return self._status(ids, ChangeKind.ACKNOWLEDGE)

    def resolve(self, ids: Sequence[str]) -> StatusQueued:
        """Queue resolving the incidents in ``ids`` (see :meth:`_status`)."""
        return self._status(ids, ChangeKind.RESOLVE)

    def reopen(self, ids: Sequence[str]) -> StatusQueued:
        """Queue reopening the resolved incidents in ``ids`` (see :meth:`_status`)."""
        return self._status(ids, ChangeKind.REOPEN)

    def _status(self, ids: Sequence[str], op: ChangeKind) -> StatusQueued:
        """Queue ``op`` for each incident of ``ids`` it applies to.

        An unknown incident fails the whole call with nothing queued: a mistyped id is
        better fixed than half done. One whose remote cannot make the change (reopening on
        Revily) is refused and left out, as are one a sync found deleted on its remote
        (kept while changes of it wait), acknowledging a resolved one and the incidents
        already in the target status, or (reopen) not resolved (:func:`status_skip`); the
        others are queued all the same, as the TUI does with a
        selection. When none is queued and one was refused, :class:`StatusRefused`.
        The incident shows the status the remote will have (:func:`status_after`).
        """
        if not ids:
            raise ActionError("no incident given")
        now = to_db(self.clock())
        queued: list[Queued] = []
        skipped: list[Skipped] = []
        with session(self.engine) as s, s.begin():
            given = dict.fromkeys(ids)
            for incident_id in given:
                try:
                    row = self._cached(s, incident_id)
                except ActionError as error:
                    if len(given) == 1:
                        raise
                    # Said outright: the others were found, and a script may take the
                    # error for this one alone.
                    raise ActionError(
                        f"{error}; nothing was queued for any of the {len(given)} incidents "
                        "given"
                    ) from None
                cannot = self._unconfigured(row) or lacking(row.kind, CAPABILITY_OF[op])
                if cannot is not None:
                    reason = f"{row.id} left out: {cannot}"
                    skipped.append(Skipped(row.id, reason, refused=True, unsupported=True))
                    continue
                if row.remote_deleted:
                    gone = deleted_on_remote(row.id, gone_words(row.conflict))
                    skipped.append(Skipped(row.id, gone, refused=True))
                    continue
                before = row.status
                skip = status_skip(row.id, before, op, row.kind)
                if skip is not None:
                    skipped.append(skip)
                    continue
                target = status_after(op, row.kind)
                # Kept with the change: a discard shows them again at once, offline too.
                times = {"acknowledged_at": row.acknowledged_at, "resolved_at": row.resolved_at}
                row.status = target.value
                shown = times_after(op, target, times, now)
                row.acknowledged_at = shown["acknowledged_at"]
                row.resolved_at = shown["resolved_at"]
                row.updated_at = now
                queued.append(self._enqueue(s, row, op, {"from": before, "times": times}))
        if not queued and any(item.refused for item in skipped):
            raise StatusRefused(skipped)
        return StatusQueued(queued, skipped)

    # Comments -------------------------------------------------------------------------------

    def comment(self, incident_id: str, body: str, *, public: bool = False) -> Queued:
        """Queue a comment; an empty one is refused."""
        if not body.strip():
            raise ActionError("a comment cannot be empty")
        with session(self.engine) as s, s.begin():
            row = self._incident(s, incident_id, ChangeKind.COMMENT)
            if public and not can(row.kind, Capability.PUBLIC_NOTES):
                title = KIND_TITLES.get(row.kind, row.kind)
                raise ActionError(f"{title} has no public notes; leave out --public")
            comment = CommentRow(
                incident_id=row.id,
                author="you",
                body=body,
                created_at=to_db(self.clock()),
                visibility="public" if public else None,
                pending=True,
            )
            s.add(comment)
            s.flush()
            payload = {"body": body, "comment_seq": comment.seq, "public": public}
            queued = self._enqueue(s, row, ChangeKind.COMMENT, payload)
            comment.outbox_seq = queued.seq
            fts.reindex(s, [row.id])
        return queued

    def delete_comment(self, incident_id: str, comment_seq: int) -> Queued:
        """Queue deleting a comment (it disappears from the cache at once); one not sent yet
        is cancelled instead, with nothing queued (``cancelled``). One being sent, or cut off
        while it was, may be on the remote: the deletion waits behind its post
        (``after_sending``) and learns the comment's remote id when that is recorded."""
        with session(self.engine) as s, s.begin():
            row = self._incident(s, incident_id, ChangeKind.DELETE_COMMENT)
            comment = s.get(CommentRow, comment_seq)
            if comment is None or comment.incident_id != incident_id:
                raise ActionError(f"{incident_id} has no comment {comment_seq}")
            sending = None
            if comment.remote_id is None:
                sending = in_flight(s, row.id, ChangeKind.COMMENT, comment.seq)
            if comment.remote_id is None and sending is None:
                # Never pushed: dropping the queued comment is the whole deletion.
                self._drop_queued_comment(s, comment)
                s.delete(comment)
                s.flush()
                fts.reindex(s, [row.id])
                self._recount(s, row.id)
                return Queued(row.id, 0, ChangeKind.DELETE_COMMENT, cancelled=True)
            # The kind of note goes along: the row is gone by the time the sync sends this,
            # and OneUptime deletes public and internal notes at different addresses.
            # A copy of it, too: discarding this change puts it back at once, offline.
            payload: dict[str, Any] = {
                "visibility": comment.visibility,
                "comment": {
                    "seq": comment.seq,
                    "author": comment.author,
                    "body": comment.body,
                    "created_at": comment.created_at,
                },
            }
            if sending is None:
                payload["comment_id"] = comment.remote_id
            else:
                payload.update(comment_seq=comment.seq, after=sending.seq)
            s.delete(comment)
            s.flush()
            fts.reindex(s, [row.id])
            queued = self._enqueue(s, row, ChangeKind.DELETE_COMMENT, payload)
            return replace(queued, after_sending=sending is not None)

    def _drop_queued_comment(self, s: Session, comment: CommentRow) -> None:
        if comment.outbox_seq is not None:
            queued = s.get(OutboxRow, comment.outbox_seq)
            if queued is not None:
                s.delete(queued)

    # Create, edit, delete ---------------------------------------------------------------

    def create(self, remote: str, kind: str, draft: Draft) -> Queued:
        """Queue a new incident on ``remote``; it shows at once with a local id. The title
        goes without the spaces around it and a blank description as none, from the command
        line as from the dialog."""
        if not _shown(draft.title):
            # Zero-width spaces alone passed and listed as an empty title.
            raise ActionError("a new incident needs a title")
        draft = replace(
            draft,
            title=draft.title.strip(),
            description=draft.description if _shown(draft.description or "") else None,
        )
        if not can(kind, Capability.CREATE):
            raise ActionError(f"{kind} remotes cannot create incidents")
        # The kinds that cannot edit a severity have none at all: the sync would drop it.
        if draft.severity is not None and not can(kind, Capability.EDIT_SEVERITY):
            title = KIND_TITLES.get(kind, kind)
            raise ActionError(f"{title} incidents have no severity; create it without one")
        # The other kinds' connectors ignore the container (or worse, create outside what
        # their remote lists): refuse it rather than create somewhere the user did not ask.
        if draft.container and not can(kind, Capability.CONTAINERS):
            title = KIND_TITLES.get(kind, kind)
            raise ActionError(
                f"{title} creates every incident where its remote is configured; "
                f"create it without a container"
            )
        now = to_db(self.clock())
        assert now is not None
        key = uuid.uuid4().hex
        local_id = f"{LOCAL_ID_PREFIX}{key[:12]}"
        with session(self.engine) as s, s.begin():
            row = IncidentRow(
                id=f"{remote}:{local_id}",
                remote=remote,
                kind=kind,
                remote_id=local_id,
                title=draft.title,
                description=draft.description,
                status=Status.TRIGGERED.value,
                status_raw="",
                severity=draft.severity.value if draft.severity else None,
                container=draft.container,
                created_at=now,
                updated_at=now,
                local_only=True,
                hydrated=True,
            )
            s.add(row)
            s.flush()
            payload = {
                "title": draft.title,
                "description": draft.description,
                "severity": draft.severity.value if draft.severity else None,
                "container": draft.container,
            }
            queued = self._enqueue(s, row, ChangeKind.CREATE, payload, key=key)
            fts.reindex(s, [row.id])
        return queued

    def edit(
        self, incident_id: str, changes: dict[str, Any], *, read: Mapping[str, Any] | None = None
    ) -> Queued:
        """Queue editing ``title``, ``description`` and/or ``severity``.

        ``read``: the fields as the user saw them when making the change (the cached values
        the edit dialog was filled from). A changed field the cache holds another value for
        now was changed on the remote meanwhile: it is sent against the value read
        (:data:`READ_BASE`), so the push finds the remote's change and asks the user."""
        unknown = set(changes) - set(EDITABLE_FIELDS)
        if unknown:
            raise ActionError(f"cannot edit {', '.join(sorted(unknown))}")
        if "title" in changes and not _shown(str(changes["title"] or "")):
            raise ActionError("the title cannot be empty")
        if changes.get("severity") not in (None, *[s.value for s in Severity]):
            raise ActionError(f"unknown severity {changes['severity']!r}")
        with session(self.engine) as s, s.begin():
            row = self._incident(s, incident_id, ChangeKind.EDIT)
            if "severity" in changes:
                # Refused here, not by the sync: it would refuse the whole edit with it.
                needs = Capability.EDIT_SEVERITY
                if changes["severity"] is None and can(row.kind, needs):
                    needs = Capability.CLEAR_SEVERITY
                cannot = lacking(row.kind, needs)
                if cannot is not None:
                    raise ActionError(cannot.rstrip("."))
            moved = {
                name: read[name]
                for name in changes
                if read is not None and name in read and read[name] != getattr(row, name)
            }
            before = {name: moved.get(name, getattr(row, name)) for name in changes}
            for name, value in changes.items():
                setattr(row, name, value)
            row.updated_at = to_db(self.clock())
            payload: dict[str, Any] = {"changes": changes, "before": before}
            if moved:
                payload[READ_BASE] = moved
            queued = self._enqueue(s, row, ChangeKind.EDIT, payload)
            fts.reindex(s, [row.id])
        return queued

    def delete(self, incident_id: str) -> Queued:
        """Queue deleting an incident; it is hidden at once, unless a change of it waits for
        the user's answer (refused or contested): the delete waits behind that, and the
        incident stays shown, marked, until it is answered. A never-pushed one just goes,
        with its unsent create and later changes, and nothing queued (``cancelled``); but
        not one whose create is being sent, or was cut off while it was: the remote may
        have it, so the delete waits behind the create (``after_sending``), which the sync
        settles first, and then goes to the incident it made."""
        with session(self.engine) as s, s.begin():
            row = self._incident(s, incident_id, ChangeKind.DELETE)
            sending = row.local_only and in_flight(s, row.id, ChangeKind.CREATE) is not None
            if row.local_only and not sending:
                queued = Queued(row.id, 0, ChangeKind.DELETE, cancelled=True)
                remove_incident(s, row)
                return queued
            queued = self._enqueue(s, row, ChangeKind.DELETE, {})
            hide_while_deleting(s, row)
            return replace(queued, after_sending=sending)

    def attach(self, incident_id: str, path: Path, content_type: str | None = None) -> Queued:
        """Queue uploading a local file; a copy is kept beside the cache until it is sent."""
        refusal = upload_refusal(path) or (
            media_type_refusal(content_type) if content_type is not None else None
        )
        if refusal:
            raise ActionError(refusal)
        # One folder per queued upload keeps the file's own name for the remote, as text the
        # cache and the remote can hold; the bytes still come from the file under its real name.
        name = readable(path.name)
        # Room first: copies a killed attach, or a killed sync, left there.
        sweep(self.engine, self.db_path)
        keep = outbox_files_dir(self.db_path.resolve()) / uuid.uuid4().hex
        copy = keep / name
        with ExitStack() as holding:
            try:
                make_folder(keep, private=True)
                # Until its change is queued, nothing else names the copy: held, no sweep
                # of another process takes it.
                holding.enter_context(held(keep))
                shutil.copyfile(path, copy)
            except OSError as error:
                # A full disk leaves part of the copy: it would only take more of the space.
                shutil.rmtree(keep, ignore_errors=True)
                reason = f"{keep.parent}: {error.strerror}" if error.strerror else str(error)
                raise ActionError(
                    clean(
                        f"cannot keep a copy of {name} until it is sent: {reason}",
                        single_line=True,
                    )
                ) from None
            except BaseException:
                # Stopped part way (Ctrl-C): no change will ever name what was copied.
                shutil.rmtree(keep, ignore_errors=True)
                raise
            return self._queue_upload(incident_id, keep, copy, name, content_type)

    def _queue_upload(
        self, incident_id: str, keep: Path, copy: Path, name: str, content_type: str | None
    ) -> Queued:
        """Queue uploading the ``copy`` kept in its folder ``keep``, or remove the folder."""
        try:
            with session(self.engine) as s, s.begin():
                row = self._incident(s, incident_id, ChangeKind.ATTACH)
                attachment = AttachmentRow(
                    incident_id=row.id,
                    name=name,
                    content_type=content_type,
                    size=copy.stat().st_size,
                    pending=True,
                    local_path=str(copy),
                )
                s.add(attachment)
                s.flush()
                payload = {
                    "path": str(copy),
                    "name": name,
                    "content_type": content_type,
                    "attachment_seq": attachment.seq,
                }
                return self._enqueue(s, row, ChangeKind.ATTACH, payload)
        except BaseException:
            shutil.rmtree(keep, ignore_errors=True)
            raise

    def delete_attachment(self, incident_id: str, attachment_seq: int) -> Queued:
        """Queue deleting an attachment (it disappears from the cache at once); one not
        uploaded yet is cancelled instead, with its kept copy, and nothing queued
        (``cancelled``). One being uploaded, or cut off while it was, may be on the remote:
        the deletion waits behind the upload (``after_sending``), which keeps its copy for
        a second try, and learns the file's remote id when the upload is recorded."""
        with session(self.engine) as s, s.begin():
            row = self._incident(s, incident_id, ChangeKind.DELETE_ATTACHMENT)
            attachment = s.get(AttachmentRow, attachment_seq)
            if attachment is None or attachment.incident_id != incident_id:
                raise ActionError(f"{incident_id} has no attachment {attachment_seq}")
            sending = None
            if attachment.remote_id is None:
                sending = in_flight(s, row.id, ChangeKind.ATTACH, attachment.seq)
            if attachment.remote_id is None and sending is None:
                # Never uploaded: dropping the queued upload is the whole deletion.
                staged = [attachment.local_path, *self._drop_queued_upload(s, attachment)]
                s.delete(attachment)
                drop_staged_files(s, staged)
                s.flush()
                self._recount(s, row.id)
                return Queued(row.id, 0, ChangeKind.DELETE_ATTACHMENT, cancelled=True)
            # A copy of it, too: discarding this change puts it back at once, offline.
            payload: dict[str, Any] = {
                "name": attachment.name,
                "attachment": {
                    "seq": attachment.seq,
                    "name": attachment.name,
                    "content_type": attachment.content_type,
                    "url": attachment.url,
                    "size": attachment.size,
                },
            }
            if sending is None:
                payload["object_id"] = attachment.remote_id
            else:
                payload.update(attachment_seq=attachment.seq, after=sending.seq)
            s.delete(attachment)
            queued = self._enqueue(s, row, ChangeKind.DELETE_ATTACHMENT, payload)
            return replace(queued, after_sending=sending is not None)

    @staticmethod
    def _drop_queued_upload(s: Session, attachment: AttachmentRow) -> list[str | None]:
        """Drop the queued upload of ``attachment``; the paths of the copies it would send."""
        uploads = s.exec(
            select(OutboxRow).where(
                OutboxRow.incident_id == attachment.incident_id,
                OutboxRow.op == ChangeKind.ATTACH.value,
            )
        ).all()
        paths: list[str | None] = []
        for queued in uploads:
            payload = json.loads(queued.payload)
            if payload.get("attachment_seq") == attachment.seq:
                paths.append(payload.get("path"))
                s.delete(queued)
        return paths

    def set_attribute(self, incident_id: str, name: str, value: Any) -> Queued:
        """Queue setting a custom attribute (AOH IMS)."""
        if not name.strip():
            raise ActionError("an attribute needs a name")
        with session(self.engine) as s, s.begin():
            row = self._incident(s, incident_id, ChangeKind.SET_ATTRIBUTE)
            fields = json.loads(row.custom_fields or "{}")
            existed = name in fields
            # The value the remote is taken to have when this is sent (the last pulled, or
            # what a change queued before this one sets): another is a conflict.
            was = fields.get(name)
            fields[name] = value
            row.custom_fields = json.dumps(fields)
            # "create" only tells a discard to drop the name again: whether the remote is
            # sent an initialising POST or an editing PUT is decided when it is sent.
            payload = {"name": name, "value": value, "create": not existed, "was": was}
            return self._enqueue(s, row, ChangeKind.SET_ATTRIBUTE, payload)

    # Helpers ----------------------------------------------------------------------------

    def _incident(self, s: Session, incident_id: str, op: ChangeKind) -> IncidentRow:
        row = self._cached(s, incident_id)
        unconfigured = self._unconfigured(row)
        if unconfigured:
            raise ActionError(f"{row.id}: {unconfigured}")
        cannot = lacking(row.kind, CAPABILITY_OF[op])
        if cannot is not None:
            raise ActionError(cannot)
        if row.remote_deleted:
            # Kept only for the changes that wait: a new one could never be sent, and a
            # delete has nothing left to delete there (take theirs lets it go).
            raise ActionError(deleted_on_remote(row.id, gone_words(row.conflict)))
        return row

    def _unconfigured(self, row: IncidentRow) -> str | None:
        """Why no change to ``row`` can be sent: its remote is not in the config."""
        if self.remotes is None or row.remote in self.remotes:
            return None
        return (
            f"its remote {row.remote!r} is not in the config, so no sync would send the change"
        )

    @staticmethod
    def _cached(s: Session, incident_id: str) -> IncidentRow:
        row = s.exec(select(IncidentRow).where(IncidentRow.id == incident_id)).first()
        if row is None or row.deleted_locally:
            raise ActionError(f"no incident {incident_id!r} in the cache")
        return row

    def _enqueue(
        self,
        s: Session,
        row: IncidentRow,
        op: ChangeKind,
        payload: dict[str, Any],
        *,
        key: str | None = None,
    ) -> Queued:
        entry = OutboxRow(
            incident_id=row.id,
            remote=row.remote,
            op=op.value,
            payload=json.dumps(payload),
            key=key or uuid.uuid4().hex,
            created_at=to_db(self.clock()) or "",
        )
        s.add(entry)
        s.flush()
        # A refused change still waiting for retry or discard blocks this one, so the
        # incident keeps showing why; only a stale reason (no refused change left) goes.
        if row.failed is not None and not self._has_failed_change(s, row.id):
            row.failed = None
        self._recount(s, row.id)
        assert entry.seq is not None
        return Queued(row.id, entry.seq, op)

    @staticmethod
    def _has_failed_change(s: Session, incident_id: str) -> bool:
        refused = select(OutboxRow.seq).where(
            OutboxRow.incident_id == incident_id, OutboxRow.state == "failed"
        )
        return s.exec(refused.limit(1)).first() is not None

    @staticmethod
    def _recount(s: Session, incident_id: str) -> None:
        recount_pending(s, [incident_id])


def _shown(text: str) -> bool:
    """Whether ``text`` shows anything once cleaned for the screen (not only spaces, nor
    zero-width or control characters)."""
    return bool(clean(text, single_line=True).strip())
