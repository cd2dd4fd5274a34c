"""The cache's tables as SQLModel classes: the single definition of the schema.

Times are stored as ISO 8601 UTC text with microseconds (``2026-11-22T09:14:00.000000Z``): it
sorts as text, and SQLite's date functions read it for the dashboard's aggregations. JSON
columns are text too. Importing this module costs ~0.4 s (SQLModel), so the paint path reads
through :mod:`incident_tui.store.reader` instead and only writers import it.
"""

from __future__ import annotations

from sqlmodel import Field, SQLModel

SCHEMA_VERSION = 15
"""Bumped with every schema change; :mod:`incident_tui.store.migrate` upgrades older caches."""


class IncidentRow(SQLModel, table=True):
    """One incident in the common model, plus local sync bookkeeping."""

    __tablename__ = "incident"

    num: int | None = Field(default=None, primary_key=True)
    """Stable integer key; the full-text index uses it as its rowid."""
    id: str = Field(unique=True)
    # Indexed by ix_incident_remote (remote) alone: no query looks a row up by remote and
    # remote id together, and an index ending in the random remote id cost a pull a write
    # at a random place for every row (~10% of a 50,000-incident pull).
    remote: str
    kind: str
    remote_id: str
    ref: str | None = None
    container: str | None = None
    title: str = ""
    description: str | None = None
    status: str = Field(index=True)
    status_raw: str = ""
    severity: str | None = Field(default=None, index=True)
    severity_raw: str | None = None
    category: str | None = None
    occurred_at: str | None = None
    created_at: str  # indexed by ix_incident_created_id (created_at DESC, id DESC)
    updated_at: str | None = Field(default=None, index=True)
    acknowledged_at: str | None = None
    resolved_at: str | None = None
    reporter: str | None = None
    assignees: str = "[]"
    custom_fields: str = "{}"
    extra: str = "{}"
    version: str | None = None
    raw: str = "{}"
    base: str = "{}"
    """The editable common fields as last pulled: the base of the three-way conflict check."""
    synced_at: str | None = None
    hydrated: bool = False
    """The full incident (comments, description) has been fetched at least once."""
    day_only: str | None = None
    """JSON: the time fields whose stored time stands for a day the remote gave alone (4HSE's
    closing date), each with that stored text; a field holding another time now (the moment
    of a resolve from here) is exact. ``NULL``: none (:mod:`incident_tui.store.days`)."""
    local_only: bool = False
    """Created here and not yet accepted by the remote."""
    pending: int = 0
    """Queued changes of this incident not yet accepted by the remote."""
    failed: str | None = None
    """The remote's reason for refusing the latest change, if it did."""
    conflict: str | None = None
    """JSON: the remote changed what we changed; the user decides."""
    remote_deleted: bool = False
    """The remote no longer has it but local changes were queued (kept for the user)."""
    deleted_locally: bool = False
    """The user deleted it; hidden from every listing until the remote confirms."""
    # Last: an upgraded cache adds it at the end, and a new one must match it.
    reopened_at: str | None = None
    """When it was last reopened on the remote, as far as this cache saw: no remote says so,
    and a reopened incident carries no resolution time, so it is noted when a pull finds a
    resolved incident open again or the remote accepts a reopen from here
    (:mod:`incident_tui.store.reopened`)."""


class CommentRow(SQLModel, table=True):
    """A comment (or OneUptime note) on an incident."""

    __tablename__ = "comment"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(index=True)
    remote_id: str | None = None
    author: str | None = None
    body: str = ""
    created_at: str | None = None
    visibility: str | None = None
    pending: bool = False
    outbox_seq: int | None = None


class AttachmentRow(SQLModel, table=True):
    """Metadata of a file attached to an incident."""

    __tablename__ = "attachment"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(index=True)
    remote_id: str | None = None
    name: str = ""
    content_type: str | None = None
    url: str | None = None
    size: int | None = None
    pending: bool = False
    local_path: str | None = None
    """The copy of a file queued for upload, alone in its folder beside the cache
    (:func:`incident_tui.paths.outbox_files_dir`) until the remote has it; ``None`` after.
    Removing the unsent attachment removes that folder."""


class IdAliasRow(SQLModel, table=True):
    """The local id a created incident had before the remote accepted it: commands given
    that id (a script keeps what ``create`` printed) still find the incident."""

    __tablename__ = "id_alias"

    old_id: str = Field(primary_key=True)
    new_id: str


class RereadRow(SQLModel, table=True):
    """An incident the next sync of its remote reads again in full (``connector.get``).

    A discarded change put the incident back to the remote's view as last pulled, but the
    remote may have changed it since (a pull keeps the local view while changes are queued)
    without its incremental listing ever showing it again; a refused change showed what
    never happened there (:func:`~incident_tui.sync.outbox.mark_failed`). The mark is in
    the cache, not in memory, so a sync in another process, or after a restart, still does
    it; it goes once the remote's full record has been stored over the local view."""

    __tablename__ = "reread"

    incident_id: str = Field(primary_key=True)


class RemoteRow(SQLModel, table=True):
    """Sync state of one remote."""

    __tablename__ = "remote"

    name: str = Field(primary_key=True)
    kind: str
    cursor: str | None = None
    last_ok_at: str | None = None
    last_attempt_at: str | None = None
    last_full_at: str | None = None
    last_error: str | None = None
    state: str = "never"
    """``never`` synced, ``ok``, ``failing`` (remote answered with an error) or ``offline``."""
    hold_until: str | None = None
    """Until when the remote asked (``Retry-After`` on the answer that failed the last pass)
    to be sent nothing: no pass of it before then, in any process on this cache."""
    # Last: an upgraded cache adds it at the end, and a new one must match it.
    mapping: str | None = None
    """The remote's settings that decide how its statuses and severities read (its
    ``status_map``, ``priority_map`` or ``severity_map``), as the cached incidents were read
    with: a pass that finds them changed reads every incident again."""
    identity: str | None = None
    """Which system the cached incidents came from (its kind, server and scope settings, see
    :meth:`~incident_tui.config_remotes.RemoteBase.identity`): a pass that finds the remote
    pointing at another lists it anew and holds the changes queued for the old one."""


class OutboxRow(SQLModel, table=True):
    """A local change waiting to be pushed, in order per incident."""

    __tablename__ = "outbox"
    __table_args__ = {"sqlite_autoincrement": True}

    seq: int | None = Field(default=None, primary_key=True)
    incident_id: str = Field(index=True)
    remote: str = Field(index=True)
    op: str
    payload: str = "{}"
    key: str
    """Idempotency key (uuid4 hex) sent with creates."""
    created_at: str
    state: str = Field(default="queued", index=True)
    """``queued``, ``sending`` (a create, comment or attachment in flight: outcome unknown if
    we die, so the next push looks on the remote first), ``failed`` (refused by the remote;
    the user retries or discards) or ``conflict``."""
    attempts: int = 0
    last_error: str | None = None
    started_at: str | None = None
    next_try_at: str | None = None
    """Not to be sent before this time: the remote answered with a ``Retry-After`` longer
    than a pass waits out (:data:`~incident_tui.sync.push.PUSH_WAIT`)."""


FTS_DDL = (
    "CREATE VIRTUAL TABLE IF NOT EXISTS incident_fts USING fts5("
    "title, description, comments, ids, tokenize = 'unicode61 remove_diacritics 2')"
)
"""Full-text index over title, description, comments and the incident's numbers: its
reference and its remote id (the list shows one or the other, or a UUID's first digits, and
what it shows must be found); rowid = ``incident.num``."""

FTS_ROWS = (
    "SELECT i.num, i.title, COALESCE(i.description, ''), "
    "COALESCE((SELECT group_concat(c.body, ' ') FROM comment c WHERE c.incident_id = i.id), ''), "
    # The remote id, after the reference unless that is the same (most kinds': indexed once).
    "LTRIM(COALESCE(NULLIF(i.ref, i.remote_id), '') || ' ' || i.remote_id) "
    "FROM incident i"
)
"""The index entries of incidents, in :data:`FTS_DDL` column order. Callers add a ``WHERE``
and must keep ``ORDER BY i.num``: FTS5 writes out its pending terms whenever a rowid is
lower than the one before, so entries out of order cost several times more."""

FTS_INSERT = "INTO incident_fts (rowid, title, description, comments, ids) "

FTS_MERGE = "INSERT INTO incident_fts (incident_fts, rank) VALUES ('automerge', 8)"
"""Merge index segments in runs of 8, not FTS5's default 4: a 50,000-incident pull writes
about a fifth faster, and searches at 100,000 incidents measured the same."""

EXTRA_INDEXES = (
    "CREATE INDEX IF NOT EXISTS ix_incident_created_id ON incident (created_at DESC, id DESC)",
    "CREATE INDEX IF NOT EXISTS ix_incident_remote ON incident (remote)",
    "CREATE INDEX IF NOT EXISTS ix_outbox_incident_seq ON outbox (incident_id, seq)",
    "CREATE INDEX IF NOT EXISTS ix_comment_created_at ON comment (created_at)",
)
