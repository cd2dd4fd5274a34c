"""The services the App builds once and hands to its screens (the composition root's bag).

Nothing here imports SQLModel or httpx at import time: the Reader is plain sqlite3, and the
writers (``Actions``, ~0.4 s of SQLModel import) are built on first use in a worker
thread, or warmed there after the first paint.
"""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from incident_tui.clock import Clock
from incident_tui.domain.capabilities import Capability, can
from incident_tui.domain.query import ListQuery
from incident_tui.domain.text import clean
from incident_tui.startup import StartView
from incident_tui.store.reader import Reader
from incident_tui.ui.list_source import ListSource
from incident_tui.ui.widgets.list_loading import read_block
from incident_tui.ui.widgets.rows import RowView, row_view

if TYPE_CHECKING:
    from incident_tui.config import Settings
    from incident_tui.store.actions import Actions
    from incident_tui.sync.online import Online
    from incident_tui.ui.drafts import Drafts


class Services:
    """Settings, clock and the store, shared by every screen of one App.

    What the first frame needs comes from :attr:`view`; the full :attr:`settings` may still
    be on their way (the quick start, :mod:`incident_tui.startup`): they are validated on
    first use, or ahead of it by the App right after the first paint."""

    def __init__(
        self,
        view: StartView,
        clock: Clock,
        db_path: Path,
        reader: Reader,
        *,
        settings: Settings | None = None,
        load_settings: Callable[[], Settings] | None = None,
    ) -> None:
        if settings is None and load_settings is None:
            raise ValueError("Services needs settings or a way to load them")
        self.view = view
        self.clock = clock
        self.db_path = db_path
        self.reader = reader
        """The read connection for what the user waits on (rows, detail)."""
        self._settings = settings
        self._load_settings = load_settings
        self._settings_lock = threading.Lock()
        self._background: Reader | None = None
        self._actions: Actions | None = None
        self._online: Online | None = None
        self._drafts: Drafts | None = None
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
        return cls._opened(StartView.of(settings), clock, db_path, settings=settings)

    @classmethod
    def open_view(
        cls, view: StartView, load_settings: Callable[[], Settings], clock: Clock
    ) -> Services:
        """Like :meth:`open`, from a remembered view; the settings load on first use."""
        return cls._opened(view, clock, None, load_settings=load_settings)

    @classmethod
    def _opened(
        cls,
        view: StartView,
        clock: Clock,
        db_path: Path | None,
        *,
        settings: Settings | None = None,
        load_settings: Callable[[], Settings] | None = None,
    ) -> Services:
        path = db_path or view.db
        services = cls(
            view, clock, path, Reader.open(path), settings=settings, load_settings=load_settings
        )
        services.first_rows = read_block(services.source, ListQuery(), 0)
        return services

    @property
    def settings(self) -> Settings:
        """The validated settings. The first use may validate them (~0.2 s; may raise
        ``ConfigError``), which is why the App resolves them in a thread after the first
        paint."""
        with self._settings_lock:
            if self._settings is None:
                assert self._load_settings is not None
                self._settings = self._load_settings()
            return self._settings

    def settings_if_valid(self) -> Settings | None:
        """:attr:`settings`, or ``None`` when they no longer validate. For actions on the UI
        thread in the first moments of a quick start: the App is then already ending with the
        settings' one error line (``IncidentApp._resolve_settings``), so the action does
        nothing instead of failing with a traceback."""
        from incident_tui.config_error import ConfigError

        try:
            return self.settings
        except ConfigError:
            return None

    @property
    def settings_ready(self) -> bool:
        """Whether :attr:`settings` answers without validating first."""
        return self._settings is not None

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

    @property
    def drafts(self) -> Drafts:
        """The unsent text of the dialogs, kept beside the cache (read on first use)."""
        if self._drafts is None:
            from incident_tui.ui.drafts import Drafts, drafts_path

            self._drafts = Drafts(drafts_path(self.db_path))
        return self._drafts

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
        return dict(self.view.remotes)

    def kind_of(self, incident_id: str) -> str | None:
        """The kind of the remote an incident id belongs to, if that remote is configured."""
        return self.remote_kinds().get(incident_id.partition(":")[0])

    def name_of(self, incident_id: str) -> str:
        """``kitehouse 1061``: the incident's remote and the short id the list shows, to name
        it in dialogs and notices (a full id like ``aoh_ims:0b286c70-9df2-…`` takes half an
        80-column line; the detail screen shows it whole). The cleaned full id when the
        incident is not in the cache."""
        # One primary-key read, done when a dialog opens: nothing next to drawing it.
        rows = self.reader.list_rows([incident_id])
        if not rows:
            return clean(incident_id, single_line=True)
        view = row_view(rows[0])
        return f"{view.remote} {view.label}"

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
