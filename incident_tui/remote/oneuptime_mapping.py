"""OneUptime records in the common model: the selects that ask for every field the mapping
reads, typed values made plain, the project's catalog of states and severities with the status
and severity rules of contracts/oneuptime.md §6 (the config's ``severity_map`` first), and
incident rows with what the full read adds (notes, owners, the state timeline, and the files of
the postmortem and of the notes as attachments).

Files are OneUptime ``File`` rows (``_id``, ``name``, ``fileType``: the MIME type; older servers
call that column ``type``). Only postmortem files have a download route, the incident helper
``GET /api/incident/postmortem/attachment/:projectId/:incidentId/:fileId``, which becomes their
``url``; a note's files have none documented, so their ``url`` is ``None``.

A note's file is named after the note it is on (``error.log (internal note by Ann Lee,
2024-05-01 09:30 UTC)``), since the common model's attachments are the incident's: the name is
what tells it from the postmortem's files and from another note's."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from incident_tui.config_remotes import OneuptimeRemote
from incident_tui.domain.mapping import (
    parse_time,
    severity_from_keywords,
    text_of,
    warn_once,
    without_empty,
)
from incident_tui.domain.model import Attachment, Comment, Incident, Severity, Status
from incident_tui.remote.errors import Refused

STATE_SELECT = {"name": True, "color": True, "order": True, "isCreatedState": True,
                "isAcknowledgedState": True, "isResolvedState": True}
SEVERITY_SELECT = {"name": True, "color": True, "order": True}
INCIDENT_SELECT: dict[str, Any] = {
    **dict.fromkeys((
        "title", "description", "projectId", "currentIncidentStateId", "incidentSeverityId",
        "declaredAt", "createdAt", "updatedAt", "incidentNumber", "incidentNumberWithPrefix",
        "createdByUserId", "customFields", "rootCause", "remediationNotes", "postmortemNote",
        "isVisibleOnStatusPage"), True),
    "currentIncidentState": STATE_SELECT, "incidentSeverity": SEVERITY_SELECT,
    "labels": {"name": True}, "monitors": {"name": True}, "createdByUser": {"name": True},
}
"""Every field the mapping reads, relations included (an empty select returns only _id)."""
FILE_SELECT = {"_id": True, "name": True, "fileType": True}
"""What a client needs of a File: its id (for the download route), name and MIME type. Not
``file`` (the bytes), which the download route serves."""
FULL_SELECT: dict[str, Any] = {**INCIDENT_SELECT, "postmortemAttachments": FILE_SELECT}
"""The full read's incident select: the listing's plus the postmortem's files (left out of
listings, whose rows are summaries, to spare a join per row)."""
NOTE_SELECT = {"note": True, "createdAt": True, "createdByUserId": True,
               "createdByUser": {"name": True}, "attachments": FILE_SELECT}

KEY_FIELD = "incident_tui_key"
"""The ``customFields`` entry that carries our create idempotency key. It stays on the
server (``find_created`` looks for it in the rows) but is ours, not the user's: the common
model's ``custom_fields`` leave it out."""

_FLAGS = (("isResolvedState", Status.RESOLVED), ("isAcknowledgedState", Status.ACKNOWLEDGED),
          ("isCreatedState", Status.TRIGGERED))
STATE_KEYS = {Status.TRIGGERED: "created_state_id", Status.ACKNOWLEDGED: "ack_state_id",
              Status.RESOLVED: "resolved_state_id"}
"""The config key naming the state written to reach each status."""
_WRITES = {Status.TRIGGERED: "a reopen", Status.ACKNOWLEDGED: "an acknowledge",
           Status.RESOLVED: "a resolve"}
"""The change that writes each status's state, for a message."""


def plain(value: Any) -> Any:
    """``value`` with every typed ``{"_type": ..., "value": v}`` replaced by ``v``."""
    if isinstance(value, dict):
        if "_type" in value and "value" in value and len(value) == 2:
            return plain(value["value"])
        return {k: plain(v) if isinstance(v, dict | list) else v for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) if isinstance(v, dict | list) else v for v in value]
    return value


def _name(value: Any) -> str | None:
    return str(value["name"]) if isinstance(value, dict) and value.get("name") else None


def _names(rows: Any) -> list[str]:
    """The names of a list of related rows (labels, monitors), skipping unnamed ones."""
    names: list[str] = []
    if not isinstance(rows, list):
        return names
    for item in rows:  # a plain loop: this runs twice for every pulled row
        if isinstance(item, dict) and item.get("name"):
            names.append(str(item["name"]))
    return names


def _order(row: dict[str, Any]) -> float:
    order = row.get("order")
    return float(order) if isinstance(order, int | float) else 0.0


class Catalog:
    """The project's states and severities, and the status/severity rules of contract §6."""

    def __init__(self, config: OneuptimeRemote) -> None:
        self.config = config
        self.states: dict[str, dict[str, Any]] = {}
        self.severities: dict[str, dict[str, Any]] = {}
        pairs = ((config.created_state_id, Status.TRIGGERED),
                 (config.ack_state_id, Status.ACKNOWLEDGED),
                 (config.resolved_state_id, Status.RESOLVED))
        self.overrides = {state_id: status for state_id, status in pairs if state_id}
        # Case-insensitive, as Kitehouse's priority_map (severity_from_keywords) matches.
        self.severity_map = {name.casefold(): value for name, value in config.severity_map.items()}

    def load(self, states: list[Any], severities: list[Any]) -> None:
        """Replace the cache with freshly listed rows."""
        self.states, self.severities = (
            {str(r["_id"]): r for r in rows if isinstance(r, dict) and r.get("_id")}
            for rows in (states, severities))
        if not self.states:
            return
        for state_id, status in self.overrides.items():
            if state_id not in self.states:
                warn_once(
                    f"{self.config.name}: {STATE_KEYS[status]} {state_id!r} is no incident "
                    "state of its project: its states read as if it were not set, and "
                    f"{_WRITES[status]} is refused until it names one of them"
                )

    def knows(self, row_id: str) -> bool:
        """Whether ``row_id`` is a cached state or severity."""
        return row_id in self.states or row_id in self.severities

    def needed(self, row: dict[str, Any]) -> bool:
        """Whether mapping ``row`` needs the cache (its relations alone do not decide)."""
        state, severity = row.get("currentIncidentState"), row.get("incidentSeverity")
        if not isinstance(state, dict) or not isinstance(severity, dict):
            return True
        decided = state.get("_id") in self.overrides or any(state.get(f) for f, _ in _FLAGS)
        name = severity.get("name")
        return not decided or (self.configured(name) is None
                               and severity_from_keywords(name) is None)

    def status(self, state: Any, state_id: str) -> Status:
        """The config's ids, then the flags, then the order against the ack/resolved states."""
        if state_id in self.overrides:
            return self.overrides[state_id]
        state = state if isinstance(state, dict) else self.states.get(state_id)
        if not state:
            return Status.TRIGGERED
        for flag, flagged in _FLAGS:  # a loop, not next(genexpr): this runs for every row
            if state.get(flag):
                return flagged
        for status in (Status.RESOLVED, Status.ACKNOWLEDGED):
            reference = self._reference(status)
            if reference is not None and _order(state) >= _order(reference):
                return status
        return Status.TRIGGERED

    def _reference(self, status: Status) -> dict[str, Any] | None:
        """The state whose order starts ``status``: the config's when the project has it,
        else the flagged one. A configured id the project lacks (a typo, another project's
        state) compared as no state at all, and every unflagged state past the flagged one
        (Investigating) read as triggered."""
        chosen = self.states.get(self.target(status) or "")
        if chosen is not None:
            return chosen
        flag = next(f for f, s in _FLAGS if s == status)
        flagged = sorted((s for s in self.states.values() if s.get(flag)), key=_order)
        return flagged[0] if flagged else None

    def target(self, status: Status) -> str | None:
        """The state id written to reach ``status``: the config's, else the flagged state."""
        chosen = [i for i, s in self.overrides.items() if s == status]
        flag = next(f for f, s in _FLAGS if s == status)
        flagged = sorted((s for s in self.states.values() if s.get(flag)), key=_order)
        return chosen[0] if chosen else str(flagged[0]["_id"]) if flagged else None

    def write_target(self, status: Status) -> str:
        """The state id to write to reach ``status`` (see :meth:`target`), checked against
        the listed states: :class:`Refused`, saying which setting to fix, when the config's
        id is no state of the project, or when the flagged state is one the config reads
        as another status (written, the change would read back as that one)."""
        key = STATE_KEYS[status]
        chosen = [i for i, s in self.overrides.items() if s == status]
        if chosen:
            if self.states and chosen[0] not in self.states:
                raise Refused(
                    f"{key} {chosen[0]!r} of remote {self.config.name!r} is no incident state "
                    f"of its project; its states: {self._state_names()}"
                )
            return chosen[0]
        flag = next(f for f, s in _FLAGS if s == status)
        flagged = sorted((s for s in self.states.values() if s.get(flag)), key=_order)
        for state in flagged:
            if self.overrides.get(str(state["_id"]), status) == status:
                return str(state["_id"])
        if not flagged:
            raise Refused(f"the project has no incident state for {status.value}: set {key} "
                          f"of remote {self.config.name!r}")
        taken = self.overrides[str(flagged[0]["_id"])]
        raise Refused(
            f"the state flagged {flag} ({_name(flagged[0]) or flagged[0]['_id']}) is "
            f"{STATE_KEYS[taken]} of remote {self.config.name!r}, read as {taken.value}: "
            f"set {key} to the state that means {status.value}"
        )

    def _state_names(self) -> str:
        """The project's states in order, as ``Name (id)``, for a message."""
        return ", ".join(f"{_name(s) or '?'} ({s['_id']})"
                         for s in sorted(self.states.values(), key=_order))

    def configured(self, name: Any) -> str | None:
        """The config's ``severity_map`` value for a severity name (``""``: no common
        severity), or ``None`` when the map does not name it."""
        if not self.severity_map or not name:
            return None
        return self.severity_map.get(str(name).casefold())

    def severity(self, severity: Any, severity_id: str) -> Severity | None:
        """By the config's ``severity_map``, else by name keyword, else by rank in order
        (1 critical, 2 major, 3+ minor)."""
        row = severity if isinstance(severity, dict) else self.severities.get(severity_id)
        if not row:
            return None
        mapped = self.configured(row.get("name"))
        if mapped is not None:
            return Severity(mapped) if mapped else None
        by_name = severity_from_keywords(row.get("name"))
        if by_name is not None:
            return by_name
        ranked = [str(s["_id"]) for s in sorted(self.severities.values(), key=_order)]
        rank = ranked.index(severity_id) + 1 if severity_id in ranked else int(_order(row))
        return {1: Severity.CRITICAL, 2: Severity.MAJOR}.get(rank, Severity.MINOR)

    def severity_for(self, wanted: Severity | None) -> str | None:
        """The severity id to write for ``wanted``: the first in order that ``severity_map``
        names for it, else the first that maps to it by the rules of :meth:`severity`
        (``None``: one the map sends to ``""``, else the least severe)."""
        ranked = sorted(self.severities.values(), key=_order)
        value = wanted.value if wanted is not None else ""
        # The map is the user's word on which severity means what, so it picks first.
        named = next((str(s["_id"]) for s in ranked if self.configured(s.get("name")) == value),
                     None)
        if named is not None or wanted is None:
            return named or (str(ranked[-1]["_id"]) if ranked else None)
        return next((str(s["_id"]) for s in ranked
                     if self.severity(s, str(s["_id"])) == wanted), None)

    def no_severity(self, wanted: Severity | None) -> str:
        """Why :meth:`severity_for` found no severity to write for ``wanted``, saying what
        to set: the project has none at all, or none reads as ``wanted`` (by the map, else
        by name and rank), which only ``severity_map`` can change."""
        if wanted is None or not self.severities:
            return f"the project has no {wanted or 'incident'} severity"
        names = ", ".join(_name(s) or str(s["_id"])
                          for s in sorted(self.severities.values(), key=_order))
        if self.severity_map:
            return (f"the severity_map of {self.config.name} leaves no severity of the "
                    f"project that reads as {wanted}: map the one to write for it to "
                    f"{wanted.value!r} there (its severities: {names})")
        return (f"no severity of the project reads as {wanted} by its name or rank: map the "
                f"one to write for it to {wanted.value!r} in severity_map of remote "
                f"{self.config.name!r} (its severities: {names})")

    def listing(self, rows: dict[str, dict[str, Any]], label: str) -> list[dict[str, Any]]:
        """States or severities in order, each with the common value it maps to."""
        mapped = self.status if label == "status" else self.severity
        return [{**row, label: str(mapped(row, str(row["_id"])) or "")}
                for row in sorted(rows.values(), key=_order)]


def _files(items: Any) -> list[dict[str, Any]]:
    """The File rows of a relation, skipping anything without an ``_id``."""
    return [f for f in items or () if isinstance(f, dict) and f.get("_id")]


def _attachment(file: dict[str, Any], url: str | None) -> Attachment:
    kind = file.get("fileType") or file.get("type")  # "type" on servers before the rename
    return Attachment(str(file["_id"]), str(file.get("name") or file["_id"]),
                      str(kind) if kind else None, url)


def postmortem_url(api_url: str, project_id: str, incident_id: str, file_id: str) -> str:
    """The helper route that serves one postmortem file (the ``ApiKey`` header required)."""
    parts = "/".join(quote(str(p), safe="") for p in (project_id, incident_id, file_id))
    return f"{api_url}/incident/postmortem/attachment/{parts}"


def attachments_from(row: dict[str, Any], project_id: str | None,
                     notes: Iterable[list[Any] | None], api_url: str | None) -> list[Attachment]:
    """The postmortem files (with their download route as ``url`` when ``api_url`` and the
    project are known), then the notes' files (no route: ``url`` None), each file once."""
    found: dict[str, Attachment] = {}
    for file in _files(row.get("postmortemAttachments")):
        url = (postmortem_url(api_url, project_id, str(row["_id"]), str(file["_id"]))
               if api_url and project_id else None)
        found.setdefault(str(file["_id"]), _attachment(file, url))
    for listing in notes:
        for note in listing or ():
            for file in _files(note.get("attachments") if isinstance(note, dict) else None):
                found.setdefault(str(file["_id"]), _attachment(file, None))
    return list(found.values())


def note_files_named(notes: list[Any], visibility: str) -> list[Any]:
    """The notes, with each of their files renamed ``"<file name> (<note>)"`` where ``<note>``
    is ``visibility`` note, its author when known and its time in UTC, to the minute (UTC,
    not local: the name is stored in the cache and must not depend on where it synced).
    Only the copies change (notes without files stay as they are), so the note's text and
    the comments made from it do not."""
    named = []
    for note in notes:
        files = note.get("attachments") if isinstance(note, dict) else None
        if not files:
            named.append(note)
            continue
        label = _note_label(note, visibility)
        named.append({**note, "attachments": [
            {**f, "name": f"{f.get('name') or f.get('_id')} ({label})"} if isinstance(f, dict)
            else f for f in files]})
    return named


def _note_label(note: dict[str, Any], visibility: str) -> str:
    """``internal note by Ann Lee, 2024-05-01 09:30 UTC``: what a reader of the incident can
    match with one of its comments (no author when the note has no user name, as for an API
    key's note: an id would say nothing)."""
    label = f"{visibility} note"
    user = note.get("createdByUser")
    if isinstance(user, dict) and user.get("name"):
        label += f" by {user['name']}"
    when = parse_time(note.get("postedAt") or note.get("createdAt"))
    if when is not None:
        label += ", " + when.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    return label


def incident_from(
    remote: str, config: OneuptimeRemote, catalog: Catalog, raw: dict[str, Any],
    row: dict[str, Any], *, internal: list[Any] | None = None, public: list[Any] | None = None,
    owners: list[Any] | None = None, timeline: list[Any] | None = None,
    api_url: str | None = None,
) -> Incident:
    """Map one unwrapped incident row, plus what :meth:`OneuptimeConnector.get` adds
    (``api_url``, the connector's ``…/api``, gives postmortem files their download url)."""
    state_id = str(row.get("currentIncidentStateId") or "")
    severity_id = str(row.get("incidentSeverityId") or "")
    status = catalog.status(row.get("currentIncidentState"), state_id)
    state_name = (_name(row.get("currentIncidentState")) or _name(catalog.states.get(state_id))
                  or state_id)
    severity_name = _name(row.get("incidentSeverity")) or _name(catalog.severities.get(
        severity_id))
    labels, monitors = _names(row.get("labels")), _names(row.get("monitors"))
    comments: list[Comment] | None = None
    if internal is not None or public is not None:
        comments = sorted((
            note_comment(note, visibility)
            for visibility, notes in (("internal", internal), ("public", public))
            for note in _rows(notes)), key=lambda c: c.created_at or _EPOCH)
    acked: datetime | None = None
    resolved: list[datetime | None] = []
    if timeline:
        entered = [(catalog.status(e.get("incidentState"), str(e.get("incidentStateId"))),
                    parse_time(e.get("startsAt"))) for e in _rows(timeline)]
        acked = _acknowledged(entered)
        resolved = [at for s, at in entered if s == Status.RESOLVED]
    extra = without_empty({
        "state": state_name, "severity": severity_name, "labels": labels, "monitors": monitors,
        "root cause": row.get("rootCause"), "remediation notes": row.get("remediationNotes"),
        "postmortem": row.get("postmortemNote"), "declared at": row.get("declaredAt"),
        "incident number": row.get("incidentNumber"), "created by": _name(row.get(
            "createdByUser")), "visible on status page": row.get("isVisibleOnStatusPage"),
    })
    number = row.get("incidentNumber")
    declared = parse_time(row.get("declaredAt"))
    project = row.get("projectId") or config.project_id
    return Incident(
        remote=remote, kind="oneuptime", remote_id=str(row["_id"]),
        title=str(row.get("title") or ""), status=status, status_raw=state_name,
        created_at=parse_time(row.get("createdAt")) or declared or _EPOCH,
        ref=text_of(row.get("incidentNumberWithPrefix")) or (str(number) if number else None),
        container=text_of(project), description=text_of(row.get("description")),
        severity=catalog.severity(row.get("incidentSeverity"), severity_id),
        severity_raw=severity_name, category=labels[0] if labels else None,
        occurred_at=declared, updated_at=parse_time(row.get("updatedAt")),
        acknowledged_at=acked if status != Status.TRIGGERED else None,
        resolved_at=resolved[-1] if resolved and status == Status.RESOLVED else None,
        reporter=_name(row.get("createdByUser")) or text_of(row.get("createdByUserId")),
        assignees=[_name(o.get("user")) or str(o.get("userId")) for o in _rows(owners)],
        custom_fields=_custom_fields(row.get("customFields")),
        extra=extra,
        version=str(row.get("updatedAt") or "") or None, raw=raw, comments=comments,
        attachments=attachments_from(row, project, (internal, public), api_url)
        if comments is not None else None)


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def note_comment(note: dict[str, Any], visibility: str) -> Comment:
    """One unwrapped note row as the comment it is (``visibility``: internal or public)."""
    return Comment(str(note.get("_id")), str(note.get("note") or ""),
                   parse_time(note.get("postedAt") or note.get("createdAt")),
                   _name(note.get("createdByUser")) or text_of(note.get("createdByUserId")),
                   visibility)


def _rows(items: list[Any] | None) -> list[dict[str, Any]]:
    """The rows of a listing the full read adds (notes, owners, the timeline), skipping any
    item that is no row: one such item must not cost the incident the rest."""
    return [item for item in items or () if isinstance(item, dict)]


def _acknowledged(entered: list[tuple[Status, datetime | None]]) -> datetime | None:
    """When the current episode was acknowledged, from the timeline oldest first: the start of
    the last run of acknowledged states since the last return to a triggered one (a reopen
    starts a new episode; moving on to another acknowledged state, e.g. Investigating, is
    the same acknowledgement). ``None`` when the incident has not been acknowledged since."""
    acked: datetime | None = None
    before: Status | None = None
    for status, at in entered:
        if status == Status.TRIGGERED:
            acked = None
        elif status == Status.ACKNOWLEDGED and before != Status.ACKNOWLEDGED:
            acked = at
        before = status
    return acked


def _custom_fields(value: Any) -> dict[str, Any]:
    """The row's ``customFields`` as the user's custom fields: without our create key."""
    fields = dict(value) if isinstance(value, dict) else {}
    fields.pop(KEY_FIELD, None)
    return fields
