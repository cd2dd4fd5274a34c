"""The services the App builds once and hands to its screens (the composition root's bag).

Nothing here imports SQLModel or httpx at import time: the Reader is plain sqlite3, and the
writers (``Actions``, ~0.4 s of SQLModel import) are built on first use in a worker
thread, or warmed there after the first paint.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_tui.clock import Clock
from incident_tui.domain.capabilities import Capability, can
from incident_tui.domain.query import ListQuery
from incident_tui.store.reader import Reader
from incident_tui.ui.list_source import ListSource
from incident_tui.ui.widgets.list_loading import read_block
from incident_tui.ui.widgets.rows import RowView

if TYPE_CHECKING:
    from incident_tui.config import Settings
    from incident_tui.store.actions import Actions
    from incident_tui.sync.online import Online


class Services:
    """Settings, clock and the store, shared by every screen of one App."""

    def __init__(self, settings: Settings, clock: Clock, db_path: Path, reader: Reader) -> None:
        self.settings = settings
        self.clock = clock
        self.db_path = db_path
        self.reader = reader
        """The read connection for what the user waits on (rows, detail)."""
        self._background: Reader | None = None
        self._actions: Actions | None = None
        self._online: Online | None = None
        self._lock = threading.Lock()
        self._background_lock = threading.Lock()
        self.source = ListSource(reader, self.background)
        self.first_rows: list[RowView] | None = None
        """The default list's first block, read before the event loop starts (make_app)."""

    @classmethod
    def open(cls, settings: Settings, clock: Clock, db_path: Path | None = None) -> Services:
        """Open the cache (``db_path`` or the settings' one) and read the list's first block.

        This runs in the composition root, before any event loop exists, so the blocking
        read is fine here: one index-ordered page, ~1 ms even at 100k incidents. The first
        frame then already shows rows instead of waiting for a worker round trip.
        """
        path = db_path or settings.db_path()
        services = cls(settings=settings, clock=clock, db_path=path, reader=Reader.open(path))
        services.first_rows = read_block(services.source, ListQuery(), 0)
        return services

    def background(self) -> Reader:
        """A second read connection for slow background reads (counts, the status line), so
        they never queue in front of the rows the user is waiting for. Opened on first use,
        in a worker thread."""
        with self._background_lock:
            if self._background is None:
                self._background = Reader.open(self.db_path)
            return self._background

    def actions(self) -> Actions:
        """The writer, built on first use. Blocking (imports SQLModel): call it in a thread."""
        with self._lock:
            if self._actions is None:
                from incident_tui.store.actions import Actions

                self._actions = Actions.open(self.db_path, clock=self.clock)
            return self._actions

    @property
    def actions_ready(self) -> bool:
        """Whether the writer has been built (so an action will not wait for the import)."""
        return self._actions is not None

    def online(self) -> Online:
        """Connectors for what needs the remote now (downloads, exports, previews, look-ups),
        opened on first use. Use from async workers on the App's loop: the clients belong
        to it."""
        if self._online is None:
            from incident_tui.sync.online import Online

            self._online = Online(self.settings)
        return self._online

    async def remote_dashboard(
        self, remote: str, start: datetime, end: datetime
    ) -> dict[str, Any]:
        """A Kitehouse remote's own ``/dashboard`` figures."""
        return await self.online().dashboard(remote, start, end)

    def remote_handover(self, remote: str, hours: float) -> AsyncIterator[str]:
        """A Kitehouse remote's own handover e-mail, streamed."""
        return self.online().handover_stream(remote, hours)

    async def aclose_online(self) -> None:
        """Close the connections :meth:`online` opened."""
        if self._online is not None:
            await self._online.aclose()
            self._online = None

    def remote_kinds(self) -> dict[str, str]:
        """Configured remote name to kind."""
        return {remote.name: str(getattr(remote, "kind", "")) for remote in self.settings.remotes}

    def kind_of(self, incident_id: str) -> str | None:
        """The kind of the remote an incident id belongs to, if that remote is configured."""
        return self.remote_kinds().get(incident_id.partition(":")[0])

    def can(self, kind: str | None, capability: Capability) -> bool:
        """Whether incidents of ``kind`` allow ``capability`` (unknown kinds allow nothing)."""
        return bool(kind) and can(str(kind), capability)

    def close(self) -> None:
        """Release the cache connections."""
        self.reader.close()
        if self._background is not None:
            self._background.close()
        if self._actions is not None:
            self._actions.engine.dispose()
