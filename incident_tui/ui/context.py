"""What the App hands every screen: services, intents and the signals screens listen to.

Plain classes rather than dataclasses: defining a dataclass costs ~1 ms at import, and this
module is on the first-paint path.
"""

from __future__ import annotations

from textual.signal import Signal

from incident_tui.ui.intents import Intents
from incident_tui.ui.messages import Changed
from incident_tui.ui.services import Services

TICK_EVERY = 30.0
"""Seconds between two publications of :attr:`UiContext.ticked`: the redraws of a promised
update's countdown on the detail screen (it turns red when late)."""


class SyncView:
    """The sync loop as the status line shows it."""

    def __init__(self, enabled: bool) -> None:
        self.enabled = enabled
        self.syncing: set[str] = set()
        self.progress: dict[str, str] = {}
        """How far each syncing remote has come, in a few words (once it has reported)."""
        self.note = ""
        """A word about the loop itself (``sync unavailable``), empty when all is well."""
        self.unrecorded: dict[str, tuple[str, str]] = {}
        """The state (``failing`` or ``offline``) and error of each remote whose last pass
        failed where the cache could not note it (read-only, full): the cache's own state
        of it is older."""
        self.rereads: dict[str, str] = {}
        """Why an incident opened on screen could not be read again from its remote, by id
        (``school could not be reached (timed out)``); none once a later re-read worked."""
        self.reading: dict[str, float] = {}
        """Incidents on screen being read again from their remote now, by id: since when
        (``time.monotonic``)."""


class UiContext:
    """The composition root's hand-out: built once by the App, passed to each screen."""

    def __init__(
        self,
        services: Services,
        intents: Intents,
        incidents_changed: Signal[Changed],
        sync_changed: Signal[SyncView],
        sync_progress: Signal[SyncView],
        sync: SyncView,
        ticked: Signal[None],
    ) -> None:
        self.services = services
        self.intents = intents
        self.incidents_changed = incidents_changed
        """Published after local actions and sync passes; screens re-read what they show."""
        self.sync_changed = sync_changed
        """Published when a remote's pass starts or ends; the status line re-reads."""
        self.sync_progress = sync_progress
        """Published when a syncing remote reports progress: only the words change, so the
        status line redraws without reading the cache."""
        self.sync = sync
        self.ticked = ticked
        """Published every :data:`TICK_EVERY` seconds: screens redraw what the time alone
        changes (a promised update turning late). A screen's own interval would keep it in
        memory for up to one period after it closed (asyncio holds a cancelled timer, and
        with it the screen as the timer's context, until its time comes); the App's does
        not."""
